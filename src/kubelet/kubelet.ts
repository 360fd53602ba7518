/**
 * The kubelet: registers this machine's Node, renews its Lease, watches the pods bound to it
 * (and only those), and makes each match its spec through the container runtime, reporting
 * status as upstream does. Probes run on their own timers; container exits and probe changes
 * requeue the pod. Stopping the kubelet stops every container it started (the node shuts down),
 * unless asked to keep them (a restart). A kubelet that starts where containers still run (a
 * previous run crashed or restarted) adopts them: their pods' records are rebuilt from the
 * runtime, so they keep running with their restart counts; those of pods no longer bound here
 * are killed.
 */
import { setMaxListeners } from "node:events"
import { join } from "node:path"
import type { Node, Pod, Service } from "kubernetes-types/core/v1.js"
import { ApiError, type ApiObject, isPodTerminal, keyOf, Nodes, Pods, Services } from "../api/index.ts"
import {
  type Client,
  ClientEventRecorder,
  type Informer,
  RateLimitingQueue,
  SharedInformers,
} from "../client/index.ts"
import { type Clock, type Logger, realClock, silentLogger } from "../util/index.ts"
import { admitPod, type AdmitResult } from "./admission/admit.ts"
import { rejectedStatus } from "./admission/rejected-status.ts"
import { healthyConditions } from "./hollow/node-object.ts"
import { renewNodeLease } from "./node-lease.ts"
import { realNode } from "./node.ts"
import { registeredNodePatch } from "./registered-node.ts"
import { NodeEvents } from "./node-events.ts"
import { adoptedRecord } from "./pod-adopt.ts"
import { stopAll } from "./kill-container.ts"
import { type Backoff, refresh, type SyncDeps, syncPod } from "./pod-sync.ts"
import { allocatedPod, statusAllocation } from "./resize/allocation.ts"
import { allocateResize, type ResizeDeps, retryDeferred, settleResize } from "./resize/pod-resizes.ts"
import { podResources } from "./sandbox-config.ts"
import { allContainerRecords, type PodRecord } from "./pod-state.ts"
import { Terminations } from "./terminations.ts"
import { podStatus } from "./pod-status.ts"
import { withEphemeralStatuses } from "./ephemeral-containers.ts"
import { kubeletConfiguration } from "./configz.ts"
import {
  ContainerLogManager,
  DEFAULT_CONTAINER_LOG_MAX_FILES,
  DEFAULT_CONTAINER_LOG_MAX_SIZE,
} from "./logs/container-log-manager.ts"
import { instrumentRuntime } from "./metrics/instrumented-runtime.ts"
import { KubeletMetrics, type SyncType } from "./metrics/kubelet-metrics.ts"
import { ProbeManager } from "./probe-manager.ts"
import { StatusWriter } from "./status-writer.ts"
import { terminatedStatus } from "./terminal-status.ts"
import type { ContainerRuntime } from "./runtime/runtime.ts"
import { mark } from "./runtime/process/sandbox/trace.ts"
import type { StatsPod } from "./stats/stats-provider.ts"
import { VolumeManager } from "./volumes/volume-manager.ts"

/** Options of Kubelet. */
export interface KubeletOptions {
  readonly client: Client
  readonly nodeName: string
  /** The node's InternalIP. */
  readonly address: string
  readonly runtime: ContainerRuntime
  /** Where ephemeral storage lives (for the Node's capacity). */
  readonly dataDir: string
  readonly podCIDR?: string
  /** The port of the kubelet's API (logs), reported in daemonEndpoints. */
  readonly kubeletPort?: number
  readonly clock?: Clock
  readonly log?: Logger
  /** Restart back-off (default 10 s doubling to 5 minutes). */
  readonly backoff?: Backoff
  /** Where a ClusterIP is reached from this node, for the service environment variables. */
  readonly serviceAddress?: (clusterIP: string) => string
  /** The cluster DNS addresses for ClusterFirst pods' resolv.conf (upstream's --cluster-dns). */
  readonly clusterDNS?: readonly string[]
  /** The cluster's DNS domain (default cluster.local). */
  readonly clusterDomain?: string
  /** Where pod volumes and kubelet-managed files live (upstream's --root-dir; default `<dataDir>/kubelet-root`). */
  readonly rootDir?: string
  /** The node's resolver file for Default pods (default /etc/resolv.conf). */
  readonly resolvConf?: string
  /** How often every pod is synced again, refreshing its volumes (default 1 minute, as upstream). */
  readonly syncFrequencyMs?: number
  /**
   * Concurrent pod syncs (default 32: a burst of pods starts fastest so on two cores, where 8
   * left most waiting and 64 or more contend for the file system; upstream runs one per pod).
   */
  readonly workers?: number
  /** Pods the node accepts (upstream's --max-pods; default 110). */
  readonly maxPods?: number
  /** Rotate a container's log past this size (a quantity or bytes; upstream's default 10Mi). */
  readonly containerLogMaxSize?: string | number
  /** Files kept per container log, the live one included (upstream's default 5). */
  readonly containerLogMaxFiles?: number
  /**
   * On stop, leave the containers running for the next kubelet on this node to adopt (a
   * restart), instead of stopping them (a node shutdown). Default false.
   */
  readonly keepContainersOnExit?: boolean
}

const DEFAULT_BACKOFF: Backoff = { initialMs: 10_000, maxMs: 300_000 }
const DEFAULT_WORKERS = 32
/**
 * How long a container started by a sync runs before the pod's status reports it (the sync looks
 * again then): upstream's kubelet learns of a start at its next relist (every second), so a
 * container that fails at once is first seen exited, never Running or Ready.
 */
const START_SETTLE_MS = 100

/** The ids of the pod's current container starts. */
function startIds(record: PodRecord): Set<string> {
  const ids = new Set<string>()
  for (const [, r] of allContainerRecords(record)) if (r.current) ids.add(r.current.id)
  return ids
}

/** Whether a container start not among `before` is running (the runtime's latest word). */
function startedRunning(record: PodRecord, before: ReadonlySet<string>): boolean {
  for (const [, r] of allContainerRecords(record)) {
    if (r.current && !before.has(r.current.id) && r.current.state === "running") return true
  }
  return false
}
/** How often the Lease is renewed (upstream's nodeStatusUpdateFrequency). */
const LEASE_RENEW_MS = 10_000
/** How often the Node's conditions are written again though unchanged (nodeStatusReportFrequency). */
const NODE_STATUS_REPORT_MS = 60_000

/** The pod's namespace and name. */
function refOf(pod: Pod): { namespace: string; name: string } {
  return { namespace: pod.metadata?.namespace ?? "", name: pod.metadata?.name ?? "" }
}

/** Runs one node. */
export class Kubelet {
  readonly #o: KubeletOptions
  readonly #clock: Clock
  readonly #log: Logger
  readonly #records = new Map<string, PodRecord>()
  readonly #keysByUid = new Map<string, string>()
  readonly #statuses: StatusWriter
  /** The resourceVersion each pod was last synced at (create, update or sync). */
  readonly #syncedAt = new Map<string, string>()
  /** Pods whose start was recorded in kubelet_pod_start_duration_seconds. */
  readonly #startRecorded = new Set<string>()
  readonly #runtime: ContainerRuntime
  readonly #logs: ContainerLogManager
  /** This kubelet's Prometheus metrics (/metrics and /metrics/probes on the node API). */
  readonly metrics: KubeletMetrics
  #queue = new RateLimitingQueue()
  #pods: Informer<Pod & ApiObject> | undefined
  #services: Informer<Service & ApiObject> | undefined
  #node: Informer<Node & ApiObject> | undefined
  /** Pods refused admission, by key, with their uid (not admitted again). */
  readonly #rejected = new Map<string, string>()
  #probes: ProbeManager | undefined
  /** Pods being stopped, whose grace period a later, shorter one cuts. */
  readonly #terminations = new Terminations()
  #since = 0
  readonly #volumes: VolumeManager

  constructor(opts: KubeletOptions) {
    this.#o = opts
    this.#volumes = new VolumeManager({
      client: opts.client,
      root: opts.rootDir ?? join(opts.dataDir, "kubelet-root"),
      dns: {
        // Pods on the host network reach the cluster DNS where ClusterIPs map to.
        clusterDNS: (opts.clusterDNS ?? []).map((ip) => opts.serviceAddress?.(ip) ?? ip),
        clusterDomain: opts.clusterDomain ?? "cluster.local",
        resolvConf: opts.resolvConf ?? "/etc/resolv.conf",
        hostsFile: "/etc/hosts",
      },
      log: opts.log ?? silentLogger(),
    })
    this.#clock = opts.clock ?? realClock
    this.#log = opts.log ?? silentLogger()
    this.#statuses = new StatusWriter({
      client: opts.client,
      log: this.#log,
      failed: (key) => this.#queue.addRateLimited(key),
    })
    this.metrics = new KubeletMetrics({
      runningPods: () => [...this.#records.values()].filter((r) => r.sandbox && !r.terminal).length,
      containersByState: () => {
        const counts = new Map<string, number>()
        for (const c of opts.runtime.list())
          if (this.#keysByUid.has(c.podUid)) counts.set(c.state, (counts.get(c.state) ?? 0) + 1)
        return counts
      },
    })
    this.#runtime = instrumentRuntime(opts.runtime, this.metrics)
    this.#logs = new ContainerLogManager({
      runtime: opts.runtime,
      ...(opts.containerLogMaxSize !== undefined ? { maxSize: opts.containerLogMaxSize } : {}),
      ...(opts.containerLogMaxFiles !== undefined ? { maxFiles: opts.containerLogMaxFiles } : {}),
      clock: this.#clock,
      log: this.#log,
    })
  }

  /** The pods this kubelet holds a record of (for the node API). */
  record(namespace: string, name: string): PodRecord | undefined {
    return this.#records.get(`${namespace}/${name}`)
  }

  /** Every pod this kubelet holds a record of (for the stats endpoints). */
  pods(): StatsPod[] {
    return [...this.#records.values()].map((record) => {
      const [namespace = "", name = ""] = record.key.split("/")
      return { namespace, name, record }
    })
  }

  /** The configuration this kubelet runs with, as its `/configz` serves it. */
  configuration(): Record<string, unknown> {
    const o = this.#o
    return kubeletConfiguration({
      address: o.address,
      port: o.kubeletPort ?? 10250,
      syncFrequencyMs: o.syncFrequencyMs ?? 60_000,
      clusterDomain: o.clusterDomain ?? "cluster.local",
      clusterDNS: o.clusterDNS ?? [],
      resolvConf: o.resolvConf ?? "/etc/resolv.conf",
      maxPods: o.maxPods ?? 110,
      ...(o.podCIDR ? { podCIDR: o.podCIDR } : {}),
      containerLogMaxSize: o.containerLogMaxSize ?? DEFAULT_CONTAINER_LOG_MAX_SIZE,
      containerLogMaxFiles: o.containerLogMaxFiles ?? DEFAULT_CONTAINER_LOG_MAX_FILES,
      maxContainerRestartMs: (o.backoff ?? DEFAULT_BACKOFF).maxMs,
      nodeStatusUpdateMs: LEASE_RENEW_MS,
      nodeStatusReportMs: NODE_STATUS_REPORT_MS,
    })
  }

  /** The pod object as last seen. */
  pod(namespace: string, name: string): Pod | undefined {
    return this.#pods?.cache.get(`${namespace}/${name}`)
  }

  /**
   * Registers the Node, then runs pods until `signal` aborts; then stops every container (or,
   * with keepContainersOnExit, leaves them to the next run).
   */
  async run(outer: AbortSignal): Promise<void> {
    // Workers, informers and heartbeats each listen for the abort: one signal of our own allows that many.
    const ac = new AbortController()
    setMaxListeners(64, ac.signal)
    const forward = () => ac.abort(outer.reason)
    if (outer.aborted) forward()
    outer.addEventListener("abort", forward, { once: true })
    const signal = ac.signal
    // One recorder for the whole kubelet (as upstream's): repeats about a pod fold into one
    // Event whichever worker or prober records them.
    const events = this.#events()
    const nodeEvents = new NodeEvents(events, this.#o.nodeName)
    nodeEvents.starting()
    await this.#register(nodeEvents)
    this.#runtime.warmUp?.()
    await this.#volumes.init()
    const informers = new SharedInformers(this.#o.client, { clock: this.#clock, log: this.#log })
    this.#pods = informers.get<Pod & ApiObject>(Pods, { fieldSelector: `spec.nodeName=${this.#o.nodeName}` })
    this.#services = informers.get<Service & ApiObject>(Services)
    this.#node = informers.get<Node & ApiObject>(Nodes, {
      fieldSelector: `metadata.name=${this.#o.nodeName}`,
    })
    this.#queue = new RateLimitingQueue({ clock: this.#clock })
    const queue = this.#queue
    const enqueue = (p: Pod) => {
      mark(p.metadata?.uid ?? "", "queued")
      queue.add(keyOf(p as ApiObject))
    }
    this.#pods.addHandler({
      onAdd: enqueue,
      onUpdate: (_o, p) => this.#updated(p, enqueue),
      onDelete: enqueue,
    })
    const offExit = this.#runtime.onExit((c) => {
      const key = this.#keysByUid.get(c.podUid)
      if (key) queue.add(key)
    })
    this.#probes = new ProbeManager({
      runtime: this.#runtime,
      events,
      log: this.#log,
      metrics: this.metrics,
      changed: (key) => queue.add(key),
    })
    const running = informers.run(signal)
    try {
      await Promise.all([
        this.#pods.waitForSync(signal),
        this.#services.waitForSync(signal),
        this.#node.waitForSync(signal),
      ])
      this.#log.info({ node: this.#o.nodeName, runtime: this.#runtime.name }, "Kubelet started")
      await Promise.all([
        ...Array.from({ length: this.#o.workers ?? DEFAULT_WORKERS }, () => this.#work(signal, events)),
        this.#resync(signal),
        this.#heartbeat(signal, nodeEvents),
        this.#logs.run(signal),
        running,
      ])
    } finally {
      outer.removeEventListener("abort", forward)
      offExit()
      queue.shutDown()
      this.#probes.stopAll()
      // The statuses handed over last are written before the containers go (bounded: the API may be gone too).
      await Promise.race([this.#statuses.idle(), new Promise((r) => setTimeout(r, 2000).unref())])
      if (this.#o.keepContainersOnExit && this.#runtime.release) await this.#runtime.release(2000)
      else await this.#runtime.close(2000)
    }
  }

  /**
   * A pod's own status write coming back through the watch changes nothing to sync; any other
   * update queues the pod. The event may come before its write is known to be done: then it is
   * told once that write is.
   */
  #updated(pod: Pod & ApiObject, enqueue: (p: Pod) => void): void {
    const key = keyOf(pod)
    const grace = pod.metadata?.deletionGracePeriodSeconds
    if (pod.metadata?.deletionTimestamp && grace !== undefined) {
      this.#terminations.shorten(key, pod.metadata.uid ?? "", grace * 1000, this.#clock.now())
    }
    const rv = pod.metadata?.resourceVersion
    const unlessOwn = () => {
      if (!this.#statuses.ownWrite(key, rv)) enqueue(pod)
    }
    const writing = this.#statuses.writing(key)
    if (writing) void writing.then(unlessOwn)
    else unlessOwn()
  }

  #events(): ClientEventRecorder {
    return new ClientEventRecorder(this.#o.client, {
      component: "kubelet",
      host: this.#o.nodeName,
      clock: this.#clock,
      log: this.#log,
    })
  }

  async #register(nodeEvents: NodeEvents): Promise<void> {
    const now = this.#clock.now()
    this.#since = now
    const node = realNode(
      {
        name: this.#o.nodeName,
        address: this.#o.address,
        dataDir: this.#o.dataDir,
        kubeletPort: this.#o.kubeletPort ?? 10250,
        runtime: { name: this.#runtime.name, version: this.#runtime.version },
        ...(this.#o.podCIDR ? { podCIDR: this.#o.podCIDR } : {}),
        ...(this.#o.maxPods !== undefined ? { maxPods: this.#o.maxPods } : {}),
      },
      now,
    )
    // Upstream's initialNode runs the status setters over the Node it builds: its new conditions record events.
    const conditions = node.status?.conditions ?? []
    nodeEvents.conditionsSet(undefined, conditions)
    const nodes = this.#o.client.resource(Nodes)
    try {
      await nodes.create(node as Node & ApiObject)
    } catch (err) {
      if (!(err instanceof ApiError && err.reason === "AlreadyExists")) throw err
      const existing = await nodes.get({ name: this.#o.nodeName }).catch(() => undefined)
      nodeEvents.schedulable(existing)
      // A Node not read back is no Node being built: nothing to compare the conditions with.
      if (existing) nodeEvents.conditionsSet(existing, conditions)
      const reconcile = existing && registeredNodePatch(node, existing)
      if (reconcile) await nodes.patch({ name: this.#o.nodeName }, reconcile, { type: "merge" })
      await nodes.patch(
        { name: this.#o.nodeName },
        { status: node.status },
        { type: "merge", subresource: "status" },
      )
    }
    await renewNodeLease(this.#o.client, this.#o.nodeName, now)
  }

  async #heartbeat(signal: AbortSignal, nodeEvents: NodeEvents): Promise<void> {
    let sinceStatus = 0
    while (!signal.aborted) {
      await this.#clock.sleep(LEASE_RENEW_MS, signal).catch(() => {})
      if (signal.aborted) return
      const now = this.#clock.now()
      // Each status sync looks at the Node as the kubelet last saw it (upstream's setters).
      const node = this.#node?.cache.get(this.#o.nodeName)
      nodeEvents.schedulable(node)
      try {
        await renewNodeLease(this.#o.client, this.#o.nodeName, now)
        if (now - sinceStatus >= NODE_STATUS_REPORT_MS) {
          sinceStatus = now
          const conditions = healthyConditions(now, this.#since)
          // A Node gone from the cache (deleted) is no Node being built: nothing is recorded.
          if (node) nodeEvents.conditionsSet(node, conditions)
          await this.#o.client
            .resource(Nodes)
            .patch(
              { name: this.#o.nodeName },
              { status: { conditions } },
              { type: "merge", subresource: "status" },
            )
        }
      } catch (err) {
        this.#log.warn({ err: String(err) }, "Cannot renew the node lease")
      }
    }
  }

  /** Syncs every pod again each syncFrequency, so volumes follow their ConfigMaps and Secrets. */
  async #resync(signal: AbortSignal): Promise<void> {
    this.#volumes.cleanOrphans(new Set(this.#pods?.cache.list().map((p) => p.metadata?.uid ?? "")))
    await this.#killOrphans()
    while (!signal.aborted) {
      await this.#clock.sleep(this.#o.syncFrequencyMs ?? 60_000, signal).catch(() => {})
      if (signal.aborted) return
      await this.#killOrphans()
      for (const key of this.#records.keys()) this.#queue.add(key)
    }
  }

  /**
   * Kills the sandboxes and containers of pods no longer bound to this node (deleted, or bound
   * elsewhere, while no kubelet ran here): upstream's housekeeping of orphaned pods.
   */
  async #killOrphans(): Promise<void> {
    const bound = new Set(this.#pods?.cache.list().map((p) => p.metadata?.uid ?? ""))
    const orphan = (uid: string) => !bound.has(uid) && !this.#keysByUid.has(uid)
    for (const sb of this.#runtime.sandboxes().filter((s) => orphan(s.podUid))) {
      this.#log.info({ podUid: sb.podUid }, "Killing the containers of a pod no longer bound to this node")
      await this.#runtime.removeSandbox(sb.id).catch((err: unknown) => {
        this.#log.warn({ podUid: sb.podUid, err: String(err) }, "Cannot remove an orphaned sandbox")
      })
    }
    for (const c of this.#runtime.list().filter((c) => orphan(c.podUid))) {
      await this.#runtime.remove(c.id).catch(() => {})
    }
  }

  async #work(signal: AbortSignal, events: ClientEventRecorder): Promise<void> {
    for (;;) {
      const key = await this.#queue.next(signal)
      if (key === undefined) return
      mark(this.#pods?.cache.get(key)?.metadata?.uid ?? "", "worker")
      const type = this.#syncType(key)
      const started = process.hrtime.bigint()
      try {
        const after = await this.#sync(key, events)
        this.metrics.podWorker(type, Number(process.hrtime.bigint() - started) / 1e9)
        this.#queue.forget(key)
        if (Number.isFinite(after)) this.#queue.addAfter(key, Math.max(after, 10))
      } catch (err) {
        if (!signal.aborted) {
          this.#log.warn({ key, err: String(err) }, "Pod sync failed, retrying")
          this.#queue.addRateLimited(key)
        }
      } finally {
        this.#queue.done(key)
      }
    }
  }

  /** How this sync of the pod is labelled: create (first), kill, update (a new version) or sync. */
  #syncType(key: string): SyncType {
    const pod = this.#pods?.cache.get(key)
    const rv = pod?.metadata?.resourceVersion ?? ""
    const last = this.#syncedAt.get(key)
    if (pod) this.#syncedAt.set(key, rv)
    else this.#syncedAt.delete(key)
    if (!pod || pod.metadata?.deletionTimestamp) return "kill"
    if (!this.#records.has(key)) return "create"
    return last === rv ? "sync" : "update"
  }

  #deps(events: ClientEventRecorder): SyncDeps {
    return {
      client: this.#o.client,
      runtime: this.#runtime,
      events,
      log: this.#log,
      hostIP: this.#o.address,
      services: () => this.#services?.cache.list() ?? [],
      ...(this.#o.serviceAddress ? { serviceAddress: this.#o.serviceAddress } : {}),
      backoff: this.#o.backoff ?? DEFAULT_BACKOFF,
      now: () => Date.now(),
      volumes: this.#volumes,
    }
  }

  async #sync(key: string, events: ClientEventRecorder): Promise<number> {
    const pod = this.#pods?.cache.get(key)
    const d = this.#deps(events)
    let record = this.#records.get(key)
    if (record && (!pod || pod.metadata?.uid !== record.uid)) {
      await this.#forget(d, pod, record)
      record = undefined
    }
    if (!pod || this.#rejected.get(key) !== pod.metadata?.uid) this.#rejected.delete(key)
    if (!pod) return Infinity
    record ??= this.#adopt(key, pod)
    if (pod.metadata?.deletionTimestamp) return this.#terminate(d, pod, record)
    record ??= await this.#admitNew(key, pod, events)
    if (!record) return Infinity
    // One time for the statuses of this sync, so one computed before and after with nothing changed is one write.
    const now = this.#clock.now()
    // The pod as allocated (a resize of its spec once the node can take it) is what runs.
    const allocated = allocateResize(this.#resizeDeps(events, now), pod, record)
    // Until its sandbox runs, a pod's status is handed over before its volumes, sandbox and
    // containers are set up (Pending, waiting ContainerCreating or PodInitializing), as upstream's
    // pod worker does; written off this worker, so the start does not wait for it.
    if (!record.sandbox) this.#writeStatus(allocated, record, now)
    const before = startIds(record)
    const ended = record.terminal
    const wait = await syncPod(d, allocated, record)
    // A pod that finished frees its resources: deferred resizes may fit now.
    if (!ended && record.terminal) this.#retryResizes()
    this.#probes?.ensure(key, allocated, record)
    // A start is reported once it has had time to fail: a container that exits at once is never
    // seen running (nor Ready), as upstream's kubelet sees a start only at its next relist.
    if (startedRunning(record, before)) return Math.min(wait, START_SETTLE_MS)
    refresh(this.#runtime, record)
    const resizing = settleResize({ events, now }, allocated, record)
    this.#writeStatus(allocated, record, now)
    return Math.min(wait, resizing)
  }

  #resizeDeps(events: ClientEventRecorder, now: number): ResizeDeps {
    return {
      events,
      now,
      node: () => this.#node?.cache.get(this.#o.nodeName),
      others: (uid) => this.#admittedPods(uid),
    }
  }

  /** The pods admitted here and not finished, as allocated, but the one of uid `except`. */
  #admittedPods(except?: string): Pod[] {
    const pods: Pod[] = []
    for (const r of this.#records.values()) {
      const p = this.#pods?.cache.get(r.key)
      if (p && !r.terminal && r.uid !== except) pods.push(allocatedPod(p, r.allocated))
    }
    return pods
  }

  /** A pod left: the deferred resizes of the others may fit now (upstream retries them). */
  #retryResizes(): void {
    for (const key of retryDeferred(this.#records.values())) this.#queue.add(key)
  }

  /** The record of a pod whose sandbox or containers a previous run left in the runtime. */
  #adopt(key: string, pod: Pod): PodRecord | undefined {
    const record = adoptedRecord(this.#runtime, key, pod)
    if (!record) return undefined
    // What the previous run allocated, as its status says; a difference from the spec is a resize.
    record.allocated = statusAllocation(pod)
    // Its pod cgroup has the limits the allocation gives, as the earlier run set them (a resize
    // compares with them: unset, the first sync would write them again, checking memory use).
    record.podResources = podResources(allocatedPod(pod, record.allocated)) ?? {}
    this.#records.set(key, record)
    this.#keysByUid.set(record.uid, key)
    this.#log.info({ pod: key, containers: record.containers.size }, "Adopted a running pod")
    return record
  }

  /** A record for a pod seen for the first time, once admitted; undefined when it does not run here. */
  async #admitNew(key: string, pod: Pod, events: ClientEventRecorder): Promise<PodRecord | undefined> {
    if (isPodTerminal(pod) || this.#rejected.has(key)) return undefined
    // A pod an earlier run admitted (its status says so) is admitted with what it was allocated
    // (upstream's checkpoint); a difference from the spec is then decided as a resize.
    const allocated = statusAllocation(pod)
    const verdict = this.#admit(allocatedPod(pod, allocated))
    if (!verdict.admit) {
      await this.#reject(pod, verdict, events)
      return undefined
    }
    const record: PodRecord = {
      uid: pod.metadata?.uid ?? "",
      key,
      since: Date.now(),
      containers: new Map(),
      initContainers: new Map(),
      allocated,
    }
    this.#records.set(key, record)
    this.#keysByUid.set(record.uid, key)
    return record
  }

  /** Admission against the pods already admitted and still running (upstream's order and messages). */
  #admit(pod: Pod): AdmitResult {
    return admitPod({
      pod,
      node: this.#node?.cache.get(this.#o.nodeName),
      // The others with the resources allocated to them (a pending resize is not theirs yet).
      others: this.#admittedPods(),
      alreadyStarted: !!pod.status?.startTime,
    })
  }

  /** A pod that does not fit goes Failed at once with the reason, and a Warning event. */
  async #reject(
    pod: Pod,
    verdict: { reason: string; message: string },
    events: ClientEventRecorder,
  ): Promise<void> {
    const key = keyOf(pod as ApiObject)
    const uid = pod.metadata?.uid ?? ""
    this.#rejected.set(key, uid)
    this.#log.info({ pod: key, reason: verdict.reason, message: verdict.message }, "Pod rejected")
    events.event(pod as never, "Warning", verdict.reason, verdict.message)
    const status = rejectedStatus(pod, verdict, this.#clock.now())
    await this.#o.client
      .resource(Pods)
      .patch(
        { namespace: pod.metadata?.namespace ?? "", name: pod.metadata?.name ?? "" },
        { metadata: { uid }, status },
        { type: "merge", subresource: "status" },
      )
      .catch((err: unknown) => {
        if (!(err instanceof ApiError && err.reason === "NotFound")) throw err
      })
  }

  /** Stops the pod's running containers within `graceMs` (a termination's shortened period). */
  #stopWithin(record: PodRecord, graceMs: number): void {
    for (const [name, r] of allContainerRecords(record)) {
      const id = r.current?.state === "running" ? r.current.id : undefined
      if (!id) continue
      this.#runtime.stop(id, graceMs).catch((err: unknown) => {
        this.#log.warn({ pod: record.key, container: name, err: String(err) }, "Cannot stop container")
      })
    }
  }

  async #forget(d: SyncDeps, pod: Pod | undefined, record: PodRecord): Promise<void> {
    this.#probes?.forget(record.key)
    await stopAll(d, pod ?? ({} as Pod), record, 0)
    if (record.sandbox) await this.#runtime.removeSandbox(record.sandbox.id)
    this.#records.delete(record.key)
    this.#volumes.tearDown(record.uid)
    this.#keysByUid.delete(record.uid)
    this.#statuses.forget(record.key)
    this.#startRecorded.delete(record.key)
    this.#retryResizes()
  }

  /**
   * Graceful deletion, as upstream's syncTerminatingPod and status manager: the pod's status as
   * deleted (its new generation) first, then the containers stopped within the grace period, then
   * the final status (containers terminated, phase Succeeded or Failed) written, and only once the
   * API has it, the deletion confirmed (grace period 0), so watchers see the pod end before it goes.
   */
  async #terminate(d: SyncDeps, pod: Pod, record: PodRecord | undefined): Promise<number> {
    if (record) {
      const grace =
        (pod.metadata?.deletionGracePeriodSeconds ?? pod.spec?.terminationGracePeriodSeconds ?? 30) * 1000
      this.#probes?.forget(record.key)
      this.#writeStatus(pod, record, this.#clock.now())
      const end = this.#terminations.begin(record.key, record.uid, grace, this.#clock.now(), (ms) =>
        this.#stopWithin(record, ms),
      )
      try {
        await stopAll(d, pod, record, grace)
      } finally {
        end()
      }
      this.#writeStatus(pod, record, this.#clock.now(), true)
      await this.#finalStatusWritten(pod, record.key)
      if (record.sandbox) await this.#runtime.removeSandbox(record.sandbox.id)
      this.#records.delete(record.key)
      this.#volumes.tearDown(record.uid)
      this.#keysByUid.delete(record.uid)
      this.#statuses.forget(record.key)
      this.#startRecorded.delete(record.key)
      this.#retryResizes()
    } else {
      // Nothing of it runs here (a restart lost it): the status the API has, ended.
      const key = keyOf(pod as ApiObject)
      const status = terminatedStatus(pod, this.#clock.now())
      if (status) this.#statuses.set(key, { ...refOf(pod), uid: pod.metadata?.uid ?? "", status })
      await this.#finalStatusWritten(pod, key)
      this.#statuses.forget(key)
    }
    const ref = refOf(pod)
    await this.#o.client
      .resource(Pods)
      .delete(ref, { gracePeriodSeconds: 0, preconditions: { uid: pod.metadata?.uid ?? "" } })
      .catch(async (err: unknown) => {
        if (err instanceof ApiError && err.reason === "NotFound") return
        // A uid precondition failing means a new pod took the name: this one is gone. Any other
        // conflict (a write that raced this delete) is retried by requeueing the pod.
        if (err instanceof ApiError && err.reason === "Conflict") {
          const now = await this.#o.client
            .resource(Pods)
            .get(ref)
            .catch(() => undefined)
          if (now?.metadata?.uid !== pod.metadata?.uid) return
        }
        throw err
      })
    return Infinity
  }

  /** Waits for the pod's final status to be written; throws (the sync is retried) when it was not. */
  async #finalStatusWritten(pod: Pod, key: string): Promise<void> {
    if (await this.#statuses.flush(key)) return
    throw new Error(`Cannot confirm the deletion of pod "${key}": its final status was not written`)
  }

  /**
   * Hands the pod's status as of `now` to the status writer (written off this worker); `terminal`:
   * its final status, the pod deleted and its containers stopped.
   */
  #writeStatus(given: Pod, record: PodRecord, now: number, terminal = false): void {
    refresh(this.#runtime, record)
    // Its containers as allocated: their statuses report those resources.
    const pod = allocatedPod(given, record.allocated)
    const status = withEphemeralStatuses(
      // Based on the status last handed over, not the informer's copy of the pod, which lags it.
      podStatus({
        pod,
        record,
        hostIP: this.#o.address,
        now,
        old: this.#statuses.last(record.key, record.uid),
        terminal,
      }),
      pod,
      record,
    )
    if (status.phase === "Running" && !this.#startRecorded.has(record.key)) {
      this.#startRecorded.add(record.key)
      this.metrics.podStarted((Date.now() - record.since) / 1000)
    }
    this.#statuses.set(record.key, { ...refOf(pod), uid: record.uid, status })
  }
}

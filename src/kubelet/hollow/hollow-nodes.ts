/**
 * Hollow nodes (upstream's kubemark / kwok idea): simulated kubelets that register Nodes, renew
 * their Leases, record the kubelet's events about their Nodes, admit the pods bound to them as the kubelet does (rejected ones go Failed with
 * the admission's reason) and report the others Running at once without starting anything.
 * Many share one pod and node informer and one work queue, so thousands fit in the server's
 * process to test and benchmark the control plane at scale.
 */
import type { Node, Pod } from "kubernetes-types/core/v1.js"
import { ApiError, type ApiObject, isPodTerminal, keyOf, Nodes, Pods } from "../../api/index.ts"
import { createNodeLease, renewNodeLease } from "../node-lease.ts"
import { NodeEvents } from "../node-events.ts"
import { registeredNodePatch } from "../registered-node.ts"
import {
  BY_NODE_NAME,
  type Cache,
  type Client,
  ClientEventRecorder,
  type ControllerSpec,
  runController,
  SharedInformers,
  stripManagedFields,
} from "../../client/index.ts"
import { admitPod } from "../admission/admit.ts"
import { type Rejection, rejectedStatus } from "../admission/rejected-status.ts"
import { type Clock, type Logger, parseCidr, cidrAddress, realClock, silentLogger } from "../../util/index.ts"
import { healthyConditions, hollowNode, type HollowNodeSpec } from "./node-object.ts"
import { isReadyAsGated, isRunning, runningStatus, stoppedStatus } from "./pod-status.ts"
import { STATUS_PATCH_TYPE, statusPatch } from "../status-patch.ts"
import { hollowSummary, type HollowUsage } from "./usage.ts"
import type { Summary } from "../stats/summary-types.ts"

/** How many nodes renew their Lease or post their status at the same time. */
const HEARTBEATS_AT_ONCE = 16
/** Each wait between two heartbeats of a node is up to 4% longer than the period, as upstream's kubelet. */
const JITTER = 0.04

/** Options of HollowNodes. */
export interface HollowNodesOptions {
  readonly client: Client
  readonly nodes: readonly HollowNodeSpec[]
  readonly clock?: Clock
  readonly log?: Logger
  /** How often each node renews its Lease (default 10 s, as the kubelet). */
  readonly leaseRenewMs?: number
  /** How often each node re-posts its conditions (default 5 minutes, as the kubelet). */
  readonly statusReportMs?: number
  /**
   * Concurrent pod syncs across all the nodes (default 4 per node, 16 to 256): each real kubelet
   * works on its own pods independently, so one node's burst of deletions must not hold back
   * another node's pods turning Running.
   */
  readonly workers?: number
  /** The synthetic usage the nodes report (summary()). */
  readonly usage?: HollowUsage
  /** The port the nodes report for their kubelet (a HollowStatsServer's; default 10250). */
  readonly kubeletPort?: number
  /**
   * Record each kubelet's events about its Node as kubemark's hollow kubelets do (default true):
   * Starting, the condition setters' and the schedulability ones.
   */
  readonly nodeEvents?: boolean
}

/**
 * A pool of pod addresses per node, from the node's podCIDR (offsets 2.. as the bridge takes 1),
 * held by pod key ("ns/name").
 */
class PodAddresses {
  readonly #byPod = new Map<string, string>()
  readonly #used = new Set<string>()
  readonly #cidr
  #next = 2

  constructor(podCIDR: string) {
    this.#cidr = parseCidr(podCIDR)
  }

  /** Records an address a pod already has (after a restart). */
  keep(key: string, ip: string): void {
    this.#byPod.set(key, ip)
    this.#used.add(ip)
  }

  of(key: string): string {
    const have = this.#byPod.get(key)
    if (have) return have
    for (let tries = 0; tries < this.#cidr.size; tries++) {
      if (this.#next >= this.#cidr.size - 1) this.#next = 2
      const ip = cidrAddress(this.#cidr, this.#next++)
      if (this.#used.has(ip)) continue
      this.keep(key, ip)
      return ip
    }
    throw new Error(`no free pod address left in ${this.#cidr.text}`)
  }

  release(key: string): void {
    const ip = this.#byPod.get(key)
    if (ip) this.#used.delete(ip)
    this.#byPod.delete(key)
  }
}

interface NodeState {
  readonly spec: HollowNodeSpec
  readonly addresses: PodAddresses
  /**
   * The pods admitted here and not finished, by key, each with its informer's current version
   * while that is cached and not finished (the ones the next admission counts), else undefined.
   * A handler on the pod informer keeps the versions current, so an admission reads them here
   * instead of looking up every pod of the node in the cache.
   */
  readonly admitted: Map<string, Pod | undefined>
  /** Its kubelet's event recorder, made on first use. */
  events?: ClientEventRecorder
  /** Its kubelet's events about its Node (see nodeEvents). */
  nodeEvents?: NodeEvents
  since: number
  /** The uid of the Node when this run created it (its Lease does not exist yet). */
  createdUid?: string | undefined
}

/** The caches a hollow kubelet reads. */
interface Caches {
  readonly pods: Cache<Pod & ApiObject>
  readonly nodes: Cache<Node & ApiObject>
}

/** Runs a set of hollow nodes until the signal aborts. */
export class HollowNodes {
  readonly #opts: HollowNodesOptions
  readonly #clock: Clock
  readonly #log: Logger
  readonly #nodes = new Map<string, NodeState>()
  /** Node names by the address they report (the first node of each address). */
  readonly #byAddress = new Map<string, string>()
  /** The pods bound to a node (the shared informer's node index). */
  #pods: ((node: string) => Pod[]) | undefined
  readonly #settled = latch()
  /**
   * The uid of each terminating pod whose final delete was asked, by key, until the pod is gone
   * (the kubelet's status manager asks once per pod): that delete first sets the pod's grace period
   * to 0, and the update it sends the watch queues the pod again before the deletion arrives.
   */
  readonly #finalDeletes = new Map<string, string>()
  /**
   * The uid and generation of each pod whose status this kubelet is writing or wrote (Running, or
   * Failed on rejection), by key, until the informer delivers that status: a pod queued again
   * meanwhile is not written twice, unless its spec changed since (a new generation to observe).
   * As the kubelet's status manager, it remembers what it sent rather than decoding the answer.
   */
  readonly #reported = new Map<string, string>()
  /** The node each bound pod is on, by key (where its address and admission are held). */
  readonly #holders = new Map<string, NodeState>()
  /** The Nodes as the shared informer has them, once running. */
  #nodeCache: Cache<Node & ApiObject> | undefined

  constructor(opts: HollowNodesOptions) {
    this.#opts = opts
    this.#clock = opts.clock ?? realClock
    this.#log = opts.log ?? silentLogger()
    opts.nodes.forEach((spec, i) => {
      const podCIDR = spec.podCIDR ?? `10.244.${i % 256}.0/24`
      this.#nodes.set(spec.name, {
        spec: { ...spec, podCIDR },
        addresses: new PodAddresses(podCIDR),
        admitted: new Map(),
        since: 0,
      })
      if (!this.#byAddress.has(spec.address)) this.#byAddress.set(spec.address, spec.name)
    })
  }

  /** Registers every node (creating or refreshing it), then resolves. */
  async register(): Promise<void> {
    const nodes = this.#opts.client.resource(Nodes)
    await Promise.all(
      [...this.#nodes.values()].map(async (n) => {
        const now = this.#clock.now()
        n.since = now
        const node = hollowNode(n.spec, now, this.#opts.kubeletPort) as Node & ApiObject
        const events = this.#nodeEvents(n)
        events?.starting()
        events?.conditionsSet(undefined, node.status?.conditions ?? [])
        try {
          const created = await nodes.create(node)
          // A Node just created has no Lease: the first renewal creates it without asking.
          n.createdUid = created.metadata?.uid ?? ""
        } catch (err) {
          if (!(err instanceof ApiError && err.reason === "AlreadyExists")) throw err
          // Registered before: reconciled as the real kubelet's registration reconciles it.
          const existing = await nodes.get({ name: n.spec.name }).catch(() => undefined)
          const reconcile = existing && registeredNodePatch(node, existing)
          if (reconcile) await nodes.patch({ name: n.spec.name }, reconcile, { type: "merge" })
          await this.#postStatus(n, { before: existing })
        }
      }),
    )
    this.#log.info({ nodes: this.#nodes.size }, "Hollow nodes registered")
  }

  /** Registers the nodes, then renews leases, posts status and runs pods until `signal` aborts. */
  async run(signal: AbortSignal): Promise<void> {
    await this.register()
    const first = { lease: latch(), status: latch() }
    void Promise.all([first.lease.done, first.status.done]).then(() => this.#settled.resolve())
    // Without managedFields (half of a pod's fields, and nothing a kubelet reads).
    const informers = new SharedInformers(this.#opts.client, {
      clock: this.#clock,
      log: this.#log,
      transform: stripManagedFields,
    })
    const pods = informers.get(Pods)
    this.#pods = (node) => pods.cache.byIndex(BY_NODE_NAME, node)
    this.#nodeCache = informers.get(Nodes).cache
    const track = (obj: ApiObject) => this.#track(keyOf(obj), pods.cache)
    pods.addHandler({ onAdd: track, onUpdate: (_, obj) => track(obj), onDelete: track })
    await Promise.all([
      informers.run(signal),
      runController(
        this.#podController(),
        { client: this.#opts.client, informers, clock: this.#clock, log: this.#log },
        signal,
      ),
      Promise.all([
        this.#every(this.#opts.leaseRenewMs ?? 10_000, signal, (n) => this.#renewLease(n), first.lease),
        this.#every(this.#opts.statusReportMs ?? 300_000, signal, (n) => this.#postStatus(n), first.status),
      ]),
    ])
  }

  /**
   * Resolves once every node has renewed its Lease (creating it) and posted its status once after
   * registering: from then on the nodes only write at their renewal periods (benchmarks start
   * their load there, as on a cluster whose nodes joined earlier).
   */
  settled(): Promise<void> {
    return this.#settled.done
  }

  /**
   * What node `name`'s /stats/summary would say: synthetic usage of its running pods (for an
   * API server's metrics scraper, in process). Undefined for a node not in this pool.
   */
  summary(name: string): Summary | undefined {
    const n = this.#nodes.get(name)
    if (!n) return undefined
    const pods = this.#pods?.(name) ?? []
    return hollowSummary(name, n.since, pods, this.#clock.now(), this.#opts.usage)
  }

  /** The node reporting `address` as its InternalIP; with a single node, that node whatever the address. */
  nodeAt(address: string): string | undefined {
    const name = this.#byAddress.get(address)
    if (name !== undefined) return name
    return this.#nodes.size === 1 ? this.#nodes.keys().next().value : undefined
  }

  /**
   * Runs `fn` for every node each `ms`: the first round for all nodes at once (nodes that join
   * together), then each node on its own period, as separate kubelets: spread over the period
   * and each wait jittered as upstream's JitterUntil does, rather than all nodes in one wave.
   */
  async #every(
    ms: number,
    signal: AbortSignal,
    fn: (n: NodeState) => Promise<void>,
    first: { resolve: () => void },
  ): Promise<void> {
    const all = [...this.#nodes.values()]
    await this.#beat(all, signal, fn)
    if (signal.aborted) return
    first.resolve()
    const start = this.#clock.now()
    // Sorted by when each node is due next.
    const due = all.map((n, i) => ({ n, at: start + (ms * (i + 1)) / all.length }))
    while (!signal.aborted && due.length > 0) {
      const wait = (due[0] as Due).at - this.#clock.now()
      if (wait > 0) {
        await this.#clock.sleep(wait, signal).catch(() => {})
        continue
      }
      const now = this.#clock.now()
      let k = 0
      while (k < due.length && (due[k] as Due).at <= now) k++
      const ready = due.splice(0, k)
      for (const d of ready) {
        d.at += ms * (1 + Math.random() * JITTER)
        insertByTime(due, d)
      }
      await this.#beat(
        ready.map((d) => d.n),
        signal,
        fn,
      )
    }
  }

  /** Runs `fn` for `nodes`, a few at once (nodes beat independently, not one after another). */
  async #beat(nodes: NodeState[], signal: AbortSignal, fn: (n: NodeState) => Promise<void>): Promise<void> {
    let next = 0
    const beat = async () => {
      while (next < nodes.length && !signal.aborted) {
        const n = nodes[next++] as NodeState
        await fn(n).catch((err: unknown) =>
          this.#log.warn({ node: n.spec.name, err: String(err) }, "Heartbeat failed"),
        )
      }
    }
    await Promise.all(Array.from({ length: Math.min(HEARTBEATS_AT_ONCE, nodes.length) }, beat))
  }

  async #renewLease(n: NodeState): Promise<void> {
    // Each heartbeat looks at the Node as this kubelet last saw it, as a status sync does.
    this.#nodeEvents(n)?.schedulable(this.#nodeCache?.get(n.spec.name))
    const uid = n.createdUid
    n.createdUid = undefined
    if (uid !== undefined) {
      const made = await createNodeLease(this.#opts.client, n.spec.name, uid, this.#clock.now()).then(
        () => true,
        ignore("AlreadyExists"),
      )
      if (made) return
    }
    return renewNodeLease(this.#opts.client, n.spec.name, this.#clock.now())
  }

  /**
   * Posts the conditions (recording what they change of the Node as it was: as read on
   * registering again, else as cached); on registering again, the kubelet port too (it may have
   * changed).
   */
  async #postStatus(n: NodeState, registering?: { readonly before: Node | undefined }): Promise<void> {
    const conditions = healthyConditions(this.#clock.now(), n.since)
    const events = this.#nodeEvents(n)
    if (events) {
      const before = registering ? registering.before : this.#nodeCache?.get(n.spec.name)
      if (registering) events.schedulable(before)
      if (before) events.conditionsSet(before, conditions)
    }
    const port = { daemonEndpoints: { kubeletEndpoint: { Port: this.#opts.kubeletPort ?? 10250 } } }
    await this.#opts.client
      .resource(Nodes)
      .patch(
        { name: n.spec.name },
        { status: { conditions, ...(registering ? port : {}) } },
        { type: "merge", subresource: "status" },
      )
  }

  /** The node's kubelet's event recorder. */
  #recorder(n: NodeState): ClientEventRecorder {
    n.events ??= new ClientEventRecorder(this.#opts.client, {
      component: "kubelet",
      host: n.spec.name,
      clock: this.#clock,
      log: this.#log,
    })
    return n.events
  }

  /** The node's kubelet's events about its Node, unless the pool records none. */
  #nodeEvents(n: NodeState): NodeEvents | undefined {
    if (this.#opts.nodeEvents === false) return undefined
    n.nodeEvents ??= new NodeEvents(this.#recorder(n), n.spec.name)
    return n.nodeEvents
  }

  #podController(): ControllerSpec {
    return {
      name: "hollow-kubelet",
      workers: this.#opts.workers ?? Math.min(256, Math.max(16, 4 * this.#nodes.size)),
      for: Pods,
      // Every pod, not only bound ones (spec.nodeName!=): a bound pod would then reach this watch
      // as ADDED while the scheduler's sees MODIFIED, two event lines to encode and parse where
      // in-process watchers now share one, which costs more than skipping pending pods saves.
      // Only for the node cache to have synced before the first admission: a node's change
      // re-admits nothing (as the kubelet, which admits a pod once).
      watches: [{ ref: Nodes, map: () => [] }],
      create: ({ informers }) => {
        const caches = { pods: informers.get(Pods).cache, nodes: informers.get(Nodes).cache }
        return { reconcile: (key) => this.#syncPod(key, caches.pods.get(key), caches) }
      },
    }
  }

  async #syncPod(key: string, pod: Pod | undefined, caches: Caches): Promise<void> {
    const node = pod?.spec?.nodeName ? this.#nodes.get(pod.spec.nodeName) : undefined
    this.#hold(key, node)
    if (!pod) {
      this.#finalDeletes.delete(key)
      this.#reported.delete(key)
    }
    if (!pod || !node) return
    if (pod.metadata?.deletionTimestamp) return this.#confirmDeletion(key, pod, node)
    if (isPodTerminal(pod)) {
      this.#reported.delete(key)
      return forget(node, key)
    }
    if (pod.status?.podIP) node.addresses.keep(key, pod.status.podIP)
    if (isRunning(pod)) {
      this.#reported.delete(key)
      node.admitted.set(key, pod) // after a restart: admitted by the run before
      // As posted, unless another client changed a readiness gate's condition since: Ready follows.
      if (isReadyAsGated(pod)) return
    } else if (this.#reported.get(key) === reportMark(pod)) return // written; not delivered yet
    if (!node.admitted.has(key)) {
      const verdict = this.#admit(pod, node, caches)
      if (!verdict.admit) return this.#reject(key, pod, verdict, node)
      node.admitted.set(key, pod)
    }
    const status = runningStatus(pod, node.spec.address, node.addresses.of(key), this.#clock.now())
    await this.#writeStatus(key, { ...pod, status })
  }

  /**
   * Writes `pod`'s status as the kubelet's status manager does (statusPatch: the conditions it
   * owns, the pod's uid in it so another pod of that name is not written), remembered as written
   * from the moment it is sent: the watch may deliver the status before the answer comes, and the
   * delivery is what clears the mark. The answer is not decoded (nothing here reads it). Any failure
   * clears the mark, so a retry writes again; a Conflict or NotFound is not reported, being left to
   * the newer version on its way (another uid, or the pod gone), which requeues the pod.
   */
  async #writeStatus(key: string, pod: Pod): Promise<void> {
    const name = pod.metadata?.name ?? ""
    const namespace = pod.metadata?.namespace ?? ""
    const mark = reportMark(pod)
    this.#reported.set(key, mark)
    await this.#opts.client
      .request<void>({
        method: "PATCH",
        ref: Pods,
        namespace,
        name,
        subresource: "status",
        body: statusPatch(pod.metadata?.uid ?? "", pod.status ?? {}),
        contentType: STATUS_PATCH_TYPE,
        discardBody: true,
      })
      .catch((err: unknown) => {
        if (this.#reported.get(key) === mark) this.#reported.delete(key)
        return ignore("NotFound", "Conflict")(err)
      })
  }

  /**
   * Records that `node` (if any) holds the key's address and admission: a gone pod frees them on
   * the node that held them alone (not a walk over thousands of nodes per deletion), as does a
   * new pod of that name on another node.
   */
  #hold(key: string, node: NodeState | undefined): void {
    const held = this.#holders.get(key)
    if (held && held !== node) forget(held, key)
    if (node) this.#holders.set(key, node)
    else this.#holders.delete(key)
  }

  /**
   * Keeps the cached version of an admitted pod in its node's admissions (the informer calls it
   * after each change of `key`): only the node holding a pod can have admitted it.
   */
  #track(key: string, cache: Cache<Pod & ApiObject>): void {
    const node = this.#holders.get(key)
    if (node?.admitted.has(key)) node.admitted.set(key, unfinished(cache.get(key)))
  }

  /**
   * The kubelet's admission against the pods admitted here before and not finished (only the
   * first sight of a pod, so `key` is not among them).
   */
  #admit(pod: Pod, node: NodeState, caches: Caches) {
    const others: Pod[] = []
    for (const p of node.admitted.values()) if (p) others.push(p)
    return admitPod({
      pod,
      node: caches.nodes.get(node.spec.name),
      others,
      os: "linux",
      alreadyStarted: !!pod.status?.startTime,
    })
  }

  /** A pod that does not fit goes Failed with the reason, and a Warning event, as the kubelet does. */
  async #reject(key: string, pod: Pod, verdict: Rejection, node: NodeState): Promise<void> {
    this.#recorder(node).event(pod as ApiObject, "Warning", verdict.reason, verdict.message)
    const status = { ...pod.status, ...rejectedStatus(pod, verdict, this.#clock.now()) }
    // Queued again before the informer delivers it: seen written, not rejected twice.
    await this.#writeStatus(key, { ...pod, status })
  }

  /**
   * The containers "stopped" at once: write the pod's final status, then tell the API server the
   * pod can go, once per pod (uid); again only after a failure other than the pod being gone or
   * replaced.
   */
  async #confirmDeletion(key: string, pod: Pod, node: NodeState): Promise<void> {
    forget(node, key)
    const ref = { namespace: pod.metadata?.namespace ?? "", name: pod.metadata?.name ?? "" }
    const uid = pod.metadata?.uid ?? ""
    if (this.#finalDeletes.get(key) === uid) return
    this.#finalDeletes.set(key, uid)
    try {
      // The final status first: the kubelet's status manager deletes a pod only once the API shows
      // it finished, so watchers see its containers stopped before it goes.
      const stopped = stoppedStatus(pod, this.#clock.now())
      if (stopped) await this.#writeStatus(key, { ...pod, status: stopped })
      await this.#opts.client
        .resource(Pods)
        .delete(ref, { gracePeriodSeconds: 0, preconditions: { uid } })
        .catch(ignore("NotFound", "Conflict"))
    } catch (err) {
      this.#finalDeletes.delete(key) // asked again when the pod is retried
      throw err
    }
  }
}

/** What #reported keeps of a pod whose status was written: its uid and the generation observed. */
function reportMark(pod: Pod): string {
  return `${pod.metadata?.uid ?? ""}/${pod.metadata?.generation ?? 0}`
}

/** When a node beats next. */
interface Due {
  readonly n: NodeState
  at: number
}

/** Inserts `d` into `due`, kept sorted by time (after those due at the same time). */
function insertByTime(due: Due[], d: Due): void {
  let lo = 0
  let hi = due.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if ((due[mid] as Due).at <= d.at) lo = mid + 1
    else hi = mid
  }
  due.splice(lo, 0, d)
}

/** A promise and the function that resolves it. */
function latch(): { readonly done: Promise<void>; readonly resolve: () => void } {
  let resolve = () => {}
  const done = new Promise<void>((r) => (resolve = r))
  return { done, resolve }
}

/** A pod that is gone or finished: its address and its place in admission are free. */
function forget(node: NodeState, key: string): void {
  node.addresses.release(key)
  node.admitted.delete(key)
}

/** The pod, when there is one and it has not finished (Succeeded or Failed). */
function unfinished(pod: Pod | undefined): Pod | undefined {
  return pod && isPodTerminal(pod) ? undefined : pod
}

/** A catch handler that swallows ApiErrors of the given reasons. */
function ignore(...reasons: string[]) {
  return (err: unknown): void => {
    if (!(err instanceof ApiError && reasons.includes(err.reason))) throw err
  }
}

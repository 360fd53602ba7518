/**
 * A harness for workload controller tests: an in-process API server on a FakeClock, one
 * controller running against it, and a stand-in for the scheduler and kubelet (bind pods,
 * mark them Running and Ready, finish their deletion) that tests drive step by step.
 */
import { type ApiObject, Events, Namespaces, Nodes, Pods } from "../../api/index.ts"
import { Controller, type ControllerSpec, SharedInformers } from "../../client/index.ts"
import { settleUntil, startClientEnv, type ClientEnv } from "../../testing/index.ts"
import { FakeClock, silentLogger, rfc3339 } from "../../util/index.ts"
import type { PodObject } from "./pods.ts"

/** A running controller and the means to play scheduler and kubelet. */
export interface Harness {
  readonly env: ClientEnv
  readonly clock: FakeClock
  readonly client: ClientEnv["inProcess"]
  readonly informers: SharedInformers
  readonly controller: Controller
  /** The pods of `ns` as the informer sees them, by name. */
  pods(ns: string): PodObject[]
  /** Creates a namespace with a fresh name. */
  namespace(): Promise<string>
  /** Binds the pod to `node` through pods/binding, as the scheduler does. */
  bind(pod: PodObject, node: string): Promise<void>
  /** Marks the pod Running and Ready (or not ready), as its kubelet does. */
  markRunning(pod: PodObject, ready?: boolean): Promise<void>
  /** Marks the pod Failed. */
  markFailed(pod: PodObject): Promise<void>
  /** Removes the terminating pods of `ns`, as their kubelets confirm the deletion. */
  finishDeletes(ns: string): Promise<number>
  /** Creates a Node with the given labels and taints. */
  node(name: string, opts?: { labels?: Record<string, string>; taints?: object[] }): Promise<void>
  /** Waits until `cond` holds over the informer caches. */
  until(cond: () => boolean, what: string): Promise<void>
  /** Waits until the controller has nothing queued or running. */
  idle(): Promise<void>
  /** The messages of the Events of `ns` with `reason`. */
  events(ns: string, reason: string): Promise<string[]>
  stop(): Promise<void>
}

let serial = 0

/** Starts the API server and runs `spec` against it. */
export async function startHarness(spec: ControllerSpec): Promise<Harness> {
  const clock = new FakeClock()
  const env = await startClientEnv({ clock })
  const client = env.inProcess
  const informers = new SharedInformers(client, { clock })
  const controller = new Controller(spec, { client, informers, clock, log: silentLogger() })
  const ac = new AbortController()
  const running = Promise.all([informers.run(ac.signal), controller.run(ac.signal)])
  const podCache = informers.get(Pods).cache
  const stamp = () => rfc3339(clock.now())
  const patchStatus = (pod: PodObject, status: object) =>
    client
      .resource(Pods)
      .patch(
        { namespace: pod.metadata?.namespace ?? "", name: pod.metadata?.name ?? "" },
        { status },
        { type: "merge", subresource: "status" },
      )
  const h: Harness = {
    env,
    clock,
    client,
    informers,
    controller,
    pods: (ns) =>
      (podCache.list(ns) as PodObject[]).sort((a, b) =>
        (a.metadata?.name ?? "").localeCompare(b.metadata?.name ?? ""),
      ),
    async namespace() {
      const name = `ns-${++serial}`
      await client.resource(Namespaces).create({ apiVersion: "v1", kind: "Namespace", metadata: { name } })
      return name
    },
    async bind(pod, node) {
      await client.request({
        method: "POST",
        ref: Pods,
        namespace: pod.metadata?.namespace ?? "",
        name: pod.metadata?.name ?? "",
        subresource: "binding",
        body: {
          apiVersion: "v1",
          kind: "Binding",
          metadata: { name: pod.metadata?.name },
          target: { kind: "Node", name: node },
        },
      })
    },
    async markRunning(pod, ready = true) {
      await patchStatus(pod, {
        phase: "Running",
        conditions: [{ type: "Ready", status: ready ? "True" : "False", lastTransitionTime: stamp() }],
      })
    },
    async markFailed(pod) {
      await patchStatus(pod, {
        phase: "Failed",
        conditions: [{ type: "Ready", status: "False", lastTransitionTime: stamp() }],
      })
    },
    async finishDeletes(ns) {
      const going = h.pods(ns).filter((p) => p.metadata?.deletionTimestamp)
      for (const p of going) {
        await client
          .resource(Pods)
          .delete({ namespace: ns, name: p.metadata?.name ?? "" }, { gracePeriodSeconds: 0 })
          .catch(() => {})
      }
      return going.length
    },
    async node(name, opts = {}) {
      await client.resource(Nodes).create({
        apiVersion: "v1",
        kind: "Node",
        metadata: { name, labels: { "kubernetes.io/hostname": name, ...(opts.labels ?? {}) } },
        spec: opts.taints ? { taints: opts.taints as never } : {},
      } as ApiObject as never)
    },
    until: (cond, what) => settleUntil(cond, what),
    async idle() {
      // Twice: a reconcile's own writes come back as events that queue it again.
      for (let i = 0; i < 2; i++) {
        await settleUntil(() => {
          const s = controller.stats()
          return s.depth === 0 && s.processing === 0
        }, "the controller to go idle")
        for (let j = 0; j < 20; j++) await new Promise((r) => setImmediate(r))
      }
    },
    async events(ns, reason) {
      const list = await client.resource(Events).list({ namespace: ns })
      return list.items.filter((e) => e.reason === reason).map((e) => e.message ?? "")
    },
    async stop() {
      ac.abort()
      await running
      await env.stop()
    },
  }
  return h
}

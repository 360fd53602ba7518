import assert from "node:assert/strict"
import { after, before, describe, test } from "node:test"
import type { Container, Event, Pod } from "kubernetes-types/core/v1.js"
import { type ApiObject, Events, Nodes, Pods } from "../../api/index.ts"
import { startClientEnv, type ClientEnv, until, untilPhase } from "../../testing/index.ts"
import { FakeClock, silentLogger } from "../../util/index.ts"
import { HollowNodes } from "./hollow-nodes.ts"
import { DEFAULT_CAPACITY, type HollowNodeSpec } from "./node-object.ts"

/** A pod of one container with these requests and ports, bound to `node`. */
function pod(name: string, node: string, extra: Partial<Pod["spec"]> = {}, c: Partial<Container> = {}) {
  return {
    metadata: { name, namespace: "default" },
    spec: { nodeName: node, containers: [{ name: "app", image: "nginx", ...c }], ...extra },
  } as Pod & ApiObject
}

const requests = (r: Record<string, string>): Partial<Container> => ({ resources: { requests: r } })
const hostPort = (port: number): Partial<Container> => ({ ports: [{ containerPort: 80, hostPort: port }] })

interface Case {
  readonly name: string
  /** Its own node (every case has one). */
  readonly node: Omit<HollowNodeSpec, "name" | "address">
  /** Pods admitted on the node first (each must run). */
  readonly before?: readonly ((node: string, i: number) => Pod & ApiObject)[]
  /** The `before` pods then finish (Succeeded): admission no longer counts them. */
  readonly finish?: boolean
  readonly pod: (node: string) => Pod & ApiObject
  /** Admitted (Running), or the reason and message of the rejection. */
  readonly want: "Running" | { readonly reason: string; readonly message: string }
}

const CASES: readonly Case[] = [
  {
    name: "a pod that fits runs",
    node: {},
    pod: (n) => pod("fits", n, {}, requests({ cpu: "1", memory: "1Gi" })),
    want: "Running",
  },
  {
    name: "more cpu than the node has left: OutOfcpu",
    node: { capacity: { ...DEFAULT_CAPACITY, cpu: "2" } },
    before: [(n, i) => pod(`cpu-${i}`, n, {}, requests({ cpu: "1500m" }))],
    pod: (n) => pod("cpu-hog", n, {}, requests({ cpu: "1" })),
    want: {
      reason: "OutOfcpu",
      message: "Node didn't have enough resource: cpu, requested: 1000, used: 1500, capacity: 2000",
    },
  },
  {
    name: "more memory than the node has: OutOfmemory",
    node: { capacity: { ...DEFAULT_CAPACITY, memory: "1Gi" } },
    pod: (n) => pod("mem-hog", n, {}, requests({ memory: "2Gi" })),
    want: {
      reason: "OutOfmemory",
      message: `Node didn't have enough resource: memory, requested: ${2 * 2 ** 30}, used: 0, capacity: ${2 ** 30}`,
    },
  },
  {
    name: "one pod more than the node's pods: OutOfpods",
    node: { capacity: { ...DEFAULT_CAPACITY, pods: "2" } },
    before: [(n, i) => pod(`p-${i}`, n), (n, i) => pod(`p-${i}`, n)],
    pod: (n) => pod("third", n),
    want: {
      reason: "OutOfpods",
      message: "Node didn't have enough resource: pods, requested: 1, used: 2, capacity: 2",
    },
  },
  {
    name: "a finished pod's slot is free again",
    node: { capacity: { ...DEFAULT_CAPACITY, pods: "1" } },
    before: [(n, i) => pod(`done-${i}`, n)],
    finish: true,
    pod: (n) => pod("after-done", n),
    want: "Running",
  },
  {
    name: "a nodeSelector the node's labels miss: NodeAffinity",
    node: { labels: { disk: "hdd" } },
    pod: (n) => pod("wants-ssd", n, { nodeSelector: { disk: "ssd" } }),
    want: {
      reason: "NodeAffinity",
      message: "Predicate NodeAffinity failed: node(s) didn't match Pod's node affinity/selector",
    },
  },
  {
    name: "a nodeSelector the node's labels have runs",
    node: { labels: { disk: "ssd" } },
    pod: (n) => pod("on-ssd", n, { nodeSelector: { disk: "ssd" } }),
    want: "Running",
  },
  {
    name: "a hostPort another pod holds: NodePorts",
    node: {},
    before: [(n, i) => pod(`port-${i}`, n, {}, hostPort(8080))],
    pod: (n) => pod("port-clash", n, {}, hostPort(8080)),
    want: {
      reason: "NodePorts",
      message: "Predicate NodePorts failed: node(s) didn't have free ports for the requested pod ports",
    },
  },
  {
    name: "a NoExecute taint the pod does not tolerate: TaintToleration",
    node: { taints: [{ key: "maintenance", value: "yes", effect: "NoExecute" }] },
    pod: (n) => pod("intolerant", n),
    want: {
      reason: "TaintToleration",
      message: "Predicate TaintToleration failed: node(s) had taints that the pod didn't tolerate",
    },
  },
  {
    name: "a NoExecute taint the pod tolerates runs",
    node: { taints: [{ key: "maintenance", value: "yes", effect: "NoExecute" }] },
    pod: (n) => pod("tolerant", n, { tolerations: [{ key: "maintenance", operator: "Exists" }] }),
    want: "Running",
  },
]

/** Runs the case's `before` pods on `node`, then finishes them if the case says so. */
async function runBefore(env: ClientEnv, c: Case, node: string): Promise<void> {
  for (const [j, make] of (c.before ?? []).entries()) {
    const p = await env.inProcess.resource(Pods).create(make(node, j))
    assert.equal(
      (await untilPhase(env.inProcess, p.metadata?.name ?? "", "Running", "Failed")).status?.phase,
      "Running",
    )
    if (!c.finish) continue
    await env.inProcess
      .resource(Pods)
      .patch(
        { namespace: "default", name: p.metadata?.name ?? "" },
        { status: { phase: "Succeeded" } },
        { type: "merge", subresource: "status" },
      )
    await untilPhase(env.inProcess, p.metadata?.name ?? "", "Succeeded")
  }
}

describe("hollow node admission", () => {
  let env: ClientEnv
  const stop = new AbortController()
  let running: Promise<void>
  const nodeOf = (i: number) => `hollow-adm-${i}`

  before(async () => {
    const clock = new FakeClock(Date.UTC(2026, 10, 30, 12))
    env = await startClientEnv({ clock })
    const nodes = new HollowNodes({
      client: env.inProcess,
      nodes: CASES.map((c, i) => ({ ...c.node, name: nodeOf(i), address: `127.0.1.${i + 1}` })),
      clock,
      log: silentLogger(),
    })
    running = nodes.run(stop.signal)
  })
  after(async () => {
    stop.abort()
    await running
    await env.stop()
  })

  CASES.forEach((c, i) =>
    test(c.name, async () => {
      const node = nodeOf(i)
      await until(node, () => env.inProcess.resource(Nodes).get({ name: node }))
      await runBefore(env, c, node)
      const p = c.pod(node)
      await env.inProcess.resource(Pods).create(p)
      const got = await untilPhase(env.inProcess, p.metadata?.name ?? "", "Running", "Failed")
      if (c.want === "Running") {
        assert.equal(got.status?.phase, "Running", got.status?.message)
        return
      }
      assert.equal(got.status?.phase, "Failed")
      assert.equal(got.status?.reason, c.want.reason)
      assert.equal(got.status?.message, `Pod was rejected: ${c.want.message}`)
      assert.ok(got.status?.startTime)
      assert.equal(got.status?.podIP, undefined)
      const want = c.want
      const event = await until("the rejection event", async () => {
        const list = await env.inProcess.resource(Events).list({ namespace: "default" })
        return (list.items as Event[]).find((e) => e.involvedObject.name === p.metadata?.name)
      })
      assert.deepEqual(
        [event.type, event.reason, event.message, event.source?.host],
        ["Warning", want.reason, want.message, node],
      )
    }),
  )
})

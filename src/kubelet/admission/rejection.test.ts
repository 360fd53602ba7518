import assert from "node:assert/strict"
import { after, before, test } from "node:test"
import type { Pod } from "kubernetes-types/core/v1.js"
import { Events, milliValue, Nodes, Pods } from "../../api/index.ts"
import { type ClientEnv, nodePod, until, untilPhase } from "../../testing/index.ts"
import { type KubeletEnv, startKubeletEnv } from "../kubelet-env.case.ts"

let k: KubeletEnv
let env: ClientEnv

before(async () => {
  k = await startKubeletEnv({ prefix: "k8ts-admission-", nodeName: "node-adm", podRange: "127.246.0.0/24" })
  env = k.env
})

after(() => k.stop())

const pods = () => env.inProcess.resource(Pods)

const pod = (name: string, spec: Partial<Pod["spec"]> & object) => nodePod("node-adm", name, spec)
const phase = (name: string, want: string) => untilPhase(env.inProcess, name, want)

test("a pod asking for more cpu than is left goes Failed with OutOfcpu and upstream's message", async () => {
  const node = await until("node", () => env.inProcess.resource(Nodes).get({ name: "node-adm" }))
  const capacity = milliValue(node.status?.allocatable?.cpu)
  await pods().create(
    pod("small", { containers: [{ name: "c", image: "pause", resources: { requests: { cpu: "10m" } } }] }),
  )
  await phase("small", "Running")
  const big = `${capacity}m`
  await pods().create(
    pod("big", { containers: [{ name: "c", image: "pause", resources: { requests: { cpu: big } } }] }),
  )
  const p = await phase("big", "Failed")
  const message = `Node didn't have enough resource: cpu, requested: ${capacity}, used: 10, capacity: ${capacity}`
  assert.equal(p.status?.reason, "OutOfcpu")
  assert.equal(p.status?.message, `Pod was rejected: ${message}`)
  assert.equal(p.status?.qosClass, "Burstable")
  assert.ok(p.status?.startTime)
  assert.equal(p.status?.containerStatuses, undefined)
  const ev = await until("the event", async () =>
    (await env.inProcess.resource(Events).list({ namespace: "default" })).items.find(
      (e) => e.involvedObject?.name === "big" && e.reason === "OutOfcpu",
    ),
  )
  assert.equal(ev.type, "Warning")
  assert.equal(ev.message, message)
})

test("a host port already held on the node rejects the second pod with NodePorts", async () => {
  const ports = [{ containerPort: 18080, hostPort: 18080 }]
  await pods().create(pod("port-a", { containers: [{ name: "c", image: "pause", ports }] }))
  await phase("port-a", "Running")
  await pods().create(pod("port-b", { containers: [{ name: "c", image: "pause", ports }] }))
  const p = await phase("port-b", "Failed")
  assert.equal(p.status?.reason, "NodePorts")
  assert.equal(
    p.status?.message,
    "Pod was rejected: Predicate NodePorts failed: node(s) didn't have free ports for the requested pod ports",
  )
  // The first pod keeps running.
  assert.equal((await pods().get({ namespace: "default", name: "port-a" })).status?.phase, "Running")
})

test("a node selector the node does not match rejects the pod with NodeAffinity", async () => {
  await pods().create(
    pod("sel", { nodeSelector: { nope: "x" }, containers: [{ name: "c", image: "pause" }] }),
  )
  const p = await phase("sel", "Failed")
  assert.equal(p.status?.reason, "NodeAffinity")
  assert.equal(
    p.status?.message,
    "Pod was rejected: Predicate NodeAffinity failed: node(s) didn't match Pod's node affinity/selector",
  )
})

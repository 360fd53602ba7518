import assert from "node:assert/strict"
import { after, before, describe, test } from "node:test"
import { Events, Leases, Nodes, Pods } from "../../api/index.ts"
import { startClientEnv, type ClientEnv, until, untilPhase, untilPod } from "../../testing/index.ts"
import { FakeClock, silentLogger } from "../../util/index.ts"
import { HollowNodes } from "./hollow-nodes.ts"

function pod(name: string, nodeName?: string) {
  return {
    apiVersion: "v1" as const,
    kind: "Pod" as const,
    metadata: { name, namespace: "default" },
    spec: {
      ...(nodeName ? { nodeName } : {}),
      initContainers: [{ name: "setup", image: "busybox" }],
      containers: [
        { name: "app", image: "nginx" },
        { name: "side", image: "busybox" },
      ],
    },
  }
}

describe("HollowNodes", () => {
  let env: ClientEnv
  let clock: FakeClock
  let stop: AbortController
  let running: Promise<void>
  let nodes: HollowNodes

  before(async () => {
    clock = new FakeClock(Date.UTC(2026, 10, 24, 12))
    env = await startClientEnv({ clock })
    stop = new AbortController()
    nodes = new HollowNodes({
      client: env.inProcess,
      nodes: [
        { name: "hollow-0", address: "127.0.0.10", podCIDR: "10.244.7.0/24", labels: { zone: "a" } },
        {
          name: "hollow-1",
          address: "127.0.0.11",
          taints: [{ key: "dedicated", value: "x", effect: "NoSchedule" }],
        },
      ],
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

  test("settles once every node has its Lease and posted its status", async () => {
    await nodes.settled()
    for (const name of ["hollow-0", "hollow-1"]) {
      const lease = await env.inProcess.resource(Leases).get({ namespace: "kube-node-lease", name })
      assert.equal(lease.spec?.holderIdentity, name)
    }
  })

  test("registers each node Ready, with capacity, labels, taints, addresses and nodeInfo", async () => {
    const node = await until("node", () => env.inProcess.resource(Nodes).get({ name: "hollow-0" }))
    assert.equal(node.metadata?.labels?.["kubernetes.io/hostname"], "hollow-0")
    assert.equal(node.metadata?.labels?.zone, "a")
    assert.equal(
      node.metadata?.annotations?.["volumes.kubernetes.io/controller-managed-attach-detach"],
      "true",
    )
    assert.equal(node.spec?.podCIDR, "10.244.7.0/24")
    assert.deepEqual(node.status?.allocatable, {
      cpu: "4",
      memory: "16Gi",
      pods: "110",
      "ephemeral-storage": "100Gi",
    })
    const ready = node.status?.conditions?.find((c) => c.type === "Ready")
    assert.equal(ready?.status, "True")
    assert.equal(ready?.reason, "KubeletReady")
    assert.deepEqual(node.status?.addresses?.[0], { type: "InternalIP", address: "127.0.0.10" })
    assert.equal(node.status?.nodeInfo?.kubeletVersion, "v1.35.0+k8ts")
    const tainted = await env.inProcess.resource(Nodes).get({ name: "hollow-1" })
    assert.deepEqual(tainted.spec?.taints, [{ key: "dedicated", value: "x", effect: "NoSchedule" }])
  })

  test("holds a Lease per node and renews it, the nodes' renewals spread over the period", async () => {
    const key = { namespace: "kube-node-lease", name: "hollow-0" }
    const first = await until("lease", () => env.inProcess.resource(Leases).get(key))
    assert.equal(first.spec?.holderIdentity, "hollow-0")
    assert.equal(first.spec?.leaseDurationSeconds, 40)
    assert.equal(first.metadata?.ownerReferences?.[0]?.kind, "Node")
    await clock.advance(10_000)
    const renewed = await until("a renewal", async () => {
      const l = await env.inProcess.resource(Leases).get(key)
      return l.spec?.renewTime !== first.spec?.renewTime ? l : undefined
    })
    // Two nodes: the first renews half a period after the first round, the second a whole one.
    assert.equal(renewed.spec?.renewTime, "2026-11-24T12:00:05.000000Z")
    const other = await until("the other's renewal", async () => {
      const l = await env.inProcess.resource(Leases).get({ ...key, name: "hollow-1" })
      return l.spec?.renewTime !== first.spec?.renewTime ? l : undefined
    })
    assert.equal(other.spec?.renewTime, "2026-11-24T12:00:10.000000Z")
  })

  test("reports a bound pod Running with an address from its node's range; leaves unbound pods alone", async () => {
    const pods = env.inProcess.resource(Pods)
    await pods.create(pod("bound", "hollow-0"))
    await pods.create(pod("elsewhere", "not-ours"))
    const got = await untilPhase(env.inProcess, "bound", "Running")
    assert.equal(got.status?.podIP, "10.244.7.2")
    assert.equal(got.status?.hostIP, "127.0.0.10")
    assert.deepEqual(got.status?.conditions?.map((c) => `${c.type}=${c.status}`).sort(), [
      "ContainersReady=True",
      "Initialized=True",
      "PodReadyToStartContainers=True",
      "PodScheduled=True",
      "Ready=True",
    ])
    assert.deepEqual(
      got.status?.containerStatuses?.map((c) => [c.name, c.ready, c.started, !!c.state?.running]),
      [
        ["app", true, true, true],
        ["side", true, true, true],
      ],
    )
    assert.equal(got.status?.initContainerStatuses?.[0]?.state?.terminated?.reason, "Completed")
    const other = await pods.get({ namespace: "default", name: "elsewhere" })
    assert.equal(other.status?.phase, "Pending")
  })

  test("confirms a graceful deletion so the pod goes away, and reuses its address", async () => {
    const pods = env.inProcess.resource(Pods)
    await pods.delete({ namespace: "default", name: "bound" })
    await until("deletion", () =>
      pods.get({ namespace: "default", name: "bound" }).then(
        () => false,
        () => true,
      ),
    )
    await pods.create(pod("next", "hollow-0"))
    const next = await untilPod(env.inProcess, "next", (p) => !!p.status?.podIP, "next Running")
    assert.match(next.status?.podIP ?? "", /^10\.244\.7\.\d+$/)
  })

  test("records each kubelet's events on its Node: Starting, the new conditions', a cordon", async () => {
    const events = async (node: string) =>
      (
        await env.inProcess
          .resource(Events)
          .list({ namespace: "default", fieldSelector: `involvedObject.name=${node}` })
      ).items
    const reasons = ["Starting", "NodeHasSufficientMemory", "NodeHasNoDiskPressure", "NodeHasSufficientPID"]
    const seen = await until("the registration events", async () => {
      const list = await events("hollow-0")
      return reasons.every((r) => list.some((e) => e.reason === r)) ? list : undefined
    })
    assert.deepEqual(seen.map((e) => e.reason).sort(), [...reasons].sort())
    const memory = seen.find((e) => e.reason === "NodeHasSufficientMemory")
    assert.equal(memory?.message, "Node hollow-0 status is now: NodeHasSufficientMemory")
    assert.deepEqual(memory?.source, { component: "kubelet", host: "hollow-0" })
    assert.deepEqual(memory?.involvedObject, { kind: "Node", name: "hollow-0", uid: "hollow-0" })
    assert.equal(seen.find((e) => e.reason === "Starting")?.message, "Starting kubelet.")

    await env.inProcess
      .resource(Nodes)
      .patch({ name: "hollow-1" }, { spec: { unschedulable: true } }, { type: "merge" })
    await until("the cordon in the node cache", async () => {
      await clock.advance(10_000)
      const list = await events("hollow-1")
      return list.find((e) => e.reason === "NodeNotSchedulable")
    })
    assert.equal((await events("hollow-1")).filter((e) => e.reason === "NodeReady").length, 0)
  })
})

test("HollowNodes registering a Node registered before reconciles its attach/detach annotation and default labels", async () => {
  const clock = new FakeClock(Date.UTC(2026, 10, 24, 12))
  const env = await startClientEnv({ clock })
  const stop = new AbortController()
  let running: Promise<void> = Promise.resolve()
  try {
    // GIVEN a Node of that name without the annotation, its default labels changed
    await env.inProcess.resource(Nodes).create({
      apiVersion: "v1",
      kind: "Node",
      metadata: {
        name: "hollow-old",
        labels: { "kubernetes.io/hostname": "elsewhere", "kubernetes.io/os": "windows", team: "a" },
      },
    })
    // WHEN its hollow kubelet starts
    const nodes = new HollowNodes({
      client: env.inProcess,
      nodes: [{ name: "hollow-old", address: "127.0.0.12" }],
      clock,
      log: silentLogger(),
    })
    running = nodes.run(stop.signal)
    await nodes.settled()
    // THEN they are put back as the real kubelet's registration puts them; other labels stay
    const node = await env.inProcess.resource(Nodes).get({ name: "hollow-old" })
    assert.equal(
      node.metadata?.annotations?.["volumes.kubernetes.io/controller-managed-attach-detach"],
      "true",
    )
    assert.equal(node.metadata?.labels?.["kubernetes.io/hostname"], "hollow-old")
    assert.equal(node.metadata?.labels?.["kubernetes.io/os"], "linux")
    assert.equal(node.metadata?.labels?.team, "a")
  } finally {
    stop.abort()
    await running
    await env.stop()
  }
})

import assert from "node:assert/strict"
import { test } from "node:test"
import { makeNode, makePod } from "./_fixtures.ts"
import { SchedulerCache } from "./cache.ts"
import { newPodInfo, withNewerPod } from "./framework/pod-info.ts"

test("an assumed pod counts on its node at once, and its bound version confirms it", () => {
  const cache = new SchedulerCache()
  cache.setNode(makeNode("n1"))
  const pod = makePod("p", { requests: { cpu: "1" } })
  cache.assumePod(newPodInfo({ ...pod, spec: { ...pod.spec!, nodeName: "n1" } }), "n1")
  assert.equal(cache.get("n1")!.requested.milliCPU, 1000)
  assert.equal(cache.isAssumed(pod.metadata!.uid!), true)
  cache.setPod({ ...pod, spec: { ...pod.spec!, nodeName: "n1" } })
  assert.equal(cache.isAssumed(pod.metadata!.uid!), false)
  assert.equal(cache.get("n1")!.requested.milliCPU, 1000)
  assert.equal(cache.get("n1")!.pods.size, 1)
})

test("forgetPod() releases an assumed pod whose binding failed; a bound one stays", () => {
  const cache = new SchedulerCache()
  cache.setNode(makeNode("n1"))
  const assumed = newPodInfo(makePod("a", { requests: { cpu: "1" } }))
  cache.assumePod(assumed, "n1")
  cache.setPod(makePod("b", { node: "n1", requests: { cpu: "2" } }))
  cache.forgetPod(assumed.uid)
  assert.equal(cache.get("n1")!.requested.milliCPU, 2000)
})

test("assumed pods expire after the TTL once their binding finished", () => {
  const cache = new SchedulerCache({ assumedTtlMs: 30_000 })
  cache.setNode(makeNode("n1"))
  const pi = newPodInfo(makePod("a"))
  cache.assumePod(pi, "n1")
  cache.finishBinding(pi.uid, 1000)
  assert.deepEqual(cache.cleanupExpired(30_000), [])
  assert.deepEqual(cache.cleanupExpired(31_000), [pi.uid])
  assert.equal(cache.get("n1")!.pods.size, 0)
})

test("pods of an unknown node are kept until the node arrives", () => {
  const cache = new SchedulerCache()
  cache.setPod(makePod("early", { node: "late", requests: { cpu: "1" } }))
  assert.equal(cache.list().length, 0)
  cache.setNode(makeNode("late"))
  assert.equal(cache.get("late")!.requested.milliCPU, 1000)
})

test("withAffinityPods() lists only nodes holding pods with affinity terms", () => {
  const cache = new SchedulerCache()
  cache.setNode(makeNode("n1"))
  cache.setNode(makeNode("n2"))
  const anti = makePod("anti", {
    node: "n2",
    spec: {
      affinity: {
        podAntiAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: [
            { topologyKey: "kubernetes.io/hostname", labelSelector: {} },
          ],
        },
      },
    },
  })
  cache.setPod(makePod("plain", { node: "n1" }))
  assert.deepEqual(cache.withAffinityPods(), [])
  cache.setPod(anti)
  assert.deepEqual(
    cache.withRequiredAntiAffinityPods().map((n) => n.name),
    ["n2"],
  )
  cache.removePod(anti.metadata!.uid!)
  assert.deepEqual(cache.withAffinityPods(), [])
})

test("forEachAffinityPod() offers the pods whose terms may select the labels, on known nodes only", () => {
  const cache = new SchedulerCache()
  cache.setNode(makeNode("n1"))
  const anti = (name: string, node: string, labelSelector: object) =>
    makePod(name, {
      node,
      spec: {
        affinity: {
          podAntiAffinity: {
            preferredDuringSchedulingIgnoredDuringExecution: [
              { weight: 1, podAffinityTerm: { topologyKey: "kubernetes.io/hostname", labelSelector } },
            ],
          },
        },
      },
    })
  const wantsWeb = anti("wants-web", "n1", { matchLabels: { app: "web" } })
  cache.setPod(wantsWeb)
  cache.setPod(anti("wants-db", "n1", { matchLabels: { app: "db" } }))
  cache.setPod(anti("expressions", "n1", { matchExpressions: [{ key: "app", operator: "Exists" }] }))
  cache.setPod(anti("on-ghost", "gone", { matchLabels: { app: "web" } }))
  cache.setPod(makePod("plain", { node: "n1" }))
  const offered = (labels: Record<string, string>) => {
    const out: string[] = []
    cache.forEachAffinityPod(labels, (pi, node) => out.push(`${pi.pod.metadata!.name}@${node.name}`))
    return out.sort()
  }
  assert.deepEqual(offered({ app: "web", tier: "front" }), ["expressions@n1", "wants-web@n1"])
  assert.deepEqual(offered({}), ["expressions@n1"])
  cache.removePod(wantsWeb.metadata!.uid!)
  cache.setNode(makeNode("gone"))
  assert.deepEqual(offered({ app: "web" }), ["expressions@n1", "on-ghost@gone"])
})

test("forEachPodWithLabel() offers the pods with the label, on known nodes only, as they come and go", () => {
  const cache = new SchedulerCache()
  cache.setNode(makeNode("n1"))
  const web = makePod("web", { node: "n1", labels: { app: "web" } })
  cache.setPod(web)
  cache.setPod(makePod("db", { node: "n1", labels: { app: "db" } }))
  cache.setPod(makePod("web-elsewhere", { node: "gone", labels: { app: "web" } }))
  const offered = () => {
    const out: string[] = []
    cache.forEachPodWithLabel("app", "web", (pi, node) => out.push(`${pi.pod.metadata!.name}@${node.name}`))
    return out.sort()
  }
  assert.deepEqual(offered(), ["web@n1"])
  cache.setNode(makeNode("gone"))
  assert.deepEqual(offered(), ["web-elsewhere@gone", "web@n1"])
  cache.removePod(web.metadata!.uid!)
  assert.deepEqual(offered(), ["web-elsewhere@gone"])
})

test("a newer version of a counted pod with the same requests swaps its PodInfo and keeps the sums", () => {
  const cache = new SchedulerCache()
  cache.setNode(makeNode("n1"))
  const pod = makePod("p", {
    requests: { cpu: "1" },
    labels: { app: "a" },
    spec: {
      affinity: {
        podAntiAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: [
            { topologyKey: "kubernetes.io/hostname", labelSelector: { matchLabels: { app: "a" } } },
          ],
        },
      },
    },
  })
  const bound = { ...pod, spec: { ...pod.spec!, nodeName: "n1" } }
  const assumed = newPodInfo(bound)
  cache.assumePod(assumed, "n1")
  const newer = withNewerPod(assumed, { ...bound, metadata: { ...bound.metadata, labels: { app: "b" } } })
  cache.setPod(newer.pod, newer)
  const n1 = cache.get("n1")!
  assert.equal(cache.isAssumed(assumed.uid), false)
  assert.equal(cache.podInfo(assumed.uid), newer)
  assert.equal(n1.requested.milliCPU, 1000)
  assert.equal(n1.pods.size, 1)
  assert.equal(n1.pods.get(assumed.uid), newer)
  assert.deepEqual([...n1.podsWithRequiredAntiAffinity], [newer])
  const labelled = (v: string) => {
    const out: unknown[] = []
    cache.forEachPodWithLabel("app", v, (p) => out.push(p))
    return out
  }
  assert.deepEqual(labelled("a"), [])
  assert.deepEqual(labelled("b"), [newer])
  const candidates: unknown[] = []
  cache.forEachAffinityPod({ app: "a" }, (p) => candidates.push(p))
  assert.deepEqual(candidates, [newer])
  cache.removePod(assumed.uid)
  assert.equal(n1.requested.milliCPU, 0)
  assert.equal(n1.podsWithRequiredAntiAffinity.size, 0)
})

test("a newer version with equal labels keeps the labels object and is what the label index finds", () => {
  const cache = new SchedulerCache()
  cache.setNode(makeNode("n1"))
  const pod = makePod("p", { node: "n1", labels: { app: "a", tier: "web" } })
  cache.setPod(pod)
  const first = cache.podInfo(pod.metadata!.uid!)!
  const newer = withNewerPod(first, {
    ...pod,
    metadata: { ...pod.metadata, labels: { tier: "web", app: "a" } },
  })
  assert.equal(newer.labels, first.labels)
  cache.setPod(newer.pod, newer)
  const found: unknown[] = []
  cache.forEachPodWithLabel("tier", "web", (p) => found.push(p))
  assert.deepEqual(found, [newer])
  assert.notEqual(
    withNewerPod(first, { ...pod, metadata: { ...pod.metadata, labels: { app: "a" } } }).labels,
    first.labels,
  )
})

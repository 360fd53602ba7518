/**
 * The kubelet reports the generation it acted on (KEP-5067) and a deleted pod's end: its
 * status.observedGeneration and its conditions' follow metadata.generation after a spec change
 * and after the graceful delete that bumps it, and once its containers are stopped the kubelet
 * writes the final status (containers terminated, not ready, phase Succeeded or Failed) before it
 * lets the pod go, so a watch (kubectl get pods -w) shows the pod's end before DELETED.
 */
import assert from "node:assert/strict"
import { after, before, test } from "node:test"
import type { Pod } from "kubernetes-types/core/v1.js"
import { isPodPhaseTerminal, Pods, type TrackedPodCondition, type TrackedPodStatus } from "../api/index.ts"
import { nodePod, until, untilPhase } from "../testing/index.ts"
import { type KubeletEnv, startKubeletEnv } from "./kubelet-env.case.ts"

let k: KubeletEnv

before(async () => {
  k = await startKubeletEnv({
    prefix: "k8ts-kubelet-generation-",
    nodeName: "node-gen",
    podRange: "127.245.13.0/24",
  })
})

after(() => k.stop())

/** The generations a status reports: its own, then each condition's by type. */
function generations(pod: Pod): string {
  const s = pod.status as TrackedPodStatus | undefined
  const conds = (s?.conditions ?? []) as TrackedPodCondition[]
  return [s?.observedGeneration, ...conds.map((c) => `${c.type}=${c.observedGeneration}`)].join(" ")
}

/** Records the watch events of pod `name` until stopped. */
function watchPod(name: string) {
  const seen: { type: string; pod: Pod }[] = []
  const stop = new AbortController()
  const watch = k.env.inProcess
    .resource(Pods)
    .watch({ namespace: "default", fieldSelector: `metadata.name=${name}` }, stop.signal)
  const watching = (async () => {
    for await (const ev of watch) seen.push({ type: ev.type, pod: ev.object })
  })().catch(() => undefined)
  return {
    async stop() {
      await until("the pod gone", () => seen.some((e) => e.type === "DELETED"))
      stop.abort()
      await watching
      return seen.filter((e) => e.type === "MODIFIED").map((e) => e.pod)
    },
  }
}

const sleeper = (name: string) =>
  nodePod("node-gen", name, {
    terminationGracePeriodSeconds: 5,
    containers: [{ name: "app", image: "busybox", command: ["sleep", "3600"] }],
  })

test(
  "a deleted pod's final status (container terminated, not ready, phase ended) comes before the final delete",
  { timeout: 30_000 },
  async () => {
    const pods = k.env.inProcess.resource(Pods)
    const w = watchPod("ends")
    await pods.create(sleeper("ends"))
    await untilPhase(k.env.inProcess, "ends", "Running")
    await pods.delete({ namespace: "default", name: "ends" })
    const modified = await w.stop()
    const last = modified[modified.length - 1]
    const status = last?.status as TrackedPodStatus
    assert.ok(isPodPhaseTerminal(status.phase), `phase ${status.phase}`)
    const app = status.containerStatuses?.[0]
    assert.ok(app?.state?.terminated, JSON.stringify(app?.state))
    assert.equal(app?.ready, false)
    const byType = Object.fromEntries((status.conditions ?? []).map((c) => [c.type, c.status]))
    assert.equal(byType.Ready, "False")
    assert.equal(byType.ContainersReady, "False")
    assert.equal(byType.PodReadyToStartContainers, "False")
    // The final status came before the kubelet's delete with grace period 0.
    const final = modified.findIndex((p) => isPodPhaseTerminal(p.status?.phase))
    const confirmed = modified.findIndex((p) => p.metadata?.deletionGracePeriodSeconds === 0)
    assert.ok(final >= 0 && final < confirmed, `final status at ${final}, grace 0 at ${confirmed}`)
  },
)

test("observedGeneration follows a spec change and the graceful delete", { timeout: 30_000 }, async () => {
  const pods = k.env.inProcess.resource(Pods)
  const ref = { namespace: "default", name: "gen" }
  const w = watchPod("gen")
  await pods.create(sleeper("gen"))
  const running = await untilPhase(k.env.inProcess, "gen", "Running")
  const all = (g: number) =>
    `${g} PodReadyToStartContainers=${g} Initialized=${g} Ready=${g} ContainersReady=${g} PodScheduled=${g}`
  await until("generation 1 observed", async () => generations(await pods.get(ref)) === all(1))
  assert.equal(running.metadata?.generation, 1)

  // A spec change bumps the generation; the kubelet's next status reports it.
  const changed = await pods.patch(ref, { spec: { activeDeadlineSeconds: 3600 } }, { type: "merge" })
  assert.equal(changed.metadata?.generation, 2)
  await until("generation 2 observed", async () => generations(await pods.get(ref)) === all(2))

  // The graceful delete bumps it again: the first write of the deleted pod, containers still up,
  // reports it, and so does the final status.
  await pods.delete(ref)
  const modified = await w.stop()
  const deleting = modified.filter((p) => p.metadata?.deletionTimestamp)
  assert.equal(deleting[0]?.metadata?.generation, 3)
  const first = deleting.find((p) => (p.status as TrackedPodStatus).observedGeneration === 3)
  assert.equal(first?.status?.phase, "Running")
  assert.equal(generations(modified[modified.length - 1] as Pod).split(" ")[0], "3")
})

import assert from "node:assert/strict"
import { after, before, describe, test } from "node:test"
import type { Pod as PodObject } from "kubernetes-types/core/v1.js"
import { Pods, type TrackedPodCondition, type TrackedPodStatus } from "../../api/index.ts"
import { InProcessClient, type InProcessHandler } from "../../client/index.ts"
import { startClientEnv, type ClientEnv, until, untilPhase } from "../../testing/index.ts"
import { FakeClock, silentLogger } from "../../util/index.ts"
import { HollowNodes } from "./hollow-nodes.ts"

function pod(name: string, finalizers?: string[]) {
  return {
    apiVersion: "v1" as const,
    kind: "Pod" as const,
    metadata: { name, namespace: "default", ...(finalizers ? { finalizers } : {}) },
    spec: { nodeName: "hollow-0", containers: [{ name: "app", image: "nginx" }] },
  }
}

describe("HollowNodes final delete", () => {
  let env: ClientEnv
  let clock: FakeClock
  let stop: AbortController
  let running: Promise<void>
  /** The kubelets' DELETE requests, by pod name. */
  const deletes = new Map<string, number>()
  /** How many of the next DELETE requests fail with a 500. */
  let failing = 0
  /** While set, a status write's answer waits for it (after the write is done). */
  let holdStatus: Promise<void> | undefined

  before(async () => {
    clock = new FakeClock(Date.UTC(2026, 10, 30, 12))
    env = await startClientEnv({ clock })
    const handle: InProcessHandler = async (req) => {
      if (req.method === "PATCH" && req.path.endsWith("/status") && holdStatus) {
        const answer = await env.api.handle(req)
        await holdStatus
        return answer
      }
      if (req.method !== "DELETE") return env.api.handle(req)
      const name = req.path.split("/").pop() ?? ""
      deletes.set(name, (deletes.get(name) ?? 0) + 1)
      if (failing > 0) {
        failing--
        const status = {
          kind: "Status",
          apiVersion: "v1",
          status: "Failure",
          reason: "InternalError",
          code: 500,
        }
        return Promise.resolve({
          status: 500,
          headers: { "content-type": "application/json" },
          body: JSON.stringify(status),
        })
      }
      return env.api.handle(req)
    }
    stop = new AbortController()
    const nodes = new HollowNodes({
      client: new InProcessClient(handle),
      nodes: [{ name: "hollow-0", address: "127.0.0.20", podCIDR: "10.244.9.0/24" }],
      clock,
      log: silentLogger(),
    })
    running = nodes.run(stop.signal)
    await nodes.settled()
  })
  after(async () => {
    stop.abort()
    await running
    await env.stop()
  })

  const gone = (name: string) =>
    until(`${name} gone`, () =>
      env.inProcess
        .resource(Pods)
        .get({ namespace: "default", name })
        .then(
          () => false,
          () => true,
        ),
    )

  test("asks once per pod, though its own delete and later updates queue the pod again", async () => {
    const pods = env.inProcess.resource(Pods)
    const ref = { namespace: "default", name: "held" }
    await pods.create(pod("held", ["example.com/hold"]))
    await untilPhase(env.inProcess, "held", "Running")
    await pods.delete(ref)
    // The final delete sets the grace period to 0 (an update the watch delivers); the finalizer
    // keeps the pod, so every later update of it reaches the kubelet too.
    await until("grace 0", async () => (await pods.get(ref)).metadata?.deletionGracePeriodSeconds === 0)
    await pods.patch(ref, { metadata: { labels: { touched: "1" } } }, { type: "merge" })
    await pods.create(pod("after"))
    await untilPhase(env.inProcess, "after", "Running")
    assert.equal(deletes.get("held"), 1)
    await pods.patch(ref, { metadata: { finalizers: null } }, { type: "merge" })
    await gone("held")

    // The same name again is a new pod (uid): its deletion is confirmed as well.
    await pods.create(pod("held"))
    await untilPhase(env.inProcess, "held", "Running")
    await pods.delete(ref)
    await gone("held")
    assert.equal(deletes.get("held"), 2)
  })

  test("asks again after a failure other than the pod being gone", async () => {
    const pods = env.inProcess.resource(Pods)
    await pods.create(pod("flaky"))
    await untilPhase(env.inProcess, "flaky", "Running")
    failing = 1
    await pods.delete({ namespace: "default", name: "flaky" })
    await until("a retry", async () => {
      await clock.advance(1000) // the retry's backoff
      return (deletes.get("flaky") ?? 0) >= 2
    })
    await gone("flaky")
    assert.equal(deletes.get("flaky"), 2)
  })

  /** Records the watch events of pod `name` until stopped. */
  function watchPod(name: string) {
    const seen: { type: string; pod: PodObject }[] = []
    const stop = new AbortController()
    const watch = env.inProcess
      .resource(Pods)
      .watch({ namespace: "default", fieldSelector: `metadata.name=${name}` }, stop.signal)
    const watching = (async () => {
      for await (const ev of watch) seen.push({ type: ev.type, pod: ev.object })
    })().catch(() => undefined)
    return {
      seen,
      async stop() {
        await until("DELETED seen", () => seen.some((e) => e.type === "DELETED"))
        stop.abort()
        await watching
        return seen.filter((e) => e.type === "MODIFIED").map((e) => e.pod)
      },
    }
  }

  test("a deleted pod's final status (stopped, not ready, Succeeded) comes before the final delete and DELETED", async () => {
    const pods = env.inProcess.resource(Pods)
    const w = watchPod("ended")
    await pods.create(pod("ended"))
    await untilPhase(env.inProcess, "ended", "Running")
    await pods.delete({ namespace: "default", name: "ended" })
    await gone("ended")
    const modified = await w.stop()
    const final = modified.findIndex((p) => p.status?.phase === "Succeeded")
    const confirmed = modified.findIndex((p) => p.metadata?.deletionGracePeriodSeconds === 0)
    assert.ok(final >= 0 && final < confirmed, `final status at ${final}, grace 0 at ${confirmed}`)
    const last = modified[modified.length - 1] as PodObject
    assert.equal(last.status?.phase, "Succeeded")
    const app = last.status?.containerStatuses?.[0]
    assert.equal(app?.ready, false)
    assert.equal(app?.state?.terminated?.exitCode, 0)
    assert.equal(app?.state?.terminated?.reason, "Completed")
    const byType = Object.fromEntries((last.status?.conditions ?? []).map((c) => [c.type, c.status]))
    assert.deepEqual(byType, {
      PodReadyToStartContainers: "False",
      Initialized: "True",
      Ready: "False",
      ContainersReady: "False",
      PodScheduled: "True",
    })
    assert.equal(w.seen[w.seen.length - 1]?.type, "DELETED")
  })

  test("a spec change the watch delivers before the status write's answer is observed", async () => {
    const pods = env.inProcess.resource(Pods)
    const ref = { namespace: "default", name: "answered-late" }
    let release = () => {}
    holdStatus = new Promise((resolve) => (release = resolve))
    try {
      await pods.create(pod("answered-late"))
      await untilPhase(env.inProcess, "answered-late", "Running")
      // While the kubelet waits for its Running write's answer, the spec changes (generation 2):
      // the informer then holds only that version when the pod is synced again.
      await pods.patch(
        ref,
        { spec: { containers: [{ name: "app", image: "nginx:2" }] } },
        { type: "strategic" },
      )
      await new Promise((resolve) => setTimeout(resolve, 100)) // the kubelet's informer gets it
    } finally {
      holdStatus = undefined
      release()
    }
    await until(
      "generation 2 observed",
      async () => ((await pods.get(ref)).status as TrackedPodStatus | undefined)?.observedGeneration === 2,
    )
    await pods.delete(ref)
    await gone("answered-late")
  })

  test("observedGeneration follows a spec change and the deletion", async () => {
    const pods = env.inProcess.resource(Pods)
    const ref = { namespace: "default", name: "watched" }
    const generations = (p: PodObject) => {
      const s = p.status as TrackedPodStatus | undefined
      const conds = (s?.conditions ?? []) as TrackedPodCondition[]
      return [s?.observedGeneration, ...new Set(conds.map((c) => c.observedGeneration))].join(" ")
    }
    const w = watchPod("watched")
    await pods.create(pod("watched"))
    await untilPhase(env.inProcess, "watched", "Running")
    await until("generation 1 observed", async () => generations(await pods.get(ref)) === "1 1")
    // An image change bumps the generation: the node reports it, and the new image.
    await pods.patch(
      ref,
      { spec: { containers: [{ name: "app", image: "nginx:2" }] } },
      { type: "strategic" },
    )
    const changed = await until("generation 2 observed", async () => {
      const p = await pods.get(ref)
      return generations(p) === "2 2" ? p : undefined
    })
    assert.equal(changed.status?.containerStatuses?.[0]?.image, "nginx:2")
    // The graceful delete bumps it again; the final status reports that one.
    await pods.delete(ref)
    await gone("watched")
    const modified = await w.stop()
    assert.equal(generations(modified[modified.length - 1] as PodObject), "3 3")
  })
})

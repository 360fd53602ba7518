/**
 * What a user sees of the kubelet through the API and its node API: the status a pod has
 * before its containers start, the container each event is about (involvedObject.fieldPath),
 * the Unhealthy event of a silent exec probe, and /configz.
 */
import assert from "node:assert/strict"
import { after, before, describe, test } from "node:test"
import type { Event, PodStatus } from "kubernetes-types/core/v1.js"
import { type ApiObject, Events, Pods } from "../api/index.ts"
import { nodePod, until, untilPhase } from "../testing/index.ts"
import { type KubeletEnv, startKubeletEnv } from "./kubelet-env.case.ts"

let k: KubeletEnv

before(async () => {
  k = await startKubeletEnv({
    prefix: "k8ts-kubelet-visible-",
    nodeName: "node-v",
    podRange: "127.245.5.0/24",
    server: true,
    kubelet: { backoff: { initialMs: 200, maxMs: 800 }, maxPods: 64 },
  })
})

after(() => k.stop())

const pods = () => k.env.inProcess.resource(Pods)

/** The statuses the pod named `name` was written with, until `done` holds for one. */
async function statusWrites(name: string, create: () => Promise<unknown>, done: (s: PodStatus) => boolean) {
  const stop = new AbortController()
  const seen: PodStatus[] = []
  const watch = pods().watch({ namespace: "default", fieldSelector: `metadata.name=${name}` }, stop.signal)
  const watching = (async () => {
    for await (const ev of watch) {
      if (ev.type !== "MODIFIED" || !ev.object.status?.containerStatuses) continue
      seen.push(ev.object.status)
      if (done(ev.object.status)) return
    }
  })()
  await create()
  await Promise.race([watching, until(`${name} done`, () => seen.some(done) || undefined)])
  stop.abort()
  return seen
}

const waitingReason = (s: { state?: { waiting?: { reason?: string } } } | undefined) =>
  s?.state?.waiting?.reason

/** The kubelet's events about pod `name`. */
async function eventsOf(name: string): Promise<(Event & ApiObject)[]> {
  const list = await k.env.inProcess
    .resource(Events)
    .list({ namespace: "default", fieldSelector: `involvedObject.name=${name}` })
  return list.items as (Event & ApiObject)[]
}

describe("kubelet: what users see", () => {
  test("a pod is written Pending with ContainerCreating before it runs, then Running: one write each", async () => {
    const writes = await statusWrites(
      "seq",
      () => pods().create(nodePod("node-v", "seq", { containers: [{ name: "s", image: "pause" }] })),
      (s) => s.phase === "Running",
    )
    assert.deepEqual(
      writes.map((s) => [s.phase, waitingReason(s.containerStatuses?.[0]) ?? "running"]),
      [
        ["Pending", "ContainerCreating"],
        ["Running", "running"],
      ],
    )
    const first = writes[0]
    assert.equal(first?.podIP, undefined)
    assert.equal(first?.conditions?.find((c) => c.type === "PodReadyToStartContainers")?.status, "False")
  })

  test("a pod with init containers is written PodInitializing first, its app containers too", async () => {
    const writes = await statusWrites(
      "seq-init",
      () =>
        pods().create(
          nodePod("node-v", "seq-init", {
            initContainers: [{ name: "setup", image: "busybox", command: ["sh", "-c", "true"] }],
            containers: [{ name: "s", image: "pause" }],
          }),
        ),
      (s) => s.phase === "Running",
    )
    const first = writes[0]
    assert.equal(first?.phase, "Pending")
    assert.equal(waitingReason(first?.initContainerStatuses?.[0]), "PodInitializing")
    assert.equal(waitingReason(first?.containerStatuses?.[0]), "PodInitializing")
    assert.equal(writes.at(-1)?.phase, "Running")
  })

  test("container events name their container; a silent failing exec probe's message ends at the colon", async () => {
    await pods().create(
      nodePod("node-v", "sick", {
        initContainers: [{ name: "setup", image: "busybox", command: ["sh", "-c", "true"] }],
        containers: [
          {
            name: "app",
            image: "busybox",
            command: ["sh", "-c", "sleep 3600"],
            livenessProbe: {
              exec: { command: ["sh", "-c", "exit 1"] },
              periodSeconds: 1,
              failureThreshold: 1,
            },
          },
        ],
      }),
    )
    await untilPhase(k.env.inProcess, "sick", "Running")
    const events = await until("Unhealthy and Killing", async () => {
      const evs = await eventsOf("sick")
      const has = (r: string) => evs.some((e) => e.reason === r)
      return has("Unhealthy") && has("Killing") ? evs : undefined
    })
    const about = (reason: string, path: string) =>
      events.find((e) => e.reason === reason && e.involvedObject.fieldPath === path)
    assert.equal(about("Unhealthy", "spec.containers{app}")?.message, "Liveness probe failed: ")
    assert.equal(
      about("Killing", "spec.containers{app}")?.message,
      "Container app failed liveness probe, will be restarted",
    )
    for (const reason of ["Pulled", "Created", "Started"]) {
      assert.ok(about(reason, "spec.initContainers{setup}"), `${reason} about setup`)
      assert.ok(about(reason, "spec.containers{app}"), `${reason} about app`)
    }
  })

  test("/configz serves the KubeletConfiguration under kubeletconfig; /spec is gone, as upstream's", async () => {
    const res = await fetch(`${k.base}/configz`)
    assert.equal(res.headers.get("content-type"), "application/json")
    const body = (await res.json()) as { kubeletconfig: Record<string, unknown> }
    assert.deepEqual(Object.keys(body), ["kubeletconfig"])
    const c = body.kubeletconfig
    assert.equal(c.maxPods, 64)
    assert.equal(c.syncFrequency, "1m0s")
    assert.equal(c.port, Number(new URL(k.base ?? "").port))
    assert.deepEqual(c.crashLoopBackOff, { maxContainerRestartPeriod: "800ms" })
    assert.equal((await fetch(`${k.base}/spec/`)).status, 404)
  })
})

/**
 * What a user sees of the kubelet through the API and its node API: the status a pod has
 * before its containers start, the container each event is about (involvedObject.fieldPath),
 * the Unhealthy event of a silent exec probe, lifecycle hooks and their failures, and /configz.
 */
import assert from "node:assert/strict"
import { readFileSync } from "node:fs"
import { join } from "node:path"
import { after, before, describe, test } from "node:test"
import type { Event, PodStatus } from "kubernetes-types/core/v1.js"
import { type ApiObject, Events, Pods } from "../api/index.ts"
import { nodePod, until, untilPhase, untilPod } from "../testing/index.ts"
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
            // Passes while the container lives: it must not be run against the one liveness stopped.
            readinessProbe: { exec: { command: ["true"] }, periodSeconds: 1 },
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
    // Two more probe periods: the readiness probe saw no stopped container.
    await new Promise((r) => setTimeout(r, 2500))
    const readiness = (await eventsOf("sick")).filter((e) => e.message?.startsWith("Readiness probe failed"))
    assert.deepEqual(
      readiness.map((e) => e.message),
      [],
    )
  })

  test("a postStart hook runs before the pod is Running; one that fails kills the container, with upstream's events", async () => {
    const mark = join(k.dir, "post-start-ran")
    await pods().create(
      nodePod("node-v", "hooked", {
        containers: [
          {
            name: "app",
            image: "busybox",
            command: ["sh", "-c", "sleep 3600"],
            lifecycle: { postStart: { exec: { command: ["sh", "-c", `echo ran > ${mark}`] } } },
          },
        ],
      }),
    )
    await untilPhase(k.env.inProcess, "hooked", "Running")
    assert.equal(readFileSync(mark, "utf8"), "ran\n")

    const created = await pods().create(
      nodePod("node-v", "hook-fails", {
        terminationGracePeriodSeconds: 1,
        containers: [
          {
            name: "app",
            image: "busybox",
            command: ["sh", "-c", "sleep 3600"],
            lifecycle: { postStart: { exec: { command: ["sh", "-c", "exit 3"] } } },
          },
        ],
      }),
    )
    const restarted = await untilPod(
      k.env.inProcess,
      "hook-fails",
      (p) => (p.status?.containerStatuses?.[0]?.restartCount ?? 0) >= 1,
      "restarted",
    )
    assert.ok(restarted.status?.containerStatuses?.[0]?.lastState?.terminated)
    const events = await until("FailedPostStartHook", async () => {
      const evs = await eventsOf("hook-fails")
      return evs.some((e) => e.reason === "Killing") ? evs : undefined
    })
    const label = `hook-fails_default(${created.metadata?.uid})`
    const failed = events.find((e) => e.reason === "FailedPostStartHook")
    assert.equal(failed?.type, "Warning")
    assert.equal(failed?.involvedObject.fieldPath, "spec.containers{app}")
    assert.equal(
      failed?.message,
      `Exec lifecycle hook ([sh -c exit 3]) for Container "app" in Pod "${label}" failed - error: command 'sh -c exit 3' exited with 3: , message: ""`,
    )
    assert.equal(events.find((e) => e.reason === "Killing")?.message, "FailedPostStartHook")
  })

  test("a preStop hook that fails is a FailedPreStopHook warning; the container stops anyway", async () => {
    await pods().create(
      nodePod("node-v", "pre-stop", {
        terminationGracePeriodSeconds: 2,
        containers: [
          {
            name: "app",
            image: "busybox",
            command: ["sh", "-c", "sleep 3600"],
            lifecycle: { preStop: { exec: { command: ["sh", "-c", "echo no >&2; exit 1"] } } },
          },
        ],
      }),
    )
    await untilPhase(k.env.inProcess, "pre-stop", "Running")
    await pods().delete({ namespace: "default", name: "pre-stop" })
    const failed = await until("FailedPreStopHook", async () =>
      (await eventsOf("pre-stop")).find((e) => e.reason === "FailedPreStopHook"),
    )
    assert.match(
      failed.message ?? "",
      /^Exec lifecycle hook \(\[sh -c echo no >&2; exit 1\]\) for Container "app" .* message: "no\\n"$/s,
    )
    assert.equal(failed.involvedObject.fieldPath, "spec.containers{app}")
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

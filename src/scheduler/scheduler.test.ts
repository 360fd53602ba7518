import assert from "node:assert/strict"
import { after, before, describe, test } from "node:test"
import type { Pod } from "kubernetes-types/core/v1.js"
import { type ApiObject, Events, Namespaces, Nodes, Pods, type TrackedPodCondition } from "../api/index.ts"
import { HollowNodes, type HollowNodeSpec } from "../kubelet/index.ts"
import { startClientEnv, type ClientEnv } from "../testing/index.ts"
import { FakeClock, silentLogger } from "../util/index.ts"
import { PriorityClasses, Scheduler } from "./scheduler.ts"

type PodObj = Pod & ApiObject

function pod(
  name: string,
  spec: Partial<Pod["spec"]> = {},
  requests?: Record<string, string>,
  labels?: Record<string, string>,
): PodObj {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace: "default", ...(labels ? { labels } : {}) },
    spec: { containers: [{ name: "c", image: "busybox", resources: requests ? { requests } : {} }], ...spec },
  }
}

/** A cluster of hollow nodes and a scheduler on one in-process API server and a fake clock. */
async function cluster(nodes: HollowNodeSpec[], before?: (env: ClientEnv) => Promise<void>) {
  const clock = new FakeClock(Date.UTC(2026, 10, 30, 9))
  const env = await startClientEnv({ clock })
  await before?.(env)
  const stop = new AbortController()
  const log = silentLogger()
  const hollow = new HollowNodes({ client: env.inProcess, nodes, clock, log })
  await hollow.register()
  const scheduler = new Scheduler({ client: env.inProcess, clock, log, hostname: "test-host" })
  const running = Promise.all([hollow.run(stop.signal), scheduler.run(stop.signal)])
  const client = env.inProcess
  /** Polls `fn`, moving the fake clock half a second per try, until it returns a value. */
  async function waitFor<T>(fn: () => Promise<T | undefined>, what: string): Promise<T> {
    for (let i = 0; i < 1000; i++) {
      const v = await fn().catch(() => undefined)
      if (v !== undefined) return v
      await new Promise((r) => setTimeout(r, 5))
      await clock.advance(500)
    }
    throw new Error(`Timed out waiting for ${what}`)
  }
  const nodeOf = (name: string) =>
    waitFor(
      async () => (await client.resource(Pods).get({ namespace: "default", name })).spec?.nodeName,
      `${name} bound`,
    )
  return {
    env,
    client,
    clock,
    scheduler,
    waitFor,
    nodeOf,
    async stop() {
      stop.abort()
      await running
      await env.stop()
    },
  }
}

const cap = (cpu: string, memory = "16Gi") => ({ cpu, memory, pods: "110", "ephemeral-storage": "100Gi" })

describe("Scheduler with hollow nodes", () => {
  let c: Awaited<ReturnType<typeof cluster>>
  before(async () => {
    c = await cluster([
      { name: "small", address: "127.0.0.21", capacity: cap("2", "4Gi"), labels: { disk: "ssd", zone: "a" } },
      { name: "big", address: "127.0.0.22", capacity: cap("8", "32Gi"), labels: { zone: "b" } },
      {
        name: "tainted",
        address: "127.0.0.23",
        capacity: cap("8", "32Gi"),
        labels: { zone: "b" },
        taints: [{ key: "dedicated", value: "gpu", effect: "NoSchedule" }],
      },
    ])
  })
  after(() => c.stop())

  test("pods land where upstream puts them: selectors, tolerations, requests, anti-affinity", async () => {
    const pods = c.client.resource(Pods)
    await pods.create(pod("ssd", { nodeSelector: { disk: "ssd" } }))
    await pods.create(
      pod("tolerant", {
        tolerations: [{ key: "dedicated", operator: "Equal", value: "gpu", effect: "NoSchedule" }],
        affinity: {
          nodeAffinity: {
            requiredDuringSchedulingIgnoredDuringExecution: {
              nodeSelectorTerms: [
                {
                  matchExpressions: [{ key: "kubernetes.io/hostname", operator: "In", values: ["tainted"] }],
                },
              ],
            },
          },
        },
      }),
    )
    await pods.create(pod("heavy", {}, { cpu: "4", memory: "1Gi" }))
    const anti = {
      affinity: {
        podAntiAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: [
            { topologyKey: "zone", labelSelector: { matchLabels: { app: "web" } } },
          ],
        },
      },
    }
    await pods.create(pod("web-1", anti, undefined, { app: "web" }))
    assert.equal(await c.nodeOf("ssd"), "small")
    assert.equal(await c.nodeOf("tolerant"), "tainted")
    assert.equal(await c.nodeOf("heavy"), "big")
    const web1 = await c.nodeOf("web-1")
    await pods.create(pod("web-2", anti, undefined, { app: "web" }))
    const web2 = await c.nodeOf("web-2")
    assert.deepEqual([web1, web2].sort(), ["big", "small"])
    const running = await c.waitFor(async () => {
      const p = await pods.get({ namespace: "default", name: "heavy" })
      return p.status?.phase === "Running" ? p : undefined
    }, "heavy running")
    assert.equal(running.status?.conditions?.find((x) => x.type === "PodScheduled")?.status, "True")
    const events = await c.waitFor(async () => {
      const list = await c.client.resource(Events).list({ namespace: "default" })
      const e = list.items.find((x) => x.reason === "Scheduled" && x.involvedObject.name === "heavy")
      return e
    }, "Scheduled event")
    assert.equal(events.message, "Successfully assigned default/heavy to big")
    assert.equal(events.type, "Normal")
    // Recorded through events.k8s.io as upstream's scheduler records it; seen here as core/v1.
    assert.equal(events.action, "Binding")
    assert.equal(events.reportingComponent, "default-scheduler")
    assert.equal(events.reportingInstance, "default-scheduler-test-host")
    assert.match(events.eventTime ?? "", /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/)
    assert.equal(events.count, undefined)
    assert.equal(events.source?.component, undefined)
    assert.equal(events.involvedObject.kind, "Pod")
    assert.equal(events.involvedObject.apiVersion, "v1")
    assert.equal(events.involvedObject.uid, running.metadata?.uid)
    assert.ok(events.involvedObject.resourceVersion)
  })

  test("a pod for another scheduler is left alone", async () => {
    await c.client.resource(Pods).create(pod("elsewhere", { schedulerName: "other-scheduler" }))
    await c.nodeOf("ssd")
    for (let i = 0; i < 5; i++) await c.clock.advance(1000)
    const p = await c.client.resource(Pods).get({ namespace: "default", name: "elsewhere" })
    assert.equal(p.spec?.nodeName, undefined)
    assert.equal(p.status?.conditions, undefined)
  })

  test("an unschedulable pod gets the condition and event, then schedules once a node is labelled", async () => {
    const pods = c.client.resource(Pods)
    await pods.create(pod("needs-gpu", { nodeSelector: { accelerator: "gpu" } }))
    const cond = await c.waitFor(async () => {
      const p = await pods.get({ namespace: "default", name: "needs-gpu" })
      return p.status?.conditions?.find((x) => x.type === "PodScheduled")
    }, "PodScheduled condition")
    assert.equal(cond.status, "False")
    assert.equal(cond.reason, "Unschedulable")
    assert.equal((cond as TrackedPodCondition).observedGeneration, 1)
    assert.equal(
      cond.message,
      "0/3 nodes are available: 1 node(s) had untolerated taint {dedicated: gpu}, 2 node(s) didn't match Pod's node affinity/selector. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.",
    )
    const event = await c.waitFor(async () => {
      const list = await c.client.resource(Events).list({ namespace: "default" })
      return list.items.find((x) => x.reason === "FailedScheduling" && x.involvedObject.name === "needs-gpu")
    }, "FailedScheduling event")
    assert.equal(event.type, "Warning")
    assert.equal(event.message, cond.message)
    assert.equal(event.action, "Scheduling")
    assert.equal(event.reportingComponent, "default-scheduler")
    await c.client
      .resource(Nodes)
      .patch({ name: "big" }, { metadata: { labels: { accelerator: "gpu" } } }, { type: "merge" })
    assert.equal(await c.nodeOf("needs-gpu"), "big")
  })

  test("affinity terms with a namespaceSelector look in the namespaces whose labels match", async () => {
    await c.client
      .resource(Namespaces)
      .create({ apiVersion: "v1", kind: "Namespace", metadata: { name: "prod", labels: { env: "prod" } } })
    await c.client.resource(Pods).create({
      ...pod("cache", { nodeName: "small" }, undefined, { app: "cache" }),
      metadata: { name: "cache", namespace: "prod", labels: { app: "cache" } },
    })
    const term = {
      topologyKey: "zone",
      labelSelector: { matchLabels: { app: "cache" } },
      namespaceSelector: { matchLabels: { env: "prod" } },
    }
    const pods = c.client.resource(Pods)
    // Beside prod's cache (zone a: small), though it is in another namespace
    await pods.create(
      pod("near", { affinity: { podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term] } } }),
    )
    // Away from it (zone b: big; tainted is not tolerated)
    await pods.create(
      pod("far", {
        affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term] } },
      }),
    )
    assert.equal(await c.nodeOf("near"), "small")
    assert.equal(await c.nodeOf("far"), "big")
  })
})

describe("Scheduler preemption", () => {
  let c: Awaited<ReturnType<typeof cluster>>
  before(async () => {
    c = await cluster([{ name: "only", address: "127.0.0.31", capacity: cap("2") }], async (env) => {
      const pcs = env.inProcess.resource(PriorityClasses)
      await pcs.create({
        apiVersion: "scheduling.k8s.io/v1",
        kind: "PriorityClass",
        metadata: { name: "low" },
        value: 10,
      })
      await pcs.create({
        apiVersion: "scheduling.k8s.io/v1",
        kind: "PriorityClass",
        metadata: { name: "high" },
        value: 1000,
      })
    })
  })
  after(() => c.stop())

  test("a higher-priority pod evicts a lower-priority one and takes its place", async () => {
    const pods = c.client.resource(Pods)
    await pods.create(pod("victim", { priorityClassName: "low" }, { cpu: "2" }))
    assert.equal(await c.nodeOf("victim"), "only")
    await pods.create(pod("vip", { priorityClassName: "high" }, { cpu: "1" }))
    const nominated = await c.waitFor(async () => {
      const p = await pods.get({ namespace: "default", name: "vip" })
      return p.status?.nominatedNodeName || p.spec?.nodeName
    }, "vip nominated")
    assert.equal(nominated, "only")
    assert.equal(await c.nodeOf("vip"), "only")
    await c.waitFor(async () => {
      const list = await pods.list({ namespace: "default" })
      return list.items.some((p) => p.metadata?.name === "victim") ? undefined : true
    }, "victim gone")
    const preempted = await c.waitFor(async () => {
      const list = await c.client.resource(Events).list({ namespace: "default" })
      return list.items.find((x) => x.reason === "Preempted" && x.involvedObject.name === "victim")
    }, "Preempted event")
    const vip = await pods.get({ namespace: "default", name: "vip" })
    assert.equal(preempted.message, `Preempted by pod ${vip.metadata?.uid} on node only`)
    assert.equal(preempted.action, "Preempting")
    // The preemptor is the related object.
    assert.equal(preempted.related?.kind, "Pod")
    assert.equal(preempted.related?.name, "vip")
    assert.equal(preempted.related?.uid, vip.metadata?.uid)
  })

  test("a pod whose anti-affinity avoids a lower-priority pod preempts it: DisruptionTarget, then deletion", async () => {
    const pods = c.client.resource(Pods)
    await pods.create(pod("web", { priorityClassName: "low" }, { cpu: "100m" }, { app: "web" }))
    assert.equal(await c.nodeOf("web"), "only")
    // Watch the victim to see the condition the scheduler writes before deleting it.
    const seen: string[] = []
    const ac = new AbortController()
    const watching = (async () => {
      try {
        for await (const e of pods.watch(
          { namespace: "default", fieldSelector: "metadata.name=web" },
          ac.signal,
        )) {
          const dt = e.object.status?.conditions?.find((x) => x.type === "DisruptionTarget")
          const gen = (dt as TrackedPodCondition | undefined)?.observedGeneration
          if (dt) seen.push(`${dt.status} ${dt.reason} (generation ${gen}): ${dt.message}`)
          if (e.type === "DELETED" || e.object.metadata?.deletionTimestamp)
            seen.push(e.type === "DELETED" ? "deleted" : "terminating")
        }
      } catch {
        // aborted
      }
    })()
    const anti = {
      podAntiAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: [
          { labelSelector: { matchLabels: { app: "web" } }, topologyKey: "kubernetes.io/hostname" },
        ],
      },
    }
    await pods.create(pod("solo", { priorityClassName: "high", affinity: anti }, { cpu: "100m" }))
    assert.equal(await c.nodeOf("solo"), "only")
    await c.waitFor(
      async () => (seen.includes("deleted") || seen.includes("terminating") ? true : undefined),
      "web deleted",
    )
    ac.abort()
    await watching
    assert.equal(
      seen[0],
      "True PreemptionByScheduler (generation 1): default-scheduler: preempting to accommodate a higher priority pod",
    )
  })
})

import assert from "node:assert/strict"
import { after, before, describe, test } from "node:test"
import { ConfigMaps, Namespaces, Secrets } from "../api/index.ts"
import { settleUntil, startClientEnv, type ClientEnv } from "../testing/index.ts"
import { PassThrough } from "node:stream"
import { createLogger, FakeClock, type Logger, silentLogger } from "../util/index.ts"
import {
  Controller,
  type ControllerSpec,
  QuietRetryError,
  type Reconciler,
  type Result,
  TerminalError,
} from "./controller.ts"
import { SharedInformers } from "./shared-informers.ts"

describe("runController", () => {
  let env: ClientEnv
  before(async () => {
    env = await startClientEnv()
  })
  after(() => env.stop())

  let n = 0
  /** A fresh namespace and a controller over ConfigMaps in it, reconciling with `reconcile`. */
  async function harness(
    reconcile: (key: string) => Promise<Result | void>,
    extra: Partial<ControllerSpec> = {},
    log: Logger = silentLogger(),
  ) {
    const ns = `ctl-${++n}`
    await env.inProcess
      .resource(Namespaces)
      .create({ apiVersion: "v1", kind: "Namespace", metadata: { name: ns } })
    const keys: string[] = []
    const spec: ControllerSpec = {
      name: "test",
      for: ConfigMaps,
      create: (): Reconciler => ({
        async reconcile(key) {
          if (!key.startsWith(`${ns}/`)) return
          keys.push(key)
          return reconcile(key)
        },
      }),
      ...extra,
    }
    const clock = new FakeClock()
    const informers = new SharedInformers(env.inProcess, { clock })
    const controller = new Controller(spec, { client: env.inProcess, informers, clock, log })
    const ac = new AbortController()
    const running = Promise.all([informers.run(ac.signal), controller.run(ac.signal)])
    const cms = env.inProcess.resource(ConfigMaps)
    const create = (name: string) =>
      cms.create({ apiVersion: "v1", kind: "ConfigMap", metadata: { name, namespace: ns }, data: {} })
    return {
      ns,
      keys,
      clock,
      controller,
      informers,
      create,
      stop: async () => {
        ac.abort()
        await running
      },
    }
  }

  test("reconciles the key of each object, existing and new", async () => {
    const h = await harness(async () => {})
    await h.create("before")
    await settleUntil(() => h.keys.length === 1, "the first reconcile")
    await h.create("after")
    await settleUntil(() => h.keys.length === 2, "the second reconcile")
    assert.deepEqual(h.keys, [`${h.ns}/before`, `${h.ns}/after`])
    await h.stop()
  })

  test("owned objects enqueue their controlling owner's key", async () => {
    const h = await harness(async () => {}, { owns: [Secrets] })
    const owner = await h.create("owner")
    await settleUntil(() => h.keys.length === 1, "the owner's reconcile")
    await env.inProcess.resource(Secrets).create({
      apiVersion: "v1",
      kind: "Secret",
      metadata: {
        name: "owned",
        namespace: h.ns,
        ownerReferences: [
          {
            apiVersion: "v1",
            kind: "ConfigMap",
            name: "owner",
            uid: owner.metadata?.uid ?? "",
            controller: true,
          },
        ],
      },
    })
    await settleUntil(() => h.keys.length === 2, "the owned object's event")
    assert.deepEqual(h.keys, [`${h.ns}/owner`, `${h.ns}/owner`])
    await h.stop()
  })

  test("an owned object that changes controller enqueues the old owner and the new one", async () => {
    const h = await harness(async () => {}, { owns: [Secrets] })
    const a = await h.create("a")
    const b = await h.create("b")
    await settleUntil(() => h.keys.length === 2, "the owners' reconciles")
    const ref = (o: typeof a) => ({
      apiVersion: "v1",
      kind: "ConfigMap",
      name: o.metadata?.name ?? "",
      uid: o.metadata?.uid ?? "",
      controller: true,
    })
    const secrets = env.inProcess.resource(Secrets)
    const owned = await secrets.create({
      apiVersion: "v1",
      kind: "Secret",
      metadata: { name: "owned", namespace: h.ns, ownerReferences: [ref(a)] },
    })
    await settleUntil(() => h.keys.length === 3, "the owned object's event")
    // A change that keeps the controller: its owner only.
    const labelled = await secrets.update({ ...owned, metadata: { ...owned.metadata, labels: { x: "1" } } })
    await settleUntil(() => h.keys.length === 4, "the label change")
    await secrets.update({ ...labelled, metadata: { ...labelled.metadata, ownerReferences: [ref(b)] } })
    await settleUntil(() => h.keys.length === 6, "the change of controller")
    assert.deepEqual(h.keys.slice(2), [`${h.ns}/a`, `${h.ns}/a`, `${h.ns}/a`, `${h.ns}/b`])
    await h.stop()
  })

  test("a throwing reconcile is retried with growing backoff; success forgets it", async () => {
    let failures = 2
    const h = await harness(async () => {
      if (failures-- > 0) throw new Error("not yet")
    })
    await h.create("flaky")
    await settleUntil(() => h.keys.length === 1 && h.controller.stats().delayed === 1, "the first retry")
    await h.clock.advance(5)
    await settleUntil(() => h.keys.length === 2 && h.controller.stats().delayed === 1, "the second retry")
    await h.clock.advance(9)
    assert.equal(h.keys.length, 2, "the second backoff is 10 ms")
    await h.clock.advance(1)
    await settleUntil(() => h.keys.length === 3, "the third attempt")
    const stats = h.controller.stats()
    assert.equal(stats.retries, 2)
    assert.equal(stats.failures, 2)
    await h.stop()
  })

  test("a TerminalError is not retried", async () => {
    const h = await harness(async () => {
      throw new TerminalError("bad spec")
    })
    await h.create("broken")
    await settleUntil(() => h.keys.length === 1 && h.controller.stats().processing === 0, "the reconcile")
    await h.clock.advance(60_000)
    assert.equal(h.keys.length, 1)
    assert.equal(h.controller.stats().retries, 0)
    await h.stop()
  })

  test("a QuietRetryError is retried as any failure, logged at debug level rather than as a warning", async () => {
    const lines: { level: number; msg: string }[] = []
    const destination = new PassThrough()
    destination.on("data", (c: Buffer) => {
      for (const l of c.toString("utf8").split("\n"))
        if (l) lines.push(JSON.parse(l) as { level: number; msg: string })
    })
    let failures = 1
    const h = await harness(
      async (key) => {
        if (failures-- > 0) throw new QuietRetryError(`kind of ${key} unknown yet`)
      },
      {},
      createLogger({ level: "debug", format: "json", destination }),
    )
    try {
      await h.create("unknown-owner")
      await settleUntil(() => h.controller.stats().delayed === 1, "the retry's backoff")
      await h.clock.advance(5)
      await settleUntil(() => h.keys.length === 2 && h.controller.stats().processing === 0, "the retry")
      assert.equal(h.controller.stats().retries, 1)
      const failed = lines.filter((l) => l.msg === "Reconcile failed, retrying")
      assert.deepEqual(
        failed.map((l) => l.level),
        [20],
        "one debug line, no warning",
      )
    } finally {
      await h.stop()
    }
  })

  test("requeueAfterMs reconciles the key again after that long", async () => {
    const h = await harness(async () => ({ requeueAfterMs: 1_000 }))
    await h.create("periodic")
    await settleUntil(() => h.keys.length === 1 && h.controller.stats().delayed === 1, "the reconcile")
    await h.clock.advance(999)
    assert.equal(h.keys.length, 1)
    await h.clock.advance(1)
    await settleUntil(() => h.keys.length === 2, "the requeue")
    await h.stop()
  })

  test("several workers never reconcile one key at once", async () => {
    let active = 0
    let overlap = false
    const release: (() => void)[] = []
    const h = await harness(
      async () => {
        active++
        if (active > 1) overlap = true
        await new Promise<void>((r) => release.push(r))
        active--
      },
      { workers: 4 },
    )
    const obj = await h.create("busy")
    await settleUntil(() => release.length === 1, "the first reconcile")
    const cms = env.inProcess.resource(ConfigMaps)
    await cms.update({ ...obj, data: { k: "2" } })
    const cache = h.informers.get(ConfigMaps).cache
    await settleUntil(() => cache.get(`${h.ns}/busy`)?.data?.k === "2", "the update to reach the informer")
    assert.equal(release.length, 1, "held back while the key is processed")
    release.shift()?.()
    await settleUntil(() => release.length === 1, "the second reconcile")
    release.shift()?.()
    await settleUntil(() => h.controller.stats().processing === 0, "idle")
    assert.equal(overlap, false)
    await h.stop()
  })

  test("Controller() rejects a worker count that is not a positive integer", () => {
    const deps = {
      client: env.inProcess,
      informers: new SharedInformers(env.inProcess),
      clock: new FakeClock(),
      log: silentLogger(),
    }
    const spec: ControllerSpec = {
      name: "x",
      for: ConfigMaps,
      workers: 0,
      create: () => ({ reconcile: async () => {} }),
    }
    assert.throws(() => new Controller(spec, deps), RangeError)
  })
})

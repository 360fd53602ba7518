/**
 * The system namespaces controller's passes: an error a pass does not expect (here the watch cache
 * failing) is logged, neither rejecting the start, nor escaping the detached loop as an unhandled
 * rejection (which would stop the process), nor ending the passes.
 */
import assert from "node:assert/strict"
import { Writable } from "node:stream"
import { test } from "node:test"
import type { ResourceInfo } from "../api/index.ts"
import { FakeClock, createLogger } from "../util/index.ts"
import type { Served } from "./registry/context.ts"
import type { Registry } from "./registry/registry.ts"
import { SYSTEM_NAMESPACES, SYSTEM_NAMESPACES_INTERVAL_MS, SystemNamespaces } from "./system-namespaces.ts"
import type { WatchCache } from "./watch-cache.ts"

test("a pass that throws is logged: no unhandled rejection, and the next pass runs a minute later", async () => {
  const unhandled: unknown[] = []
  const onUnhandled = (reason: unknown) => unhandled.push(reason)
  process.on("unhandledRejection", onUnhandled)
  const ac = new AbortController()
  try {
    // GIVEN a cache failing on the second and third passes, and a registry recording creates
    let reads = 0
    const cache = {
      resource: () => {
        reads++
        if (reads === 2 || reads === 3) throw new Error("cache unavailable")
        return { objects: new Map() }
      },
    } as unknown as WatchCache
    const created: string[] = []
    const registry = {
      create: (_s: Served, _ns: string, obj: { metadata: { name: string } }) => {
        created.push(obj.metadata.name)
        return Promise.resolve(obj)
      },
    } as unknown as Registry
    const lines: string[] = []
    const destination = new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(chunk.toString())
        done()
      },
    })
    const log = createLogger({ format: "json", level: "warn", destination })
    const clock = new FakeClock()
    const controller = new SystemNamespaces({
      registry,
      cache,
      served: (info: ResourceInfo) => ({ info, prefix: "/registry/namespaces/" }) as Served,
      clock,
      log,
    })
    await controller.start(ac.signal)
    assert.deepEqual(created, [...SYSTEM_NAMESPACES], "the first pass creates them all")
    // WHEN the next two passes throw
    for (let pass = 2; pass <= 4; pass++) {
      await clock.advance(SYSTEM_NAMESPACES_INTERVAL_MS)
      for (let i = 0; i < 100 && reads < pass; i++) await new Promise(setImmediate)
      assert.equal(reads, pass, `pass ${pass} ran`)
    }
    for (let i = 0; i < 100 && created.length < 8; i++) await new Promise(setImmediate)
    await new Promise(setImmediate)
    // THEN each failure is logged, none is unhandled, and the fourth pass creates again
    assert.deepEqual(unhandled, [])
    const failures = lines.map((l) => JSON.parse(l) as { msg: string; err: string })
    assert.deepEqual(
      failures.map((f) => [f.msg, f.err]),
      [
        ["System namespaces controller pass failed", "cache unavailable"],
        ["System namespaces controller pass failed", "cache unavailable"],
      ],
    )
    assert.deepEqual(created, [...SYSTEM_NAMESPACES, ...SYSTEM_NAMESPACES])
  } finally {
    ac.abort()
    process.off("unhandledRejection", onUnhandled)
  }
})

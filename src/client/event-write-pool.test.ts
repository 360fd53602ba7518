import assert from "node:assert/strict"
import { test } from "node:test"
import { FakeClock, type Logger, silentLogger } from "../util/index.ts"
import { EventWritePool, MAX_IN_FLIGHT, MAX_QUEUED } from "./event-write-pool.ts"

const ticks = async (n: number) => {
  for (let i = 0; i < n; i++) await new Promise((r) => setImmediate(r))
}

test("EventWritePool runs at most 8 writes at once (client-go's recordWorkers), each key's in order", async () => {
  const pool = new EventWritePool({ clock: new FakeClock(), log: silentLogger(), qps: 0 })
  const started: string[] = []
  const release: (() => void)[] = []
  for (let i = 0; i < 12; i++) {
    const key = `k${i % 10}` // k0 and k1 get two writes each
    void pool.add(key, async () => {
      started.push(`${key}#${i}`)
      await new Promise<void>((r) => release.push(r))
    })
  }
  await ticks(10)
  assert.equal(MAX_IN_FLIGHT, 8)
  assert.deepEqual(started, ["k0#0", "k1#1", "k2#2", "k3#3", "k4#4", "k5#5", "k6#6", "k7#7"])
  release.shift()?.() // k0#0 ends: its slot goes to k8, k0's second write waits for a slot too
  await ticks(10)
  assert.deepEqual(started.slice(8), ["k8#8"])
  while (release.length) {
    release.shift()?.()
    await ticks(10)
  }
  await pool.flush()
  assert.equal(started.length, 12)
  assert.ok(started.indexOf("k0#10") > started.indexOf("k0#0"))
  assert.ok(started.indexOf("k1#11") > started.indexOf("k1#1"))
})

test("EventWritePool.admit() refuses beyond 1,000 waiting writes and logs once per overflow", async () => {
  const logged: string[] = []
  const log = Object.assign(Object.create(silentLogger()) as Logger, {
    error: (_fields: unknown, msg: string) => void logged.push(msg),
  })
  const pool = new EventWritePool({ clock: new FakeClock(), log, qps: 0 })
  let open!: () => void
  const gate = new Promise<void>((r) => (open = r))
  let admitted = 0
  for (let i = 0; i < MAX_QUEUED + 50; i++) {
    if (!pool.admit({ i })) continue
    admitted++
    void pool.add(`k${i}`, () => gate)
  }
  assert.equal(admitted, MAX_QUEUED)
  assert.equal(logged.length, 1)
  open()
  await pool.flush()
  // Drained: admitted again, and a later overflow is logged again.
  assert.ok(pool.admit({}))
  for (let i = 0; i < MAX_QUEUED; i++) void pool.add(`again-${i}`, () => gate)
  assert.ok(!pool.admit({}))
  assert.equal(logged.length, 2)
  await pool.flush()
})

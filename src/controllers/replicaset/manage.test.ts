import assert from "node:assert/strict"
import { test } from "node:test"
import { slowStartBatch } from "./manage.ts"

test("slowStartBatch() doubles batches while calls succeed", async () => {
  const sizes: number[] = []
  let inBatch = 0
  const r = await slowStartBatch(10, 1, async () => {
    inBatch++
    await Promise.resolve()
    if (inBatch) sizes.push(inBatch)
    inBatch = 0
  })
  assert.deepEqual(sizes, [1, 2, 4, 3])
  assert.equal(r.successes, 10)
  assert.equal(r.error, undefined)
})

test("slowStartBatch() stops after the first failing batch", async () => {
  let calls = 0
  const r = await slowStartBatch(20, 1, async () => {
    calls++
    if (calls > 3) throw new Error("quota")
  })
  // Batches of 1 and 2 succeed; the batch of 4 has one success before failures start.
  assert.equal(calls, 7)
  assert.equal(r.successes, 3)
  assert.match(String(r.error), /quota/)
})

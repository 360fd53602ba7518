import assert from "node:assert/strict"
import { test } from "node:test"
import { AsyncQueue } from "./async-queue.ts"

test("takeAll hands over every queued item at once, in order, and next() goes on after them", async () => {
  const q = new AsyncQueue<number>()
  assert.deepEqual(q.takeAll(), [])
  const first = q.next() // waiting: the first push goes straight to it
  q.push(1)
  q.push(2)
  q.push(3)
  assert.deepEqual(await first, { value: 1, done: false })
  assert.deepEqual(q.takeAll(), [2, 3])
  assert.equal(q.size, 0)
  q.push(4)
  assert.deepEqual(await q.next(), { value: 4, done: false })
  // After items were taken one by one, takeAll returns only those left.
  for (let i = 5; i < 10; i++) q.push(i)
  assert.deepEqual(await q.next(), { value: 5, done: false })
  assert.deepEqual(q.takeAll(), [6, 7, 8, 9])
  q.close()
  assert.deepEqual(await q.next(), { value: undefined, done: true })
})

test("takeAll(max) hands over at most max items, leaving the rest in order", async () => {
  const q = new AsyncQueue<number>()
  for (let i = 0; i < 6; i++) q.push(i)
  assert.deepEqual(q.takeAll(2), [0, 1])
  assert.equal(q.size, 4)
  assert.deepEqual(await q.next(), { value: 2, done: false })
  assert.deepEqual(q.takeAll(2), [3, 4])
  assert.deepEqual(q.takeAll(2), [5])
  assert.deepEqual(q.takeAll(2), [])
  q.push(6)
  assert.deepEqual(await q.next(), { value: 6, done: false })
})

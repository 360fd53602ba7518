import assert from "node:assert/strict"
import { test } from "node:test"
import type { Pod } from "kubernetes-types/core/v1.js"
import { FakeClock } from "../../util/index.ts"
import { EXPECTATIONS_TIMEOUT_MS, PodExpectations } from "./expectations.ts"

function cache(pods: Record<string, Pod>) {
  return { get: (k: string) => pods[k] }
}

test("PodExpectations: satisfied once the cache shows every create", () => {
  const e = new PodExpectations(new FakeClock())
  e.created("ns/rs", "ns/a")
  e.created("ns/rs", "ns/b")
  assert.equal(e.satisfied("ns/rs", cache({ "ns/a": {} })), false)
  assert.equal(e.satisfied("ns/rs", cache({ "ns/a": {}, "ns/b": {} })), true)
  assert.equal(e.satisfied("ns/other", cache({})), true)
})

test("PodExpectations: a delete is seen when the pod is gone, replaced or terminating", () => {
  const e = new PodExpectations(new FakeClock())
  e.deleted("ns/rs", "ns/a", "u1")
  e.deleted("ns/rs", "ns/b", "u2")
  e.deleted("ns/rs", "ns/c", "u3")
  const pods = {
    "ns/a": { metadata: { uid: "u1" } },
    "ns/b": { metadata: { uid: "other" } },
    "ns/c": { metadata: { uid: "u3", deletionTimestamp: "2026-01-01T00:00:00Z" } },
  }
  assert.equal(e.satisfied("ns/rs", cache(pods)), false)
  assert.equal(e.satisfied("ns/rs", cache({})), true)
})

test("PodExpectations: a create deleted before the cache saw it, or a stale one, stops blocking", async () => {
  const clock = new FakeClock()
  const e = new PodExpectations(clock)
  e.created("ns/rs", "ns/a")
  e.observeDeleted("ns/rs", "ns/a")
  assert.equal(e.satisfied("ns/rs", cache({})), true)
  e.created("ns/rs", "ns/b")
  await clock.advance(EXPECTATIONS_TIMEOUT_MS + 1)
  assert.equal(e.satisfied("ns/rs", cache({})), true)
})

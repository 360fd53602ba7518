import assert from "node:assert/strict"
import { test } from "node:test"
import type { Pod } from "kubernetes-types/core/v1.js"
import type { ApiObject, ResourceRef } from "../api/index.ts"
import type { Informers } from "../client/index.ts"
import { defaultSpreadSelector } from "./default-selector.ts"

/** Informers whose caches hold `objs` by resource name (every namespace the same). */
function informersOf(objs: Record<string, ApiObject[]>): Informers {
  const get = (ref: ResourceRef) => ({ cache: { byIndex: () => objs[ref.resource] ?? [] } })
  return { get } as unknown as Informers
}

const pod = (labels: Record<string, string>): Pod => ({
  metadata: { name: "p", namespace: "default", labels },
})

test("the conjunction of the selectors of the Services and ReplicaSets that select the pod", () => {
  const rs = Object.freeze({
    metadata: { name: "web-1", namespace: "default" },
    spec: { selector: { matchLabels: { app: "web", hash: "1" } } },
  })
  const svc = Object.freeze({
    metadata: { name: "web", namespace: "default" },
    spec: { selector: { app: "web" } },
  })
  const other = { metadata: { name: "db", namespace: "default" }, spec: { selector: { app: "db" } } }
  const empty = { metadata: { name: "none", namespace: "default" }, spec: { selector: {} } }
  const select = defaultSpreadSelector(
    informersOf({ services: [svc, other, empty], replicasets: [rs] }) as Informers,
  )
  const first = select(pod({ app: "web", hash: "1" }))
  for (let round = 0; round < 2; round++) {
    // The second round reads the compiled selectors of the frozen objects again.
    const m = select(pod({ app: "web", hash: "1" }))
    assert.ok(m)
    assert.equal(m({ app: "web", hash: "1", extra: "x" }), true)
    assert.equal(m({ app: "web", hash: "2" }), false)
    // Pods the same objects select get the same matcher (spreading keeps its counts by matcher).
    assert.equal(m, first)
  }
  // Only the Service selects it: its selector alone.
  const svcOnly = select(pod({ app: "web", hash: "2" }))
  assert.equal(svcOnly?.({ app: "web" }), true)
  assert.equal(select(pod({ app: "cache" })), undefined)
  assert.equal(select(pod({})), undefined)
})

test("a newer version of a controller with the same selector gets the same matcher", () => {
  const version = (replicas: number) =>
    Object.freeze({
      metadata: { name: "web-1", namespace: "default" },
      spec: {
        replicas,
        selector: {
          matchLabels: { app: "web" },
          matchExpressions: [{ key: "hash", operator: "In", values: ["1"] }],
        },
      },
    })
  const objs: Record<string, ApiObject[]> = { replicasets: [version(1)] }
  const select = defaultSpreadSelector(informersOf(objs))
  const before = select(pod({ app: "web", hash: "1" }))
  assert.ok(before)
  objs.replicasets = [version(2)]
  assert.equal(select(pod({ app: "web", hash: "1" })), before)
  // Another selector compiles to its own matcher.
  objs.replicasets = [
    Object.freeze({
      metadata: { name: "web-2", namespace: "default" },
      spec: { selector: { matchLabels: { app: "web" } } },
    }),
  ]
  const other = select(pod({ app: "web", hash: "1" }))
  assert.ok(other && other !== before)
  assert.equal(other({ app: "web", hash: "2" }), true)
  assert.equal(before({ app: "web", hash: "2" }), false)
})

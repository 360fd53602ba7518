import assert from "node:assert/strict"
import { describe, test } from "node:test"
import type { ApiObject } from "../../api/index.ts"
import { type ConfigurationCache, hooksOf, WebhookSource } from "./source.ts"

function config(name: string, hooks: string[], selector?: object): ApiObject {
  return {
    apiVersion: "admissionregistration.k8s.io/v1",
    kind: "MutatingWebhookConfiguration",
    metadata: { name },
    webhooks: hooks.map((h) => ({ name: h, namespaceSelector: selector ?? {}, objectSelector: {} })),
  } as ApiObject
}

/** A cache whose changes are announced, or not (a relist refills it silently). */
function cache(): ConfigurationCache & { objects: Map<string, ApiObject>; announce(): void } {
  const listeners: (() => void)[] = []
  return {
    objects: new Map(),
    subscribe(fn) {
      listeners.push(fn)
      return () => {}
    },
    announce: () => listeners.forEach((fn) => fn()),
  }
}

describe("hooksOf()", () => {
  test("uids count a name's repeats; empty selectors compile to none", () => {
    const hooks = hooksOf(config("cfg", ["a.x.io", "b.x.io", "a.x.io"]) as never, true)
    assert.deepEqual(
      hooks.map((h) => h.uid),
      ["cfg/a.x.io/0", "cfg/b.x.io/0", "cfg/a.x.io/1"],
    )
    assert.equal(hooks[0]?.namespaceSelector, undefined)
    const selected = hooksOf(config("cfg", ["a.x.io"], { matchLabels: { a: "b" } }) as never, true)[0]
    assert.equal(selected?.namespaceSelector?.({ a: "b" }), true)
    assert.equal(selected?.namespaceSelector?.({}), false)
  })
})

describe("WebhookSource", () => {
  test("lists configurations by name, each one's webhooks in its order", () => {
    const loads = { lists: 1 }
    const m = cache()
    m.objects.set("k2", config("b", ["z.x.io"]))
    m.objects.set("k1", config("a", ["y.x.io", "b.x.io"]))
    const source = new WebhookSource(m, cache(), loads)
    assert.deepEqual(
      source.mutating().map((h) => h.uid),
      ["a/y.x.io/0", "a/b.x.io/0", "b/z.x.io/0"],
    )
    assert.equal(source.validating().length, 0)
  })

  test("keeps the list until a change is announced or the watch cache lists again", () => {
    const loads = { lists: 1 }
    const m = cache()
    m.objects.set("k1", config("a", ["one.x.io"]))
    const source = new WebhookSource(m, cache(), loads)
    const first = source.mutating()
    assert.equal(source.mutating(), first, "the same array")
    m.objects.set("k1", config("a", ["two.x.io"]))
    assert.equal(source.mutating(), first, "not announced yet")
    m.announce()
    assert.deepEqual(
      source.mutating().map((h) => h.uid),
      ["a/two.x.io/0"],
    )
    // A relist refills the cache without events, here with as many configurations as before.
    m.objects.clear()
    m.objects.set("k3", config("c", ["three.x.io"]))
    loads.lists = 2
    assert.deepEqual(
      source.mutating().map((h) => h.uid),
      ["c/three.x.io/0"],
    )
    // And one that empties it.
    m.objects.clear()
    loads.lists = 3
    assert.equal(source.mutating().length, 0)
  })
})

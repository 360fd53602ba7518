import assert from "node:assert/strict"
import { describe, test } from "node:test"
import type { ApiObject } from "../../api/index.ts"
import type { ConfigurationCache } from "../webhook/source.ts"
import { PolicySource } from "./source.ts"

/** A cache whose objects the test changes, telling subscribers as the watch cache does. */
function cache(objects: object[] = []) {
  const subscribers: (() => void)[] = []
  const map = new Map<string, ApiObject>()
  const set = (o: object) => map.set((o as ApiObject).metadata?.name ?? "", o as ApiObject)
  objects.forEach(set)
  const c: ConfigurationCache & { put(o: object): void } = {
    objects: map,
    subscribe: (fn) => (subscribers.push(fn), () => {}),
    put(o) {
      set(o)
      for (const fn of subscribers) fn()
    },
  }
  return c
}

const MATCH = { matchPolicy: "Equivalent", namespaceSelector: {}, objectSelector: {}, resourceRules: [] }
const policy = (name: string, expression = "true") => ({
  metadata: { name },
  spec: { failurePolicy: "Fail", matchConstraints: MATCH, validations: [{ expression }] },
})
const binding = (name: string, policyName: string) => ({ metadata: { name }, spec: { policyName } })

describe("PolicySource", () => {
  test("without bindings there is nothing to enforce", () => {
    const s = new PolicySource(cache([policy("p")]), cache(), { lists: 1 })
    assert.equal(s.hooks().length, 0)
    assert.equal(s.hooks(), s.hooks())
  })

  test("policies some binding names, in name order, with their bindings in name order", () => {
    const s = new PolicySource(
      cache([policy("zeta"), policy("alpha"), policy("unbound")]),
      cache([
        binding("b2", "alpha"),
        binding("b1", "alpha"),
        binding("z", "zeta"),
        binding("dangling", "none"),
      ]),
      { lists: 1 },
    )
    const hooks = s.hooks()
    assert.deepEqual(
      hooks.map((h) => [h.policy.metadata?.name, h.bindings.map((b) => b.binding.metadata?.name)]),
      [
        ["alpha", ["b1", "b2"]],
        ["zeta", ["z"]],
      ],
    )
    assert.ok("program" in (hooks[0]?.compiled.validations[0]?.expression ?? {}))
  })

  test("rebuilt when a policy or binding changes; an unchanged policy is not compiled again", () => {
    const policies = cache([policy("a"), policy("b")])
    const bindings = cache([binding("ba", "a")])
    const s = new PolicySource(policies, bindings, { lists: 1 })
    const first = s.hooks()
    assert.equal(s.hooks(), first)
    bindings.put(binding("bb", "b"))
    const second = s.hooks()
    assert.notEqual(second, first)
    assert.equal(second[0]?.compiled, first[0]?.compiled)
    policies.put(policy("a", "false"))
    assert.notEqual(s.hooks()[0]?.compiled, first[0]?.compiled)
  })

  test("rebuilt after a relist that swaps a policy without changing how many there are", () => {
    const policies = cache([policy("a")])
    const loads = { lists: 1 }
    const s = new PolicySource(policies, cache([binding("ba", "a"), binding("bb", "b")]), loads)
    assert.deepEqual(
      s.hooks().map((h) => h.policy.metadata?.name),
      ["a"],
    )
    // The relist refills the cache without events: "a" is gone, "b" came, as many as before.
    const objects = policies.objects as Map<string, ApiObject>
    objects.clear()
    objects.set("b", policy("b") as ApiObject)
    loads.lists = 2
    assert.deepEqual(
      s.hooks().map((h) => h.policy.metadata?.name),
      ["b"],
    )
  })

  test("a policy without matchConstraints keeps upstream's error for when it is dispatched", () => {
    const s = new PolicySource(cache([{ metadata: { name: "p" }, spec: {} }]), cache([binding("b", "p")]), {
      lists: 1,
    })
    assert.deepEqual(s.hooks()[0]?.match, {
      error: "policy contained no match constraints, a required field",
    })
  })
})

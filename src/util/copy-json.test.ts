import assert from "node:assert/strict"
import { test } from "node:test"
import { copyJson } from "./copy-json.ts"

const cases: readonly { name: string; value: unknown }[] = [
  { name: "null", value: null },
  { name: "a string", value: "x" },
  { name: "a number", value: 3.5 },
  { name: "a boolean", value: false },
  { name: "an empty object", value: {} },
  { name: "an empty array", value: [] },
  {
    name: "a pod template",
    value: {
      metadata: { labels: { app: "web" }, annotations: undefined },
      spec: { containers: [{ name: "c", image: "nginx", ports: [{ containerPort: 80 }], args: [] }] },
    },
  },
  { name: "nested arrays", value: [[1, [2, null]], [{ a: [true] }]] },
  {
    name: "a parsed __proto__ key",
    value: JSON.parse('{"a":1,"__proto__":{"$patch":"delete"},"b":[{"__proto__":2}]}'),
  },
]
for (const c of cases) {
  test(`copyJson(): ${c.name} copies as structuredClone does`, () => {
    assert.deepStrictEqual(copyJson(c.value), structuredClone(c.value))
  })
}

test("copyJson(): the copy shares nothing with a frozen original and can be changed", () => {
  const original = Object.freeze({
    spec: Object.freeze({ containers: Object.freeze([Object.freeze({ name: "c" })]) }),
  })
  const copy = copyJson(original)
  assert.notEqual(copy.spec, original.spec)
  assert.notEqual(copy.spec.containers[0], original.spec.containers[0])
  ;(copy.spec.containers[0] as { name: string }).name = "d"
  assert.equal(original.spec.containers[0]?.name, "c")
  assert.ok("annotations" in copyJson({ annotations: undefined }))
})

test("copyJson(): a parsed __proto__ key stays an own key, not the copy's prototype", () => {
  const copy = copyJson(JSON.parse('{"__proto__":{"x":1}}') as Record<string, unknown>)
  assert.equal(Object.getPrototypeOf(copy), Object.prototype)
  assert.deepEqual(Object.keys(copy), ["__proto__"])
  assert.ok(!("x" in copy))
})

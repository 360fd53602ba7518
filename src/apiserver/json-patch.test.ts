import assert from "node:assert/strict"
import { describe, test } from "node:test"
import { JsonPatchError, applyJsonPatch } from "./json-patch.ts"

/** What applying `ops` to `doc` gives, or the JsonPatchError's message. */
function run(doc: object, ops: unknown[], maxCopyBytes?: number): unknown {
  try {
    return applyJsonPatch(doc, ops, maxCopyBytes)
  } catch (err) {
    assert.ok(err instanceof JsonPatchError, String(err))
    return err.message
  }
}

// Each case as gopkg.in/evanphx/json-patch.v4 (v4.13, upstream's) applies it; the messages are
// its errors' (a mutating webhook's failed patch shows them).
const cases: { name: string; doc: object; ops: unknown[]; want: unknown }[] = [
  {
    name: "add, remove and test of object members",
    doc: { a: { b: 1 }, c: 2 },
    ops: [
      { op: "add", path: "/a/d", value: [1] },
      { op: "remove", path: "/c" },
      { op: "test", path: "/a/b", value: 1 },
    ],
    want: { a: { b: 1, d: [1] } },
  },
  {
    name: "replace of a missing member adds it (v4 departs from the RFC)",
    doc: { a: {} },
    ops: [{ op: "replace", path: "/a/new", value: "x" }],
    want: { a: { new: "x" } },
  },
  {
    name: "replace of the whole document",
    doc: { a: 1 },
    ops: [{ op: "replace", path: "", value: { b: 2 } }],
    want: { b: 2 },
  },
  {
    name: "replace of the whole document by a scalar",
    doc: { a: 1 },
    ops: [{ op: "replace", path: "", value: "x" }],
    want: "replace operation value must be object or array: %!w(<nil>)",
  },
  {
    name: "test of the whole document",
    doc: { a: [1, { b: null }] },
    ops: [{ op: "test", path: "", value: { a: [1, { b: null }] } }],
    want: { a: [1, { b: null }] },
  },
  {
    name: "add at the path of the whole document",
    doc: { a: 1 },
    ops: [{ op: "add", path: "", value: {} }],
    want: 'add operation does not apply: doc is missing path: "": missing value',
  },
  {
    name: "add into an array: at an index, at -, at -1 (appends)",
    doc: { a: [1, 2] },
    ops: [
      { op: "add", path: "/a/0", value: 0 },
      { op: "add", path: "/a/-", value: 3 },
      { op: "add", path: "/a/-1", value: 4 },
      { op: "add", path: "/a/5", value: 5 },
    ],
    want: { a: [0, 1, 2, 3, 4, 5] },
  },
  {
    name: "add past an array's end",
    doc: { a: [1] },
    ops: [{ op: "add", path: "/a/2", value: 2 }],
    want: "error in add for path: '/a/2': Unable to access invalid index: 2: invalid index referenced",
  },
  {
    name: "add at an index that is no number",
    doc: { a: [1] },
    ops: [{ op: "add", path: "/a/x", value: 2 }],
    want: `error in add for path: '/a/x': value was not a proper array index: 'x': strconv.Atoi: parsing "x": invalid syntax`,
  },
  {
    name: "remove and replace at negative indices",
    doc: { a: [1, 2, 3] },
    ops: [
      { op: "remove", path: "/a/-1" },
      { op: "replace", path: "/a/-2", value: 9 },
    ],
    want: { a: [9, 2] },
  },
  {
    name: "remove past an array's end",
    doc: { a: [1] },
    ops: [{ op: "remove", path: "/a/1" }],
    want: "error in remove for path: '/a/1': Unable to access invalid index: 1: invalid index referenced",
  },
  {
    name: "replace past an array's end",
    doc: { a: [1] },
    ops: [{ op: "replace", path: "/a/1", value: 2 }],
    want: "replace operation does not apply: doc is missing key: /a/1: missing value",
  },
  {
    name: "remove of a missing member",
    doc: { a: 1 },
    ops: [{ op: "remove", path: "/b" }],
    want: "error in remove for path: '/b': Unable to remove nonexistent key: b: missing value",
  },
  {
    name: "a path through a null member",
    doc: { n: null },
    ops: [{ op: "add", path: "/n/a", value: 1 }],
    want: 'add operation does not apply: doc is missing path: "/n/a": missing value',
  },
  {
    name: "a path through a scalar",
    doc: { s: "x" },
    ops: [{ op: "remove", path: "/s/length" }],
    want: 'remove operation does not apply: doc is missing path: "/s/length": missing value',
  },
  {
    name: "move, then copy (a deep copy)",
    doc: { a: { b: [1] } },
    ops: [
      { op: "move", from: "/a/b", path: "/c" },
      { op: "copy", from: "/c", path: "/d" },
      { op: "add", path: "/d/-", value: 2 },
    ],
    want: { a: {}, c: [1], d: [1, 2] },
  },
  {
    name: "move of a missing member",
    doc: { a: 1 },
    ops: [{ op: "move", from: "/zz", path: "/b" }],
    want: "error in move for path: 'zz': Unable to remove nonexistent key: zz: missing value",
  },
  {
    name: "move into its own child",
    doc: { a: { b: 1 } },
    ops: [{ op: "move", from: "/a", path: "/a/c" }],
    want: "move operation does not apply: doc is missing destination path: /a/c: missing value",
  },
  {
    name: "copy of a missing member writes null",
    doc: { a: 1 },
    ops: [{ op: "copy", from: "/zz", path: "/b" }],
    want: { a: 1, b: null },
  },
  {
    name: "add and replace without a value write null",
    doc: { a: 1 },
    ops: [
      { op: "add", path: "/b" },
      { op: "replace", path: "/a" },
    ],
    want: { a: null, b: null },
  },
  {
    name: "test of a missing or null member against null or no value passes",
    doc: { n: null },
    ops: [
      { op: "test", path: "/n", value: null },
      { op: "test", path: "/zz" },
      { op: "test", path: "/zz", value: null },
    ],
    want: { n: null },
  },
  {
    name: "a failed test",
    doc: { a: { b: 1 } },
    ops: [{ op: "test", path: "/a", value: { b: 1, c: null } }],
    want: "testing value /a failed: test failed",
  },
  {
    name: "test of a missing member against a value",
    doc: {},
    ops: [{ op: "test", path: "/toString", value: "x" }],
    want: "testing value /toString failed: test failed",
  },
  {
    name: "~1 and ~0 decoded in one pass",
    doc: {},
    ops: [
      { op: "add", path: "/a~1b", value: 1 },
      { op: "add", path: "/c~01", value: 2 },
    ],
    want: { "a/b": 1, "c~1": 2 },
  },
  {
    name: "what comes before the first slash is ignored",
    doc: { a: 1 },
    ops: [{ op: "add", path: "x/b", value: 2 }],
    want: { a: 1, b: 2 },
  },
  {
    name: "an unknown op",
    doc: {},
    ops: [{ op: "bogus", path: "/a" }],
    want: "Unexpected kind: bogus",
  },
  {
    name: "an op that is no string, and a null operation",
    doc: {},
    ops: [{ op: 1, path: "/a" }, null],
    want: "Unexpected kind: unknown",
  },
  {
    name: "add without a path",
    doc: {},
    ops: [{ op: "add", value: 1 }],
    want: "add operation failed to decode path: missing value",
  },
  {
    name: "replace with a path that is no string",
    doc: {},
    ops: [{ op: "replace", path: 5, value: 1 }],
    want: "replace operation failed to decode path: json: cannot unmarshal number into Go value of type string",
  },
  {
    name: "move without a from",
    doc: {},
    ops: [{ op: "move", path: "/a" }],
    want: "move operation failed to decode from: operation, missing from field: missing value",
  },
]

describe("applyJsonPatch", () => {
  for (const c of cases) {
    test(c.name, () => {
      assert.deepEqual(run(c.doc, c.ops), c.want)
    })
  }

  test("copies are counted against the limit, as json.Marshal writes them", () => {
    const doc = { a: "<&>" } // 20 bytes as Go marshals it: "\u003c\u0026\u003e"
    assert.deepEqual(run(doc, [{ op: "copy", from: "/a", path: "/b" }], 20), { a: "<&>", b: "<&>" })
    assert.equal(
      run(
        doc,
        [
          { op: "copy", from: "/a", path: "/b" },
          { op: "copy", from: "/a", path: "/c" },
        ],
        20,
      ),
      "Unable to complete the copy, the accumulated size increase of copy is 40, exceeding the limit 20",
    )
  })

  test("doubling copies stop at upstream's 3 MiB", () => {
    const ops = [{ op: "add", path: "/a", value: ["x".repeat(1000)] }]
    for (let i = 0; i < 40; i++) ops.push({ op: "copy", from: "/a", path: "/a/-" } as never)
    assert.match(String(run({}, ops)), /^Unable to complete the copy, .* exceeding the limit 3145728$/)
  })

  test("__proto__, constructor and toString are members like any other", () => {
    const got = run({ a: {} }, [
      { op: "add", path: "/a/__proto__", value: { polluted: true } },
      { op: "replace", path: "/a/constructor", value: "c" },
      { op: "copy", from: "/a/__proto__", path: "/a/toString" },
    ]) as { a: Record<string, unknown> }
    assert.equal(Object.getPrototypeOf(got.a), Object.prototype)
    assert.deepEqual(Object.keys(got.a), ["__proto__", "constructor", "toString"])
    assert.deepEqual(Object.getOwnPropertyDescriptor(got.a, "__proto__")?.value, { polluted: true })
    assert.equal(({} as Record<string, unknown>).polluted, undefined)
    assert.equal(
      run({ a: {} }, [{ op: "remove", path: "/a/constructor" }]),
      "error in remove for path: '/a/constructor': Unable to remove nonexistent key: constructor: missing value",
    )
    assert.deepEqual(run({ a: {} }, [{ op: "test", path: "/a/hasOwnProperty", value: null }]), { a: {} })
  })

  test("leaves the document and the patch as they were", () => {
    const doc = { a: { b: [1] } }
    const value = { c: [2] }
    const ops = [
      { op: "add", path: "/v", value },
      { op: "add", path: "/v/c/-", value: 3 },
      { op: "add", path: "/a/b/-", value: 4 },
    ]
    assert.deepEqual(run(doc, ops), { a: { b: [1, 4] }, v: { c: [2, 3] } })
    assert.deepEqual(doc, { a: { b: [1] } })
    assert.deepEqual(value, { c: [2] })
  })
})

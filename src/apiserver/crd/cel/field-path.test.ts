import assert from "node:assert/strict"
import { describe, test } from "node:test"
import type { StructuralSchema as Schema } from "../../../api/index.ts"
import { validFieldPath } from "./field-path.ts"

const schema: Schema = {
  type: "object",
  properties: {
    spec: {
      type: "object",
      properties: {
        "a.b": { type: "string" },
        labels: {
          type: "object",
          additionalProperties: { type: "object", properties: { x: { type: "string" } } },
        },
        list: { type: "array", items: { type: "string" } },
      },
    },
  },
}

const cases: { name: string; path: string; want: string }[] = [
  { name: "a field", path: ".spec", want: "spec" },
  { name: "a dotted name in brackets", path: ".spec['a.b']", want: "spec.a.b" },
  { name: "a map key and a field below it", path: ".spec.labels['k.1'].x", want: "spec.labels[k.1].x" },
  { name: "a map key after a dot", path: ".spec.labels.key", want: "spec.labels[key]" },
  { name: "escapes in a quoted name", path: ".spec.labels['it\\'s']", want: "spec.labels[it's]" },
  { name: "no leading dot", path: "spec", want: "error: expected [ or . but got: spec" },
  { name: "an unknown field", path: ".spec.nope", want: "error: does not refer to a valid field" },
  { name: "below a list", path: ".spec.list.x", want: "error: does not refer to a valid field" },
  { name: "an index", path: ".spec.list[0]", want: "error: expected single quoted string but got 0" },
  { name: "an unclosed bracket", path: ".spec['a.b'", want: "error: unexpected end of JSON path" },
  { name: "a trailing dot", path: ".spec.", want: "error: unexpected end of JSON path" },
]

describe("validFieldPath", () => {
  for (const c of cases) {
    test(c.name, () => {
      let got: string
      try {
        got = validFieldPath(c.path, schema).path
      } catch (err) {
        got = `error: ${(err as Error).message}`
      }
      assert.equal(got, c.want)
    })
  }
})

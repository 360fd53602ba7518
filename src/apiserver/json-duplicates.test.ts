import assert from "node:assert/strict"
import { describe, test } from "node:test"
import { duplicateFields } from "./json-duplicates.ts"

describe("duplicateFields()", () => {
  const cases: { name: string; input: string; want: string[] }[] = [
    { name: "none", input: `{"a":1,"b":{"a":2},"c":[{"a":1},{"a":2}]}`, want: [] },
    {
      name: "at every depth, in document order",
      input: `{"spec":{"paused":true,"paused":false,"x":[{"n":1,"n":2}]},"spec":{}}`,
      want: ["spec.paused", "spec.x[0].n", "spec"],
    },
    { name: "escaped keys compare decoded", input: `{"a\\u0062":1, "ab" :2}`, want: ["ab"] },
    { name: "strings with quotes and brackets", input: `{"s":"a\\"}{,","t":[1,"]"],"s":null}`, want: ["s"] },
    {
      name: "keys and values ending in backslashes",
      input: `{"k\\\\":"v\\\\","k\\\\":"\\"\\\\\\"","w":"${"x".repeat(2000)}","w":1}`,
      want: ["k\\", "w"],
    },
    { name: "not an object", input: ` [1, 2, {"k": true, "k": false}] `, want: ["[2].k"] },
  ]
  for (const c of cases) test(c.name, () => assert.deepEqual(duplicateFields(c.input), c.want))
})

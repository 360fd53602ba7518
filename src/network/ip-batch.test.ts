import assert from "node:assert/strict"
import { test } from "node:test"
import { batchErrors } from "./ip-batch.ts"

const cases: { name: string; stderr: string; want: [number, string][] }[] = [
  { name: "no failure", stderr: "", want: [] },
  {
    name: "each message goes to the line named after it",
    stderr: [
      'Device "vk1" does not exist.',
      "Command failed -:2",
      'Cannot find device "vk2"',
      "Error: argument is wrong",
      "Command failed -:4",
      "",
    ].join("\n"),
    want: [
      [2, 'Device "vk1" does not exist.'],
      [4, 'Cannot find device "vk2"; Error: argument is wrong'],
    ],
  },
]

for (const c of cases) {
  test(`batchErrors(): ${c.name}`, () => {
    assert.deepEqual([...batchErrors(c.stderr)], c.want)
  })
}

import assert from "node:assert/strict"
import { test } from "node:test"
import { CidrSet } from "./cidr-set.ts"

const cases: { name: string; input: () => (string | undefined)[]; want: (string | undefined)[] }[] = [
  {
    name: "allocateNext() hands out the subnets in order, then nothing",
    input: () => {
      const s = new CidrSet("10.1.0.0/23", 24)
      return [s.allocateNext(), s.allocateNext(), s.allocateNext()]
    },
    want: ["10.1.0.0/24", "10.1.1.0/24", undefined],
  },
  {
    name: "allocateNext() skips occupied subnets and those overlapping the service range",
    input: () => {
      const s = new CidrSet("10.1.0.0/22", 24)
      s.occupy("10.1.0.0/24")
      s.occupyOverlapping("10.1.1.128/25")
      return [s.allocateNext(), s.allocateNext(), s.allocateNext()]
    },
    want: ["10.1.2.0/24", "10.1.3.0/24", undefined],
  },
  {
    name: "a released subnet comes back after the others (the search goes on from the last)",
    input: () => {
      const s = new CidrSet("10.1.0.0/22", 24)
      const first = s.allocateNext() ?? ""
      s.release(first)
      return [s.allocateNext(), s.allocateNext(), s.allocateNext(), s.allocateNext()]
    },
    want: ["10.1.1.0/24", "10.1.2.0/24", "10.1.3.0/24", "10.1.0.0/24"],
  },
  {
    name: "occupy() refuses subnets of another size or range",
    input: () => {
      const s = new CidrSet("10.1.0.0/16", 26)
      return [
        String(s.occupy("10.1.0.64/26")),
        String(s.occupy("10.1.0.0/24")),
        String(s.occupy("10.2.0.0/26")),
      ]
    },
    want: ["true", "false", "false"],
  },
]
for (const c of cases) test(c.name, () => assert.deepEqual(c.input(), c.want))

test("new CidrSet() refuses mask sizes that do not fit", () => {
  assert.throws(() => new CidrSet("10.1.0.0/16", 12), /Cannot split "10.1.0.0\/16" into \/12 subnets/)
  assert.throws(() => new CidrSet("10.0.0.0/8", 28), /at most 16 bits more/)
})

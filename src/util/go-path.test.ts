import assert from "node:assert/strict"
import { test } from "node:test"
import { goCleanRooted } from "./go-path.ts"

// Each as Go's path.Join("/", p) gives it.
const cases: [string, string][] = [
  ["", "/"],
  ["/", "/"],
  ["a/b", "/a/b"],
  ["/a//b/", "/a/b"],
  ["./a/./b", "/a/b"],
  ["a/../b", "/b"],
  ["../x", "/x"],
  ["/../../x/..", "/"],
]
for (const [p, want] of cases) {
  test(`goCleanRooted(${JSON.stringify(p)}) is ${want}`, () => assert.equal(goCleanRooted(p), want))
}

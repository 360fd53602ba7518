import assert from "node:assert/strict"
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { after, test } from "node:test"
import { holdForwarding, releaseForwarding } from "./forwarding.ts"

const root = mkdtempSync(join(tmpdir(), "k8ts-forwarding-"))
after(() => rmSync(root, { recursive: true, force: true }))
let n = 0
function setup(value: string) {
  const sysctl = join(root, `ip_forward-${++n}`)
  writeFileSync(sysctl, `${value}\n`)
  return { opts: { dir: join(root, `dir-${n}`), sysctl }, read: () => readFileSync(sysctl, "utf8").trim() }
}

test("the last holder to let go restores the machine's value", async () => {
  const { opts, read } = setup("0")
  await holdForwarding("a", opts)
  await holdForwarding("b", opts)
  assert.equal(read(), "1")
  await releaseForwarding("a", opts)
  assert.equal(read(), "1", "b still needs it")
  assert.ok(existsSync(opts.dir))
  await releaseForwarding("b", opts)
  assert.equal(read(), "0")
  assert.equal(existsSync(opts.dir), false, "the meeting place goes with the last holder")
  await holdForwarding("c", opts)
  assert.equal(read(), "1", "a new holder starts over")
  await releaseForwarding("c", opts)
  assert.equal(read(), "0")
})

test("a holder whose process is gone does not keep forwarding on", async () => {
  const { opts, read } = setup("0")
  await holdForwarding("a", opts)
  writeFileSync(join(opts.dir, "holders", "crashed"), "999999999")
  await releaseForwarding("a", opts)
  assert.equal(read(), "0")
})

test("a machine that forwarded already keeps forwarding", async () => {
  const { opts, read } = setup("1")
  await holdForwarding("a", opts)
  await releaseForwarding("a", opts)
  assert.equal(read(), "1")
})

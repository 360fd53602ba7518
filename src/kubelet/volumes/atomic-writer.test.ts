import assert from "node:assert/strict"
import { lstatSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { after, describe, test } from "node:test"
import { type Payload, writeAtomically } from "./atomic-writer.ts"

const root = mkdtempSync(join(tmpdir(), "k8ts-atomic-"))
after(() => rmSync(root, { recursive: true, force: true }))

function file(text: string, mode = 0o644) {
  return { data: Buffer.from(text), mode }
}

describe("writeAtomically()", () => {
  test("lays files out in a timestamped directory behind ..data, each top-level name a link through it", () => {
    const dir = join(root, "layout")
    assert.equal(writeAtomically(dir, { a: file("1"), "sub/b": file("2", 0o400) }), true)
    const data = readlinkSync(join(dir, "..data"))
    assert.match(data, /^\.\.\d{4}_\d{2}_\d{2}_\d{2}_\d{2}_\d{2}\.\w+$/)
    assert.equal(readlinkSync(join(dir, "a")), "..data/a")
    assert.equal(readlinkSync(join(dir, "sub")), "..data/sub")
    assert.equal(readFileSync(join(dir, "a"), "utf8"), "1")
    assert.equal(readFileSync(join(dir, "sub/b"), "utf8"), "2")
    assert.equal(statSync(join(dir, "sub/b")).mode & 0o777, 0o400)
    assert.equal(statSync(join(dir, "a")).mode & 0o777, 0o644)
  })

  test("an update swaps ..data to a new directory, drops removed names and the old directory", () => {
    const dir = join(root, "update")
    writeAtomically(dir, { a: file("old"), gone: file("x") })
    const before = readlinkSync(join(dir, "..data"))
    assert.equal(writeAtomically(dir, { a: file("new"), added: file("y") }), true)
    const now = readlinkSync(join(dir, "..data"))
    assert.notEqual(now, before)
    assert.equal(readFileSync(join(dir, "a"), "utf8"), "new")
    assert.equal(readFileSync(join(dir, "added"), "utf8"), "y")
    assert.throws(() => lstatSync(join(dir, "gone")))
    assert.deepEqual(readdirSync(dir).sort(), ["..data", now, "a", "added"].sort())
  })

  test("writes nothing when the payload is unchanged", () => {
    const dir = join(root, "same")
    const payload: Payload = { a: file("1") }
    writeAtomically(dir, payload)
    const before = readlinkSync(join(dir, "..data"))
    assert.equal(writeAtomically(dir, { a: file("1") }), false)
    assert.equal(readlinkSync(join(dir, "..data")), before)
    assert.equal(writeAtomically(dir, { a: file("1", 0o600) }), true)
  })

  for (const [path, want] of [
    ["/abs", "invalid path: must be relative path: /abs"],
    ["a/../b", "invalid path: must not contain '..': a/../b"],
    ["..hidden", "invalid path: must not start with '..': ..hidden"],
  ] as const) {
    test(`rejects the path ${path}`, () => {
      assert.throws(() => writeAtomically(join(root, "bad"), { [path]: file("x") }), { message: want })
    })
  }
})

import assert from "node:assert/strict"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { after, test } from "node:test"
import { CriLogWriter } from "../runtime/cri-log.ts"
import type { ContainerInfo } from "../runtime/runtime.ts"
import { terminationMessage } from "./termination-message.ts"

const root = mkdtempSync(join(tmpdir(), "k8ts-term-"))
after(() => rmSync(root, { recursive: true, force: true }))
const logPath = join(root, "c.log")
const log = new CriLogWriter(logPath)
for (let i = 1; i <= 100; i++) log.write("stdout", Buffer.from(`line ${i}\n`))
log.close()

function info(exitCode: number): ContainerInfo {
  return {
    id: "c1",
    sandboxId: "s",
    podUid: "u",
    name: "c",
    image: "busybox",
    attempt: 0,
    state: "exited",
    startedAt: 0,
    exitCode,
    logPath,
  }
}

test("terminationMessage() reads the file the container wrote", () => {
  const path = join(root, "msg")
  writeFileSync(path, "done: 3 items")
  assert.equal(terminationMessage(info(0), { path, fallbackToLogs: false }), "done: 3 items")
})

test("terminationMessage() keeps the last 4096 bytes of a long file", () => {
  const path = join(root, "long")
  writeFileSync(path, `${"a".repeat(5000)}END`)
  const got = terminationMessage(info(0), { path, fallbackToLogs: false })
  assert.equal(got.length, 4096)
  assert.ok(got.endsWith("END"))
})

test("terminationMessage() falls back to the last 80 log lines on a failed exit with an empty file", () => {
  const path = join(root, "empty")
  writeFileSync(path, "")
  const got = terminationMessage(info(1), { path, fallbackToLogs: true })
  assert.ok(got.startsWith("line 21\n"), got.slice(0, 20))
  assert.ok(got.endsWith("line 100\n"))
  assert.equal(terminationMessage(info(0), { path, fallbackToLogs: true }), "")
  assert.equal(terminationMessage(info(1), { path, fallbackToLogs: false }), "")
})

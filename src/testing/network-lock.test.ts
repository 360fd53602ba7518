import assert from "node:assert/strict"
import { type ChildProcess, execFile, spawn, spawnSync } from "node:child_process"
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { promisify } from "node:util"
import { after, test } from "node:test"
import { acquireNetworkLock } from "./network-lock.ts"

const dir = mkdtempSync(join(tmpdir(), "k8ts-network-lock-"))
const children: ChildProcess[] = []
after(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL")
  rmSync(dir, { recursive: true, force: true })
})

let n = 0
const lockPath = () => join(dir, `lock-${++n}`)

/** The mark a lock held by `pid` carries: its PID and start time. */
function markOf(pid: number): string {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8")
  return `${pid} ${stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19]}\n`
}

test("acquire nests in one process; the last release removes the lock and nothing else is left", async () => {
  const path = lockPath()
  const release1 = await acquireNetworkLock({ path })
  assert.equal(readFileSync(path, "utf8"), markOf(process.pid))
  const release2 = await acquireNetworkLock({ path, timeoutMs: 0 })
  release2()
  assert.ok(existsSync(path), "held once more")
  release1()
  assert.ok(!existsSync(path))
  release1()
  assert.deepEqual(readdirSync(dir), [])
})

test("acquires of one process at once, while another holds the lock, nest once it is free", async () => {
  const path = lockPath()
  const holder = spawn("sleep", ["30"], { stdio: "ignore" })
  children.push(holder)
  writeFileSync(path, markOf(holder.pid as number))
  const both = Promise.all([1, 2].map(() => acquireNetworkLock({ path, timeoutMs: 5000, pollMs: 10 })))
  await new Promise((r) => setTimeout(r, 50))
  holder.kill("SIGKILL")
  const [release1, release2] = await both
  assert.equal(readFileSync(path, "utf8"), markOf(process.pid))
  release1?.()
  assert.ok(existsSync(path), "held once more")
  release2?.()
  assert.deepEqual(readdirSync(dir), [])
})

test("a live holder makes others wait; the timeout names it; once it dies its lock is taken over", async () => {
  const path = lockPath()
  const holder = spawn("sleep", ["30"], { stdio: "ignore" })
  children.push(holder)
  const pid = holder.pid as number
  writeFileSync(path, markOf(pid))
  const started = Date.now()
  await assert.rejects(
    acquireNetworkLock({ path, timeoutMs: 300, pollMs: 20 }),
    new RegExp(`network test lock .* within 0\\.3 s: process ${pid} \\(sleep 30\\) holds it`),
  )
  assert.ok(Date.now() - started >= 300, "it waited")
  const exited = new Promise((r) => holder.once("exit", r))
  holder.kill("SIGKILL")
  await exited
  const release = await acquireNetworkLock({ path, timeoutMs: 0 })
  assert.equal(readFileSync(path, "utf8"), markOf(process.pid))
  release()
  assert.deepEqual(readdirSync(dir), [])
})

test("a lock whose PID is gone, or now names another process, is taken over at once", async () => {
  const gone = spawnSync("true").pid
  const stillRunsWithOtherStart = `${process.ppid} 1\n`
  for (const mark of [`${gone} 123\n`, stillRunsWithOtherStart, "garbage\n"]) {
    const path = lockPath()
    writeFileSync(path, mark)
    const release = await acquireNetworkLock({ path, timeoutMs: 0 })
    assert.equal(readFileSync(path, "utf8"), markOf(process.pid), mark)
    release()
  }
  assert.deepEqual(readdirSync(dir), [])
})

test("processes taking the lock at once hold it one after another", async () => {
  const path = lockPath()
  const log = join(dir, "log")
  const script = `
    import { appendFileSync } from "node:fs"
    import { acquireNetworkLock } from ${JSON.stringify(new URL("./network-lock.ts", import.meta.url).pathname)}
    const release = await acquireNetworkLock({ path: ${JSON.stringify(path)}, pollMs: 5 })
    appendFileSync(${JSON.stringify(log)}, "+" + process.pid + "\\n")
    await new Promise((r) => setTimeout(r, 150))
    appendFileSync(${JSON.stringify(log)}, "-" + process.pid + "\\n")
    release()`
  const run = promisify(execFile)
  await Promise.all(
    [1, 2, 3].map(() => run(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script])),
  )
  const lines = readFileSync(log, "utf8").trim().split("\n")
  assert.equal(lines.length, 6)
  for (let i = 0; i < lines.length; i += 2) {
    assert.equal(lines[i]?.[0], "+")
    assert.equal(lines[i + 1], `-${lines[i]?.slice(1)}`, `one holder at a time: ${lines.join(" ")}`)
  }
  assert.ok(!existsSync(path))
  rmSync(log)
})

import assert from "node:assert/strict"
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { after, before, describe, test } from "node:test"
import type { Readable } from "node:stream"
import { until } from "../../../testing/index.ts"
import { followLog, readLog } from "../cri-log.ts"
import type { ContainerConfig, ContainerInfo, Sandbox } from "../runtime.ts"
import { ProcessRuntime } from "./process-runtime.ts"

const RANGE = "127.245.8.0/24"

function container(name: string, command: string[], more: Partial<ContainerConfig> = {}): ContainerConfig {
  return { name, image: "busybox", command, args: [], env: {}, attempt: 0, ...more }
}

/** Whether `pid` is a live process (not gone, not a zombie). */
function isRunning(pid: number | undefined): boolean {
  try {
    return !!pid && !/^State:\s+[ZX]/m.test(readFileSync(`/proc/${pid}/status`, "utf8"))
  } catch {
    return false
  }
}

/** Reads `stream` until its text contains `text`. */
function readUntil(stream: Readable, text: string): Promise<string> {
  return new Promise((resolve) => {
    let got = ""
    stream.on("data", (d: Buffer) => {
      got += d.toString()
      if (got.includes(text)) resolve(got)
    })
  })
}

describe("the process runtime adopts the containers a previous runtime left", () => {
  let dir: string
  let first: ProcessRuntime
  let next: ProcessRuntime
  let sandbox: Sandbox
  const started = new Map<string, ContainerInfo>()

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "k8ts-adopt-runtime-"))
    first = new ProcessRuntime({ root: dir, podRange: RANGE })
    sandbox = await first.runSandbox({ podUid: "p1", namespace: "default", name: "p1", hostname: "p1" })
    const ticker = ["sh", "-c", "i=0; while :; do echo tick $i; i=$((i+1)); sleep 0.05; done"]
    started.set("ticker", await first.start(sandbox, container("ticker", ticker)))
    started.set("cat", await first.start(sandbox, container("cat", ["cat"], { stdin: true })))
    // Its mounts are recorded with it: a restarted kubelet finds its termination-message file there.
    const message = join(dir, "seven.message")
    writeFileSync(message, "")
    const mounts = [{ hostPath: message, containerPath: "/dev/termination-log", readOnly: false }]
    const seven = container("seven", ["sh", "-c", "sleep 1; exit 7"], { mounts })
    started.set("seven", await first.start(sandbox, seven))
  })

  after(async () => {
    await next?.close(0)
    rmSync(dir, { recursive: true, force: true })
  })

  test("a released runtime leaves them running; the next one lists them as they were", async () => {
    await first.release(0)
    next = new ProcessRuntime({ root: dir, podRange: RANGE })
    assert.deepEqual(next.sandboxes(), [{ ...sandbox, dir: join(dir, "pods", "p1"), offset: 1 }])
    for (const [name, was] of started) {
      const now = next.list().find((c) => c.id === was.id)
      assert.deepEqual(now, was, name)
      assert.ok(isRunning(now?.pid), name)
    }
    const seven = next.list().find((c) => c.name === "seven")
    assert.deepEqual(seven?.mounts, [
      { hostPath: join(dir, "seven.message"), containerPath: "/dev/termination-log", readOnly: false },
    ])
  })

  test("an exit after the adoption is reported with its code", async () => {
    const id = started.get("seven")?.id
    const exits: ContainerInfo[] = []
    next.onExit((c) => exits.push(c))
    const done = await until("seven exited", () =>
      next.list().find((c) => c.id === id && c.state === "exited"),
    )
    assert.equal(done.exitCode, 7)
    assert.equal(done.reason, "Error")
    assert.deepEqual(
      exits.map((c) => c.exitCode),
      [7],
    )
  })

  test("logs go on into the same file, and can be followed", async () => {
    const info = started.get("ticker") as ContainerInfo
    assert.match(readLog(info.logPath), /^tick 0\n/)
    const ac = new AbortController()
    let text = ""
    const isDone = () => next.list().find((c) => c.id === info.id)?.state !== "running"
    for await (const chunk of followLog(info.logPath, { isDone, pollMs: 20 }, ac.signal)) {
      text += chunk
      if (text.split("\n").length > 40) break
    }
    assert.match(text, /tick 39\n/)
  })

  test("attach reaches the adopted container's stdin and output", async () => {
    const id = started.get("cat")?.id ?? ""
    const s = next.attach(id, { stdin: true, tty: false })
    const out = readUntil(s.stdout, "hello again\n")
    s.stdin?.write("hello again\n")
    assert.equal(await out, "hello again\n")
    s.close()
    assert.equal(next.list().find((c) => c.id === id)?.state, "running", "detaching leaves it running")
  })

  test("a state file whose PID now belongs to another process is not adopted, and that process is left alone", async () => {
    const info = started.get("ticker") as ContainerInfo
    const state = JSON.parse(readFileSync(join(dir, "state", `${info.id}.json`), "utf8")) as Record<
      string,
      unknown
    >
    const forged = {
      ...state,
      info: { ...info, id: "forged", logPath: join(dir, "forged.log") },
      pid: process.pid,
      shimPid: process.pid,
    }
    writeFileSync(join(dir, "state", "forged.json"), JSON.stringify(forged))
    const other = new ProcessRuntime({ root: dir, podRange: RANGE })
    await other.release(0)
    const c = other.list().find((c) => c.id === "forged")
    assert.equal(c?.state, "exited")
    assert.equal(c?.exitCode, 255)
    assert.ok(isRunning(process.pid))
    await other.remove("forged")
  })

  test("close stops every container and its shim", async () => {
    const pids = next.list().map((c) => c.pid)
    const states = [...started.values()].map(
      (c) => JSON.parse(readFileSync(join(dir, "state", `${c.id}.json`), "utf8")) as { shimPid: number },
    )
    await next.close(0)
    for (const pid of [...pids, ...states.map((s) => s.shimPid)]) assert.ok(!isRunning(pid), `${pid} left`)
    assert.deepEqual(next.list(), [])
  })
})

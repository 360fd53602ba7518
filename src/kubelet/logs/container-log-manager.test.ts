import assert from "node:assert/strict"
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { after, before, describe, test } from "node:test"
import { gunzipSync } from "node:zlib"
import { FakeClock } from "../../util/index.ts"
import { CriLogWriter, followLog, readLog } from "../runtime/cri-log.ts"
import type { ContainerInfo, ContainerRuntime } from "../runtime/runtime.ts"
import { ContainerLogManager, rotationStamp, validateLogPolicy } from "./container-log-manager.ts"

let dir: string
before(() => {
  dir = mkdtempSync(join(tmpdir(), "k8ts-log-rotation-"))
})
after(() => rmSync(dir, { recursive: true, force: true }))

/** A runtime holding the given containers (the manager only lists them). */
function runtimeOf(containers: () => ContainerInfo[]): ContainerRuntime {
  return { list: containers } as unknown as ContainerRuntime
}

function container(logPath: string, state: "running" | "exited" = "running"): ContainerInfo {
  return {
    id: "c1",
    sandboxId: "s",
    podUid: "u",
    name: "c",
    image: "x",
    attempt: 0,
    state,
    startedAt: 0,
    logPath,
  }
}

/** 100 lines of about 100 bytes each: "line <n> xxxx…". */
function writeLines(w: CriLogWriter, from: number, n = 100): void {
  let chunk = ""
  for (let i = from; i < from + n; i++) chunk += `line ${i} ${"x".repeat(60)}\n`
  w.write("stdout", chunk)
}

describe("ContainerLogManager", () => {
  test("rotates past the size, keeps at most maxFiles files, gzips the older rotated ones", async () => {
    const log = join(dir, "c-0.log")
    const w = new CriLogWriter(log)
    const clock = new FakeClock()
    const cs = [container(log)]
    const m = new ContainerLogManager({ runtime: runtimeOf(() => cs), maxSize: "4Ki", maxFiles: 4, clock })
    let next = 0
    for (let round = 0; round < 6; round++) {
      writeLines(w, next)
      next += 100
      assert.ok(statSync(log).size > 4096)
      await m.rotateAll()
      assert.equal(statSync(log).size, 0, "the live file starts empty")
      await clock.advance(10_000)
    }
    writeLines(w, next, 3) // the writer has moved over to the new live file
    const files = readdirSync(dir).sort()
    assert.equal(files.length, 4, files.join(" "))
    const stamp = (ms: number) => rotationStamp(ms)
    const start = Date.UTC(2026, 0, 1)
    // As upstream: the rotated file before the newest is compressed on the next rotation.
    assert.deepEqual(files, [
      "c-0.log",
      `c-0.log.${stamp(start + 30_000)}.gz`,
      `c-0.log.${stamp(start + 40_000)}`,
      `c-0.log.${stamp(start + 50_000)}`,
    ])
    // What kubectl logs reads: the live file, the latest lines only.
    assert.equal(
      readLog(log),
      `line 600 ${"x".repeat(60)}\nline 601 ${"x".repeat(60)}\nline 602 ${"x".repeat(60)}\n`,
    )
    assert.equal(readLog(log, { tailLines: 1 }), `line 602 ${"x".repeat(60)}\n`)
    // The rotated files hold the lines before, in the CRI format, the older compressed.
    const older = gunzipSync(readFileSync(join(dir, files[1] ?? ""))).toString()
    assert.match(older.split("\n")[0] ?? "", /^\S+ stdout F line 300 x+$/)
    assert.match(readFileSync(join(dir, files[3] ?? ""), "utf8").split("\n")[0] ?? "", / stdout F line 500 /)
    w.close()
  })

  test("leaves small files and exited containers alone; removes rotated files of containers gone", async () => {
    const sub = mkdtempSync(join(dir, "gone-"))
    const log = join(sub, "c-1.log")
    const w = new CriLogWriter(log)
    const clock = new FakeClock()
    let cs = [container(log)]
    const m = new ContainerLogManager({ runtime: runtimeOf(() => cs), maxSize: 1 << 20, maxFiles: 2, clock })
    writeLines(w, 0)
    await m.rotateAll()
    assert.deepEqual(readdirSync(sub), ["c-1.log"])
    const small = new ContainerLogManager({ runtime: runtimeOf(() => cs), maxSize: 100, maxFiles: 2, clock })
    cs = [container(log, "exited")]
    await small.rotateAll()
    assert.deepEqual(readdirSync(sub), ["c-1.log"])
    cs = [container(log)]
    await small.rotateAll()
    assert.equal(readdirSync(sub).length, 2)
    w.close()
    rmSync(log)
    cs = []
    await small.rotateAll()
    assert.deepEqual(readdirSync(sub), [])
  })

  test("kubectl logs -f follows the live file across a rotation", async () => {
    const sub = mkdtempSync(join(dir, "follow-"))
    const log = join(sub, "c-0.log")
    const w = new CriLogWriter(log)
    const m = new ContainerLogManager({
      runtime: runtimeOf(() => [container(log)]),
      maxSize: 10,
      maxFiles: 2,
    })
    w.write("stdout", "before\n")
    let done = false
    const stop = new AbortController()
    const got: string[] = []
    const reading = (async () => {
      for await (const chunk of followLog(log, { isDone: () => done, pollMs: 2 }, stop.signal))
        got.push(chunk)
    })()
    const waitFor = async (text: string) => {
      for (let i = 0; i < 500 && !got.join("").includes(text); i++) await new Promise((r) => setTimeout(r, 2))
    }
    await waitFor("before")
    await m.rotateAll()
    w.write("stdout", "after\n")
    await waitFor("after")
    done = true
    await reading
    w.close()
    assert.equal(got.join(""), "before\nafter\n")
  })

  test("validates the policy as upstream", () => {
    assert.equal(validateLogPolicy("10Mi", 5), 10 * 1024 * 1024)
    assert.throws(() => validateLogPolicy("10Mi", 1), /containerLogMaxFiles must be greater than 1/)
    assert.throws(() => validateLogPolicy("nope", 5), /invalid container log max size/)
  })
})

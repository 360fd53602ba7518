import assert from "node:assert/strict"
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { after, describe, test } from "node:test"
import { SHIMS, spawnShim, StartFailure } from "./shim.ts"

const dir = mkdtempSync(join(tmpdir(), "k8ts-shim-"))
after(() => rmSync(dir, { recursive: true, force: true }))

async function exitOf(file: string): Promise<string> {
  for (let i = 0; i < 400 && !existsSync(file); i++) await new Promise((r) => setTimeout(r, 25))
  return readFileSync(file, "utf8").trim()
}

/** The log's records as [stream, tag, text], without their timestamps. */
function records(log: string): string[][] {
  return readFileSync(log, "utf8")
    .split("\n")
    .filter(Boolean)
    .map((l) => {
      const [ts, stream, tag, ...text] = l.split(" ")
      assert.match(ts ?? "", /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$/)
      return [stream ?? "", tag ?? "", text.join(" ")]
    })
}

for (const [name, command] of Object.entries(SHIMS)) {
  describe(`the ${name} shim`, () => {
    test("reports the PID, writes both streams as CRI records and the exit code", async () => {
      const log = join(dir, `${name}.log`)
      const exitFile = join(dir, `${name}.exit`)
      const script = "echo one; echo two >&2; echo; printf tail; sleep 0.2; echo ' end'; exit 3"
      const started = await spawnShim(
        {
          argv: ["sh", "-c", script],
          cwd: dir,
          env: { PATH: process.env.PATH ?? "" },
          logPath: log,
          exitFile,
        },
        command,
      )
      assert.ok(started.pid > 0)
      assert.equal(await exitOf(exitFile), "3")
      const got = records(log)
      assert.deepEqual(
        got.filter((r) => r[0] === "stdout"),
        [
          ["stdout", "F", "one"],
          ["stdout", "F", ""],
          ["stdout", "P", "tail"],
          ["stdout", "F", " end"],
        ],
      )
      assert.deepEqual(
        got.filter((r) => r[0] === "stderr"),
        [["stderr", "F", "two"]],
      )
    })

    test("a signal's exit code is 128 + the signal", async () => {
      const exitFile = join(dir, `${name}-sig.exit`)
      const log = join(dir, `${name}-sig.log`)
      const s = await spawnShim(
        {
          argv: ["sleep", "30"],
          cwd: dir,
          env: { PATH: process.env.PATH ?? "" },
          logPath: log,
          exitFile,
        },
        command,
      )
      process.kill(s.pid, "SIGKILL")
      assert.equal(await exitOf(exitFile), "137")
    })

    // Why a program cannot run, in Go's exec.LookPath words as runc reports them.
    const absent = join(dir, "absent")
    const plain = join(dir, "plain.txt")
    const unrunnable = [
      ["no-such-program-k8ts", 'exec: "no-such-program-k8ts": executable file not found in $PATH'],
      [absent, `exec: "${absent}": stat ${absent}: no such file or directory`],
      [plain, `exec: "${plain}": permission denied`],
      [dir, `exec: "${dir}": permission denied`],
    ] as const
    for (const [program, message] of unrunnable) {
      test(`a program that cannot run is a StartFailure: ${message}`, async () => {
        writeFileSync(plain, "not a program\n", { mode: 0o644 })
        const spec = {
          argv: [program],
          cwd: dir,
          env: { PATH: process.env.PATH ?? "" },
          logPath: join(dir, `${name}-missing.log`),
          exitFile: join(dir, `${name}-missing.exit`),
        }
        await assert.rejects(spawnShim(spec, command), (err: unknown) => {
          assert.ok(err instanceof StartFailure)
          assert.equal(err.message, message)
          return true
        })
      })
    }
  })
}

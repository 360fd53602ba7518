import assert from "node:assert/strict"
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { after, test } from "node:test"
import { CommandError } from "../network/index.ts"
import { NftRunner } from "./nft-runner.ts"

const dir = mkdtempSync(join(tmpdir(), "k8ts-nft-runner-"))
after(() => rmSync(dir, { recursive: true, force: true }))

/** A stand-in for nft: logs its start and its input; fails on "fail". */
function fakeNft(): { command: string; log: () => string[] } {
  const log = join(dir, "log")
  const command = join(dir, "nft")
  writeFileSync(log, "")
  writeFileSync(
    command,
    `#!/bin/sh\necho "start $$" >> ${log}\ninput=$(cat)\necho "ran $$ [$input]" >> ${log}\n` +
      `[ "$input" = fail ] && { echo "Error: no" >&2; exit 1; }\nexit 0\n`,
  )
  chmodSync(command, 0o755)
  return { command, log: () => readFileSync(log, "utf8").trim().split("\n").filter(Boolean) }
}

test("each script runs in a process started before it, which was waiting for it; close() stops the spare", async () => {
  const nft = fakeNft()
  const runner = new NftRunner(nft.command)
  // The spare is started on the next turn of the event loop after a script is done.
  const tick = () => new Promise((resolve) => setImmediate(resolve))
  await runner.run("one")
  await tick()
  await runner.run("two")
  await tick()
  await runner.close()
  const lines = nft.log()
  // Three processes: one per script and the spare, which got empty input when closed.
  const ran = lines.filter((l) => l.startsWith("ran")).map((l) => l.replace(/ \d+ /, " "))
  assert.deepEqual(ran, ["ran [one]", "ran [two]", "ran []"])
  const pid = (l: string | undefined) => l?.split(" ")[1]
  // "two" ran in the process started right after "one" finished.
  const started = lines.filter((l) => l.startsWith("start"))
  assert.equal(pid(lines.find((l) => l.includes("[two]"))), pid(started[1]))
  assert.ok(lines.indexOf(started[1] ?? "") > lines.findIndex((l) => l.includes("[one]")))
})

test("a failed script is a CommandError with nft's stderr; the next one still runs", async () => {
  const nft = fakeNft()
  const runner = new NftRunner(nft.command)
  await assert.rejects(
    runner.run("fail"),
    (err: unknown) => err instanceof CommandError && /Error: no/.test(err.message),
  )
  await runner.run("after")
  await runner.close()
  assert.ok(nft.log().some((l) => l.includes("[after]")))
})

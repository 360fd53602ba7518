import assert from "node:assert/strict"
import { test } from "node:test"
import { runProbe } from "./probes.ts"
import type { ContainerRuntime, ExecOptions, ExecResult } from "./runtime/runtime.ts"

/** A runtime whose exec answers `result`, moving `clock` on by `ms` (a command the timeout cut off takes that long). */
function execRuntime(result: ExecResult, ms = 0, clock = { t: 0 }): ContainerRuntime {
  return {
    exec: (_id: string, _cmd: readonly string[], _o: ExecOptions) => {
      clock.t += ms
      return Promise.resolve(result)
    },
  } as unknown as ContainerRuntime
}

const target = { id: "c1", container: { name: "app" }, podIP: "127.0.0.1" }

test("an exec probe's message is its output as printed, stdout then stderr; nothing when it printed nothing", async () => {
  const probe = { exec: { command: ["sh", "-c", "exit 1"] } }
  const silent = await runProbe(execRuntime({ exitCode: 1, stdout: "", stderr: "" }), target, probe)
  assert.deepEqual(silent, { ok: false, message: "" })
  const noisy = await runProbe(execRuntime({ exitCode: 2, stdout: "out\n", stderr: "err\n" }), target, probe)
  assert.deepEqual(noisy, { ok: false, message: "out\nerr\n" })
  const ok = await runProbe(execRuntime({ exitCode: 0, stdout: "fine\n", stderr: "" }), target, probe)
  assert.deepEqual(ok, { ok: true, message: "" })
})

test("an exec probe cut off at its timeout says the command timed out", async () => {
  const probe = { exec: { command: ["sleep", "5"] }, timeoutSeconds: 1 }
  const clock = { t: 0 }
  const killed = execRuntime({ exitCode: 1, stdout: "", stderr: "" }, 1000, clock)
  const res = await runProbe(killed, target, probe, () => clock.t)
  assert.deepEqual(res, { ok: false, message: 'command "sleep 5" timed out' })
  const quick = execRuntime({ exitCode: 1, stdout: "", stderr: "" }, 999, clock)
  assert.deepEqual(await runProbe(quick, target, probe, () => clock.t), { ok: false, message: "" })
})

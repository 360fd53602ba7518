import assert from "node:assert/strict"
import { after, before, describe, test } from "node:test"
import type { EphemeralContainer, Pod } from "kubernetes-types/core/v1.js"
import { Pods } from "../api/index.ts"
import { type ClientEnv, nodePod, until, untilPhase, untilPod } from "../testing/index.ts"
import { type KubeletEnv, startKubeletEnv } from "./kubelet-env.case.ts"

let k: KubeletEnv
let env: ClientEnv

before(async () => {
  k = await startKubeletEnv({
    prefix: "k8ts-kubelet-ephemeral-",
    nodeName: "node-e",
    podRange: "127.245.9.0/24",
    server: true,
    kubelet: { backoff: { initialMs: 200, maxMs: 800 } },
  })
  env = k.env
})

after(() => k.stop())

const pods = () => env.inProcess.resource(Pods)

/** Adds an ephemeral container as kubectl debug does: a strategic merge patch of the subresource. */
function debug(pod: string, ec: EphemeralContainer): Promise<Pod> {
  return pods().patch(
    { namespace: "default", name: pod },
    { spec: { ephemeralContainers: [ec] } },
    { type: "strategic", subresource: "ephemeralcontainers" },
  )
}

const ephemeralStatus = (p: Pod, name: string) =>
  p.status?.ephemeralContainerStatuses?.find((s) => s.name === name)

function log(pod: string, container: string): Promise<string> {
  return env.inProcess.request<string>({
    method: "GET",
    ref: Pods,
    namespace: "default",
    name: pod,
    subresource: "log",
    query: { container },
  })
}

describe("kubelet ephemeral containers", () => {
  test("an ephemeral container added to a running pod runs once, is reported and has logs", async () => {
    await pods().create(nodePod("node-e", "target", { containers: [{ name: "app", image: "pause" }] }))
    await untilPhase(env.inProcess, "target", "Running")
    await debug("target", {
      name: "debugger",
      image: "busybox",
      command: ["sh", "-c", "echo hi from the debugger; exit 3"],
      targetContainerName: "app",
    })
    const p = await untilPod(
      env.inProcess,
      "target",
      (p) => !!ephemeralStatus(p, "debugger")?.state?.terminated,
      "the debugger's exit",
    )
    const s = ephemeralStatus(p, "debugger")
    assert.equal(s?.state?.terminated?.exitCode, 3)
    assert.equal(s?.state?.terminated?.reason, "Error")
    assert.equal(s?.restartCount, 0)
    assert.equal(s?.ready, false)
    assert.equal(s?.started, undefined)
    assert.deepEqual(s?.lastState, {})
    assert.match(s?.containerID ?? "", /^process:\/\//)
    // The pod itself is unaffected: still Running and Ready.
    assert.equal(p.status?.phase, "Running")
    assert.equal(p.status?.conditions?.find((c) => c.type === "Ready")?.status, "True")
    assert.equal(await log("target", "debugger"), "hi from the debugger\n")
    // Never restarted: a later sync (another debugger added) leaves it terminated with the same id.
    await debug("target", { name: "second", image: "busybox", command: ["sleep", "30"] })
    const later = await untilPod(
      env.inProcess,
      "target",
      (p) => !!ephemeralStatus(p, "second")?.state?.running,
      "the second debugger running",
    )
    assert.equal(ephemeralStatus(later, "debugger")?.containerID, s?.containerID)
    assert.equal(ephemeralStatus(later, "debugger")?.restartCount, 0)
    const ids = k.runtime.list().filter((c) => c.name === "debugger")
    assert.equal(ids.length, 1)
  })

  test("exec reaches a running ephemeral container; deleting the pod stops it", async () => {
    await pods().create(nodePod("node-e", "shell", { containers: [{ name: "app", image: "pause" }] }))
    await untilPhase(env.inProcess, "shell", "Running")
    await debug("shell", { name: "dbg", image: "busybox", command: ["sleep", "60"], stdin: true })
    await untilPod(env.inProcess, "shell", (p) => !!ephemeralStatus(p, "dbg")?.state?.running, "running")
    const c = k.runtime.list().find((c) => c.name === "dbg" && c.state === "running")
    assert.ok(c)
    const out = await k.runtime.exec(c.id, ["sh", "-c", "echo inside"], { timeoutMs: 5000 })
    assert.equal(out.stdout, "inside\n")
    await pods().delete({ namespace: "default", name: "shell" }, { gracePeriodSeconds: 1 })
    await until("the pod's deletion", () =>
      pods()
        .get({ namespace: "default", name: "shell" })
        .then(
          () => false,
          () => true,
        ),
    )
    assert.notEqual(k.runtime.container(c.id)?.state, "running")
  })
})

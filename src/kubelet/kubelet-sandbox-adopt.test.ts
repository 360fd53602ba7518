import assert from "node:assert/strict"
import { randomBytes } from "node:crypto"
import { existsSync, mkdtempSync, readFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { after, before, describe, test } from "node:test"
import type { Pod } from "kubernetes-types/core/v1.js"
import { type ApiObject, Pods } from "../api/index.ts"
import { type ClientEnv, skipUnless, startClientEnv, untilPod } from "../testing/index.ts"
import { Kubelet } from "./kubelet.ts"
import { ProcessRuntime } from "./runtime/process/process-runtime.ts"
import { removeSandboxTestState } from "./runtime/process/sandbox/_test-cleanup.ts"
import { LoopbackOnlyNetwork } from "./runtime/process/sandbox/_test-network.ts"

const isRoot = process.getuid?.() === 0

/** Whether `pid` is a live process (not gone, not a zombie). */
function isRunning(pid: number): boolean {
  try {
    return !/^State:\s+[ZX]/m.test(readFileSync(`/proc/${pid}/status`, "utf8"))
  } catch {
    return false
  }
}

describe("kubelet with pod sandboxes, restarted", skipUnless(isRoot, "pod sandboxes need root"), () => {
  let env: ClientEnv
  let dir: string
  // Top level and this test's own: removed whatever state a failure leaves it in.
  const cgroupParent = `k8ts-test-${randomBytes(4).toString("hex")}`
  const network = new LoopbackOnlyNetwork()
  /** Every kubelet started: the after() stops those a failed test left running. */
  const stops: (() => Promise<void>)[] = []

  function kubelet(keepContainersOnExit: boolean): { runtime: ProcessRuntime; stop: () => Promise<void> } {
    const runtime = new ProcessRuntime({ root: join(dir, "runtime"), network, cgroupParent })
    const k = new Kubelet({
      client: env.inProcess,
      nodeName: "node-r",
      address: "127.0.0.1",
      runtime,
      dataDir: dir,
      keepContainersOnExit,
    })
    const ac = new AbortController()
    const running = k.run(ac.signal)
    const stop = () => (ac.abort(), running)
    stops.push(stop)
    return { runtime, stop }
  }

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "k8ts-kubelet-sandbox-adopt-"))
    env = await startClientEnv()
  })

  after(async () => {
    try {
      for (const stop of stops) await stop()
      await env.stop()
    } finally {
      await removeSandboxTestState(dir, cgroupParent)
    }
  })

  test("a restarted kubelet keeps its pods' sandboxes and containers; a node stop removes them", async () => {
    const first = kubelet(true)
    await env.inProcess.resource(Pods).create({
      metadata: { name: "kept", namespace: "default" },
      spec: {
        nodeName: "node-r",
        terminationGracePeriodSeconds: 0,
        containers: [{ name: "main", image: "pause" }],
      },
    } as Pod & ApiObject)
    const running = (p: Pod) => !!p.status?.containerStatuses?.[0]?.state?.running
    const was = await untilPod(env.inProcess, "kept", running, "kept running", 20_000)
    const id = (was.status?.containerStatuses?.[0]?.containerID ?? "").replace(/^process:\/\//, "")
    const pid = first.runtime.list().find((c) => c.id === id)?.pid as number
    const netns = first.runtime.sandboxes()[0]?.netnsPath as string
    await first.stop()
    assert.ok(isRunning(pid), "the container outlives the kubelet")

    const next = kubelet(false)
    assert.equal(next.runtime.sandboxes()[0]?.netnsPath, netns)
    const r = await next.runtime.exec(id, ["hostname"], {})
    assert.equal(r.stdout, "kept\n")
    // Synced by the new kubelet: the same container, not restarted, at the same address.
    await new Promise((resolve) => setTimeout(resolve, 300))
    const now = await untilPod(env.inProcess, "kept", running, "kept running", 20_000)
    const status = now.status?.containerStatuses?.[0]
    assert.equal(status?.containerID, was.status?.containerStatuses?.[0]?.containerID)
    assert.equal(status?.restartCount, 0)
    assert.equal(now.status?.podIP, was.status?.podIP)
    assert.ok(isRunning(pid), "the same process runs")

    await next.stop()
    assert.ok(!isRunning(pid))
    for (const ctrl of ["memory", "cpu", "cpuacct", "pids"]) {
      assert.ok(!existsSync(`/sys/fs/cgroup/${ctrl}/${cgroupParent}`), `${ctrl} cgroup left`)
    }
    assert.equal(network.attached.size, 0)
  })
})

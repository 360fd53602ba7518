import assert from "node:assert/strict"
import { randomBytes } from "node:crypto"
import { mkdtempSync, readFileSync } from "node:fs"
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

describe("kubelet with pod sandboxes", skipUnless(isRoot, "pod sandboxes need root"), () => {
  let env: ClientEnv
  let dir: string
  let runtime: ProcessRuntime
  const stop = new AbortController()
  let running: Promise<void>
  // Top level and this test's own: removed whatever state a failure leaves it in.
  const cgroupParent = `k8ts-test-${randomBytes(4).toString("hex")}`

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "k8ts-kubelet-sandbox-"))
    env = await startClientEnv()
    runtime = new ProcessRuntime({
      root: join(dir, "runtime"),
      network: new LoopbackOnlyNetwork(),
      cgroupParent,
    })
    const kubelet = new Kubelet({
      client: env.inProcess,
      nodeName: "node-s",
      address: "127.0.0.1",
      runtime,
      dataDir: dir,
      backoff: { initialMs: 200, maxMs: 800 },
    })
    running = kubelet.run(stop.signal)
  })

  after(async () => {
    stop.abort()
    try {
      await running
      await env.stop()
    } finally {
      await removeSandboxTestState(dir, cgroupParent)
    }
  })

  const pods = () => env.inProcess.resource(Pods)

  const until = (name: string, ok: (p: Pod) => boolean) => untilPod(env.inProcess, name, ok, name, 20_000)

  test("a pod runs in its sandbox: its own address, hostname and cgroup limits", async () => {
    await pods().create({
      metadata: { name: "web", namespace: "default" },
      spec: {
        nodeName: "node-s",
        hostname: "web-host",
        terminationGracePeriodSeconds: 0,
        containers: [
          { name: "main", image: "pause", resources: { limits: { memory: "64Mi", cpu: "250m" } } },
        ],
      },
    } as Pod & ApiObject)
    const p = await until("web", (x) => x.status?.phase === "Running")
    assert.match(p.status?.podIP ?? "", /^10\.252\./)
    const id = (p.status?.containerStatuses?.[0]?.containerID ?? "").replace(/^process:\/\//, "")
    const r = await runtime.exec(id, ["hostname"], {})
    assert.equal(r.stdout, "web-host\n", JSON.stringify(r))
    const cgroup = (ctrl: string, file: string) =>
      readFileSync(
        `/sys/fs/cgroup/${ctrl}/${cgroupParent}/pod${p.metadata?.uid}/${id}/${file}`,
        "utf8",
      ).trim()
    assert.equal(cgroup("memory", "memory.limit_in_bytes"), String(64 * 1024 * 1024))
    assert.equal(cgroup("cpu", "cpu.cfs_quota_us"), "25000")
    assert.equal(cgroup("cpu", "cpu.shares"), "256")
  })

  test("a container over its memory limit is reported OOMKilled", async () => {
    await pods().create({
      metadata: { name: "hog", namespace: "default" },
      spec: {
        nodeName: "node-s",
        restartPolicy: "Never",
        containers: [
          {
            name: "hog",
            image: "busybox",
            command: ["sh", "-c", "x=0123456789; while :; do x=$x$x; done"],
            resources: { limits: { memory: "32Mi" } },
          },
        ],
      },
    } as Pod & ApiObject)
    const p = await until("hog", (x) => x.status?.phase === "Failed")
    const term = p.status?.containerStatuses?.[0]?.state?.terminated
    assert.equal(term?.reason, "OOMKilled")
    assert.equal(term?.exitCode, 137)
  })

  test("an ephemeral container with a target joins the target's PID namespace", async () => {
    await pods().create({
      metadata: { name: "dbg", namespace: "default" },
      spec: {
        nodeName: "node-s",
        terminationGracePeriodSeconds: 0,
        containers: [{ name: "app", image: "busybox", command: ["sleep", "3601"] }],
      },
    } as Pod & ApiObject)
    await until("dbg", (x) => x.status?.phase === "Running")
    // Every process's command line the debugger sees: the target's sleep is among them only when it joined.
    const list = "for f in /proc/[0-9]*/cmdline; do tr '\\0' ' ' < $f; echo; done"
    const debug = (name: string, target?: string) =>
      pods().patch(
        { namespace: "default", name: "dbg" },
        {
          spec: {
            ephemeralContainers: [
              {
                name,
                image: "busybox",
                command: ["sh", "-c", list],
                ...(target ? { targetContainerName: target } : {}),
              },
            ],
          },
        },
        { type: "strategic", subresource: "ephemeralcontainers" },
      )
    const logOf = async (name: string) => {
      const p = await until(
        "dbg",
        (x) => !!x.status?.ephemeralContainerStatuses?.find((s) => s.name === name)?.state?.terminated,
      )
      const s = p.status?.ephemeralContainerStatuses?.find((s) => s.name === name)
      assert.equal(s?.state?.terminated?.exitCode, 0, JSON.stringify(s))
      const id = (s?.containerID ?? "").replace(/^process:\/\//, "")
      const info = runtime.container(id)
      return readFileSync(info?.logPath ?? "", "utf8")
    }
    await debug("targeted", "app")
    assert.match(await logOf("targeted"), /sleep 3601/)
    await debug("alone")
    assert.doesNotMatch(await logOf("alone"), /sleep 3601/)
  })

  test("a resize is applied to the container's and the pod's cgroups in place", async () => {
    await pods().create({
      metadata: { name: "grow", namespace: "default" },
      spec: {
        nodeName: "node-s",
        terminationGracePeriodSeconds: 0,
        containers: [
          {
            name: "app",
            image: "busybox",
            command: ["sleep", "3602"],
            resources: { requests: { cpu: "100m", memory: "32Mi" }, limits: { cpu: "200m", memory: "64Mi" } },
          },
        ],
      },
    } as Pod & ApiObject)
    const p = await until("grow", (x) => x.status?.phase === "Running")
    const id = (p.status?.containerStatuses?.[0]?.containerID ?? "").replace(/^process:\/\//, "")
    const pod = `/sys/fs/cgroup/%s/${cgroupParent}/pod${p.metadata?.uid}`
    const read = (ctrl: string, file: string, c = `/${id}`) =>
      readFileSync(`${pod.replace("%s", ctrl)}${c}/${file}`, "utf8").trim()
    assert.equal(read("cpu", "cpu.cfs_quota_us"), "20000")
    await pods().patch(
      { namespace: "default", name: "grow" },
      {
        spec: {
          containers: [
            {
              name: "app",
              resources: { requests: { cpu: "300m" }, limits: { cpu: "500m", memory: "128Mi" } },
            },
          ],
        },
      },
      { type: "strategic", subresource: "resize" },
    )
    const resized = await until(
      "grow",
      (x) =>
        x.status?.containerStatuses?.[0]?.resources?.limits?.cpu === "500m" &&
        !x.status?.conditions?.some((c) => c.type.startsWith("PodResize")),
    )
    const status = resized.status?.containerStatuses?.[0]
    assert.equal(status?.containerID, `process://${id}`, "resized in place, not restarted")
    assert.equal(status?.restartCount, 0)
    assert.deepEqual(status?.resources, {
      requests: { cpu: "300m", memory: "32Mi" },
      limits: { cpu: "500m", memory: "128Mi" },
    })
    assert.equal(read("cpu", "cpu.cfs_quota_us"), "50000")
    assert.equal(read("cpu", "cpu.shares"), "307")
    assert.equal(read("memory", "memory.limit_in_bytes"), String(128 * 1024 * 1024))
    // The pod's cgroup follows its one container.
    assert.equal(read("cpu", "cpu.cfs_quota_us", ""), "50000")
    assert.equal(read("memory", "memory.limit_in_bytes", ""), String(128 * 1024 * 1024))
  })

  test("a memory limit is not lowered below what the container uses: PodResizeInProgress Error", async () => {
    const mem = (q: string) => ({ requests: { memory: q }, limits: { memory: q } })
    await pods().create({
      metadata: { name: "shrink", namespace: "default" },
      spec: {
        nodeName: "node-s",
        terminationGracePeriodSeconds: 0,
        containers: [{ name: "app", image: "busybox", command: ["sleep", "3603"], resources: mem("64Mi") }],
      },
    } as Pod & ApiObject)
    await until("shrink", (x) => x.status?.phase === "Running")
    const resize = (q: string) =>
      pods().patch(
        { namespace: "default", name: "shrink" },
        { spec: { containers: [{ name: "app", resources: mem(q) }] } },
        { type: "strategic", subresource: "resize" },
      )
    await resize("4Ki")
    const failed = await until("shrink", (x) =>
      (x.status?.conditions ?? []).some((c) => c.type === "PodResizeInProgress" && c.reason === "Error"),
    )
    const cond = failed.status?.conditions?.find((c) => c.type === "PodResizeInProgress")
    assert.match(cond?.message ?? "", /memory limit \(4096\) below current usage \(\d+\)/)
    assert.equal(failed.status?.containerStatuses?.[0]?.resources?.limits?.memory, "64Mi", "not applied")
    // Back to a limit it fits in: the resize completes.
    await resize("48Mi")
    const done = await until(
      "shrink",
      (x) =>
        x.status?.containerStatuses?.[0]?.resources?.limits?.memory === "48Mi" &&
        !(x.status?.conditions ?? []).some((c) => c.type.startsWith("PodResize")),
    )
    assert.equal(done.status?.containerStatuses?.[0]?.restartCount, 0)
  })
})

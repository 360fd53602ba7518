import assert from "node:assert/strict"
import { existsSync, readFileSync } from "node:fs"
import { join } from "node:path"
import { after, before, describe, test } from "node:test"
import type { Event, Pod } from "kubernetes-types/core/v1.js"
import { ConfigMaps, Events, Pods } from "../../api/index.ts"
import { type ClientEnv, nodePod, until, untilPhase, untilPod } from "../../testing/index.ts"
import { type KubeletEnv, startKubeletEnv } from "../kubelet-env.case.ts"
import { ProcessRuntime } from "../runtime/process/process-runtime.ts"
import type { ContainerConfig, ContainerInfo, Mount, Sandbox } from "../runtime/runtime.ts"

/**
 * The process runtime, recording each container's mounts and telling the container where its
 * termination-message file is (in MSG_PATH): /dev/termination-log, or its node path when the
 * runtime cannot mount.
 */
class RecordingRuntime extends ProcessRuntime {
  readonly mounts = new Map<string, readonly Mount[]>()

  override start(sandbox: Sandbox, c: ContainerConfig): Promise<ContainerInfo> {
    this.mounts.set(c.name, c.mounts ?? [])
    const msg = c.mounts?.find((m) => m.containerPath === "/dev/termination-log")
    // Where the container sees it: at its mountPath when the runtime mounts (as root).
    const path = this.mountsUnavailable() ? msg?.hostPath : msg?.containerPath
    return super.start(sandbox, { ...c, env: { ...c.env, MSG_PATH: path ?? "" } })
  }
}

let k: KubeletEnv
let env: ClientEnv
let dir: string
let runtime: RecordingRuntime

before(async () => {
  k = await startKubeletEnv({
    prefix: "k8ts-kubelet-volumes-",
    nodeName: "node-v",
    podRange: "127.246.0.0/24",
    runtime: (opts) => (runtime = new RecordingRuntime(opts)),
    kubelet: { clusterDNS: ["10.96.0.10"], syncFrequencyMs: 200, backoff: { initialMs: 200, maxMs: 800 } },
  })
  env = k.env
  dir = k.dir
})

after(() => k.stop())

const pods = () => env.inProcess.resource(Pods)

const pod = (name: string, spec: Partial<Pod["spec"]> & object) => nodePod("node-v", name, spec)

describe("kubelet volumes", () => {
  test("a missing ConfigMap keeps the pod ContainerCreating with a FailedMount event, until it exists", async () => {
    await pods().create(
      pod("needs-config", {
        volumes: [{ name: "config", configMap: { name: "late" } }],
        containers: [
          { name: "app", image: "pause", volumeMounts: [{ name: "config", mountPath: "/etc/config" }] },
        ],
      }),
    )
    const event = await until("FailedMount", async () => {
      const list = await env.inProcess.resource(Events).list({ namespace: "default" })
      return (list.items as Event[]).find(
        (e) => e.reason === "FailedMount" && e.involvedObject.name === "needs-config",
      )
    })
    assert.equal(event.type, "Warning")
    assert.equal(event.message, 'MountVolume.SetUp failed for volume "config" : configmap "late" not found')
    const waiting = await untilPod(
      env.inProcess,
      "needs-config",
      (p) => !!p.status?.containerStatuses?.[0]?.state?.waiting,
      "status",
    )
    assert.equal(waiting.status?.containerStatuses?.[0]?.state?.waiting?.reason, "ContainerCreating")
    assert.equal(waiting.status?.phase, "Pending")

    await env.inProcess
      .resource(ConfigMaps)
      .create({ metadata: { name: "late", namespace: "default" }, data: { key: "v1" } } as never)
    await untilPhase(env.inProcess, "needs-config", "Running")
    const mounts = runtime.mounts.get("app") ?? []
    const config = mounts.find((m) => m.containerPath === "/etc/config")
    assert.ok(config?.readOnly)
    assert.equal(readFileSync(join(config?.hostPath ?? "", "key"), "utf8"), "v1")
    assert.deepEqual(
      mounts.map((m) => m.containerPath),
      ["/etc/config", "/etc/hosts", "/etc/resolv.conf", "/dev/termination-log"],
    )

    // The periodic resync carries a ConfigMap update into the running pod's volume.
    const cm = await env.inProcess.resource(ConfigMaps).get({ namespace: "default", name: "late" })
    await env.inProcess.resource(ConfigMaps).update({ ...cm, data: { key: "v2" } })
    await until("updated", async () => readFileSync(join(config?.hostPath ?? "", "key"), "utf8") === "v2")

    // Deleting the pod removes its directory.
    const podDir = join(dir, "kubelet-root/pods", waiting.metadata?.uid ?? "")
    assert.ok(existsSync(podDir))
    await pods().delete({ namespace: "default", name: "needs-config" })
    await until("removed", async () => !existsSync(podDir))
  })

  test("termination messages come from the file, or the log with FallbackToLogsOnError", async () => {
    await pods().create(
      pod("messages", {
        restartPolicy: "Never",
        containers: [
          { name: "file", image: "busybox", command: ["sh", "-c", 'printf "all done" > "$MSG_PATH"'] },
          {
            name: "logs",
            image: "busybox",
            command: ["sh", "-c", "echo first; echo went wrong; exit 2"],
            terminationMessagePolicy: "FallbackToLogsOnError",
          },
        ],
      }),
    )
    const p = await untilPhase(env.inProcess, "messages", "Failed")
    const byName = new Map(p.status?.containerStatuses?.map((s) => [s.name, s.state?.terminated]))
    assert.equal(byName.get("file")?.message, "all done")
    assert.equal(byName.get("logs")?.message, "first\nwent wrong\n")
    assert.equal(byName.get("logs")?.exitCode, 2)
  })
})

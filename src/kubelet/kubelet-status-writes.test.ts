/**
 * The kubelet's status writes settle: a pod is written Pending before it starts and Running
 * once it runs, and syncs after that (its own writes' watch events, resyncs) write nothing,
 * even when each sync falls in another second than the one before and the pod has volumes
 * that make its syncs slow (a configMap, a memory-backed emptyDir).
 */
import assert from "node:assert/strict"
import { existsSync } from "node:fs"
import { join } from "node:path"
import { after, before, test } from "node:test"
import { ConfigMaps, Pods } from "../api/index.ts"
import { nodePod, until, untilPhase } from "../testing/index.ts"
import { type Clock, realClock } from "../util/index.ts"
import { type KubeletEnv, startKubeletEnv } from "./kubelet-env.case.ts"

/** The real clock, but every reading is one second later than the one before. */
function skewingClock(): Clock & { readonly readings: () => number } {
  let n = 0
  return {
    now: () => Date.now() + ++n * 1000,
    sleep: (ms, signal) => realClock.sleep(ms, signal),
    readings: () => n,
  }
}

const clock = skewingClock()
let k: KubeletEnv

before(async () => {
  k = await startKubeletEnv({
    prefix: "k8ts-kubelet-status-writes-",
    nodeName: "node-sw",
    podRange: "127.245.11.0/24",
    kubelet: { clock, syncFrequencyMs: 20 },
  })
  await k.env.inProcess
    .resource(ConfigMaps)
    .create({ metadata: { name: "settings", namespace: "default" }, data: { key: "v1" } } as never)
})

after(() => k.stop())

test(
  "each sync in another second: two writes (Pending, Running), then none however often the pod is synced",
  { timeout: 30_000 },
  async () => {
    const pods = k.env.inProcess.resource(Pods)
    const phases: string[] = []
    const stop = new AbortController()
    const watch = pods.watch({ namespace: "default", fieldSelector: "metadata.name=slow" }, stop.signal)
    const watching = (async () => {
      for await (const ev of watch) if (ev.type === "MODIFIED") phases.push(ev.object.status?.phase ?? "")
    })()
    await pods.create(
      nodePod("node-sw", "slow", {
        terminationGracePeriodSeconds: 0,
        volumes: [
          { name: "config", configMap: { name: "settings" } },
          { name: "ram", emptyDir: { medium: "Memory" } },
        ],
        containers: [
          {
            name: "app",
            image: "busybox",
            command: ["sleep", "3600"],
            volumeMounts: [
              { name: "config", mountPath: "/etc/k8ts-test-config" },
              { name: "ram", mountPath: "/k8ts-test-ram" },
            ],
          },
        ],
      }),
    )
    const running = await untilPhase(k.env.inProcess, "slow", "Running")
    // Each sync reads the clock once: twenty more readings are at least a dozen more syncs.
    const readings = clock.readings()
    await until("a dozen resyncs", () => clock.readings() > readings + 20)
    stop.abort()
    await watching.catch(() => undefined)
    assert.deepEqual(phases, ["Pending", "Running"])
    // Deleting the pod unmounts its memory-backed emptyDir (a kubelet stop leaves volumes be).
    await pods.delete({ namespace: "default", name: "slow" }, { gracePeriodSeconds: 0 })
    const podDir = join(k.dir, "kubelet-root/pods", running.metadata?.uid ?? "")
    await until("its volumes unmounted", () => !existsSync(podDir))
  },
)

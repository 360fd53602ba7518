import assert from "node:assert/strict"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { after, before, test } from "node:test"
import type { Pod } from "kubernetes-types/core/v1.js"
import { type ApiObject, Pods } from "../../api/index.ts"
import { type ClientEnv, startClientEnv } from "../../testing/index.ts"
import { Kubelet } from "../kubelet.ts"
import { ProcessRuntime } from "../runtime/process/process-runtime.ts"
import { KubeletServer } from "../server.ts"

let env: ClientEnv
let dir: string
const stop = new AbortController()
let running: Promise<void>
let server: KubeletServer
let base: string

before(async () => {
  dir = mkdtempSync(join(tmpdir(), "k8ts-kubelet-metrics-"))
  env = await startClientEnv()
  const runtime = new ProcessRuntime({ root: join(dir, "runtime"), podRange: "127.247.0.0/24" })
  const holder: { kubelet?: Kubelet } = {}
  server = new KubeletServer({
    records: (ns, name) => holder.kubelet?.record(ns, name),
    runtime,
    metrics: () => holder.kubelet?.metrics,
    host: "127.0.0.1",
    port: 0,
  })
  base = `http://127.0.0.1:${await server.listen()}`
  const kubelet = (holder.kubelet = new Kubelet({
    client: env.inProcess,
    nodeName: "node-m",
    address: "127.0.0.1",
    runtime,
    dataDir: dir,
  }))
  running = kubelet.run(stop.signal)
})

after(async () => {
  stop.abort()
  await running
  await server.close()
  await env.stop()
  rmSync(dir, { recursive: true, force: true })
})

async function until<T>(what: string, fn: () => Promise<T | undefined | false>, ms = 10_000): Promise<T> {
  const end = Date.now() + ms
  while (Date.now() < end) {
    const v = await fn().catch(() => undefined)
    if (v) return v
    await new Promise((r) => setTimeout(r, 50))
  }
  throw new Error(`timed out waiting for ${what}`)
}

/** The value of the sample `series` (name with labels as printed) in the exposition text. */
function sample(text: string, series: string): number | undefined {
  const line = text.split("\n").find((l) => l.startsWith(`${series} `))
  return line === undefined ? undefined : Number(line.slice(series.length + 1))
}

test("/metrics reports running pods and containers, pod start and worker durations and runtime operations", async () => {
  const pod = {
    metadata: { name: "m1", namespace: "default" },
    spec: {
      nodeName: "node-m",
      terminationGracePeriodSeconds: 1,
      containers: [
        { name: "a", image: "pause" },
        {
          name: "b",
          image: "pause",
          readinessProbe: { exec: { command: ["true"] }, periodSeconds: 1 },
        },
      ],
    },
  } as Pod & ApiObject
  await env.inProcess.resource(Pods).create(pod)
  const text = await until("two running containers", async () => {
    const t = await (await fetch(`${base}/metrics`)).text()
    return sample(t, 'kubelet_running_containers{container_state="running"}') === 2 ? t : undefined
  })
  assert.equal(sample(text, "kubelet_running_pods"), 1)
  assert.equal(sample(text, "kubelet_pod_start_duration_seconds_count"), 1)
  assert.ok((sample(text, 'kubelet_pod_worker_duration_seconds_count{operation_type="create"}') ?? 0) >= 1)
  assert.equal(sample(text, 'kubelet_runtime_operations_total{operation_type="run_podsandbox"}'), 1)
  assert.equal(sample(text, 'kubelet_runtime_operations_total{operation_type="start_container"}'), 2)
  assert.match(text, /# TYPE kubelet_runtime_operations_errors_total counter/)
  assert.match(text, /# TYPE kubelet_runtime_operations_duration_seconds histogram/)

  const probes = await until("a readiness probe counted", async () => {
    const t = await (await fetch(`${base}/metrics/probes`)).text()
    return t.includes('prober_probe_total{probe_type="Readiness",result="successful"') ? t : undefined
  })
  const uid = (await env.inProcess.resource(Pods).get({ namespace: "default", name: "m1" })).metadata?.uid
  const series = `prober_probe_total{probe_type="Readiness",result="successful",container="b",pod="m1",namespace="default",pod_uid="${uid}"}`
  assert.ok((sample(probes, series) ?? 0) >= 1, probes)
  assert.doesNotMatch(probes, /kubelet_running_pods/)
})

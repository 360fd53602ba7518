import assert from "node:assert/strict"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { after, before, test } from "node:test"
import type { Pod } from "kubernetes-types/core/v1.js"
import { type ApiObject, Pods } from "../api/index.ts"
import { type ClientEnv, startClientEnv } from "../testing/index.ts"
import { Kubelet } from "./kubelet.ts"
import { ProcessRuntime } from "./runtime/process/process-runtime.ts"

let env: ClientEnv
let dir: string
const stop = new AbortController()
let running: Promise<void>

before(async () => {
  dir = mkdtempSync(join(tmpdir(), "k8ts-grpc-probe-"))
  env = await startClientEnv()
  const runtime = new ProcessRuntime({ root: join(dir, "runtime"), podRange: "127.248.0.0/24" })
  const kubelet = new Kubelet({
    client: env.inProcess,
    nodeName: "node-g",
    address: "127.0.0.1",
    runtime,
    dataDir: dir,
  })
  running = kubelet.run(stop.signal)
})

after(async () => {
  stop.abort()
  await running
  await env.stop()
  rmSync(dir, { recursive: true, force: true })
})

async function until<T>(what: string, fn: () => Promise<T | undefined | false>, ms = 15_000): Promise<T> {
  const end = Date.now() + ms
  while (Date.now() < end) {
    const v = await fn().catch(() => undefined)
    if (v) return v
    await new Promise((r) => setTimeout(r, 100))
  }
  throw new Error(`timed out waiting for ${what}`)
}

test("a grpc readiness probe against agnhost grpc-health-checking follows the served status", async () => {
  const pods = env.inProcess.resource(Pods)
  await pods.create({
    metadata: { name: "grpc", namespace: "default" },
    spec: {
      nodeName: "node-g",
      terminationGracePeriodSeconds: 1,
      containers: [
        {
          name: "health",
          image: "registry.k8s.io/e2e-test-images/agnhost:2.53",
          args: ["grpc-health-checking", "--service", "app"],
          readinessProbe: { grpc: { port: 5000, service: "app" }, periodSeconds: 1, failureThreshold: 1 },
        },
      ],
    },
  } as Pod & ApiObject)
  const ready = (want: boolean) =>
    until(`ready ${want}`, async () => {
      const p = await pods.get({ namespace: "default", name: "grpc" })
      return p.status?.containerStatuses?.[0]?.ready === want ? p : undefined
    })
  const p = await ready(true)
  const res = await fetch(`http://${p.status?.podIP}:8080/make-not-serving`)
  assert.equal(res.status, 200)
  await ready(false)
})

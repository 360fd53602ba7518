/**
 * Resource metrics end to end: `k8ts server` with the process runtime, a pod burning CPU, and
 * the real kubectl's `top pod` and `top node` reading metrics.k8s.io; then an HPA on a
 * ReplicaSet whose pod is that busy pod scales its target up through /scale, and one on a
 * Deployment whose pods burn for a while scales it up and back down.
 */
import assert from "node:assert/strict"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { after, before, test } from "node:test"
import { type ServerProcess, startK8tsServer, kubectlSession, serverTarget } from "../../src/testing/index.ts"

const dir = mkdtempSync(join(tmpdir(), "k8ts-metrics-e2e-"))
let server: ServerProcess | undefined

async function startServer(): Promise<void> {
  server = await startK8tsServer([
    ...["--data-dir", dir, "--port", "0", "--kubelet-port", "0", "--node-name", "metrics-node"],
    ...["--pod-loopback-range", "127.247.0.0/24", "--service-loopback-range", "127.112.0.0/12"],
    ...["--metric-resolution", "2s"],
  ])
}

const { k } = kubectlSession(() => serverTarget(dir))

/** Retries `fn` every 500 ms until it returns a value or `ms` passes. */
async function eventually<T>(what: string, ms: number, fn: () => Promise<T | undefined>): Promise<T> {
  const until = Date.now() + ms
  let last: unknown
  while (Date.now() < until) {
    try {
      const v = await fn()
      if (v !== undefined) return v
    } catch (err) {
      last = err
    }
    await new Promise((r) => setTimeout(r, 500))
  }
  throw new Error(`Timed out waiting for ${what}: ${String(last)}`)
}

before(async () => {
  await startServer()
})
after(async () => {
  await server?.stop()
  rmSync(dir, { recursive: true, force: true })
})

const BURN = {
  apiVersion: "v1",
  kind: "Pod",
  metadata: { name: "burn", labels: { app: "burn" } },
  spec: {
    nodeName: "metrics-node",
    containers: [
      {
        name: "burn",
        image: "busybox",
        command: ["sh", "-c", "while :; do :; done"],
        resources: { requests: { cpu: "100m", memory: "16Mi" } },
      },
    ],
  },
}

test("kubectl top pod and top node show usage; an HPA scales a busy target up", async () => {
  const file = join(dir, "burn.json")
  writeFileSync(file, JSON.stringify(BURN))
  const created = await k("apply", "-f", file)
  assert.equal(created.code, 0, created.stderr)
  const ready = await k("wait", "--for=condition=Ready", "pod/burn", "--timeout=30s")
  assert.equal(ready.code, 0, ready.stderr)

  const top = await eventually("kubectl top pod", 30_000, async () => {
    const r = await k("top", "pod", "burn", "--containers")
    return r.code === 0 ? r.stdout : undefined
  })
  const milli = Number(/burn\s+burn\s+(\d+)m\s+\d+Mi/.exec(top)?.[1])
  // An idle container shows 0-1m; a busy loop gets its share of the cores (less on a loaded machine).
  assert.ok(milli > 50, `a busy loop shows CPU usage: ${top}`)
  const node = await eventually("kubectl top node", 30_000, async () => {
    const r = await k("top", "node")
    return r.code === 0 ? r.stdout : undefined
  })
  assert.match(node, /metrics-node\s+\d+m\s+\d+%\s+\d+Mi\s+\d+%/)

  // A ReplicaSet selecting the busy pod (no ReplicaSet controller needed: the HPA only reads
  // pods and writes spec.replicas through /scale).
  const rs = {
    apiVersion: "apps/v1",
    kind: "ReplicaSet",
    metadata: { name: "burn" },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: "burn" } },
      template: { metadata: { labels: { app: "burn" } }, spec: BURN.spec },
    },
  }
  writeFileSync(join(dir, "rs.json"), JSON.stringify(rs))
  const made = await k("apply", "-f", join(dir, "rs.json"))
  assert.equal(made.code, 0, made.stderr)
  const hpa = await k("autoscale", "rs", "burn", "--min=1", "--max=3", "--cpu-percent=50")
  assert.equal(hpa.code, 0, hpa.stderr)
  const replicas = await eventually("the HPA to scale up", 40_000, async () => {
    const r = await k("get", "rs", "burn", "-o", "jsonpath={.spec.replicas}")
    return r.stdout === "3" ? r.stdout : undefined
  })
  assert.equal(replicas, "3")
  const events = await k(
    "get",
    "events",
    "--field-selector",
    "reason=SuccessfulRescale",
    "-o",
    "jsonpath={.items[*].message}",
  )
  assert.match(
    events.stdout,
    /New size: 3; reason: cpu resource utilization \(percentage of request\) above target/,
  )
  // The status reports the new count from the next sync on (15 s later).
  const got = await eventually("kubectl get hpa to show 3 replicas", 30_000, async () => {
    const r = await k("get", "hpa", "burn")
    return /burn\s+ReplicaSet\/burn\s+cpu: \d+%\/50%\s+1\s+3\s+3/.test(r.stdout) ? r.stdout : undefined
  })
  assert.match(got, /cpu: \d+%\/50%/)
})

test("an HPA scales a Deployment of CPU-burning pods up, then down once the load stops", async () => {
  // Each pod burns a core for 20 s, then idles: the HPA sees the load, then sees it go.
  // (A shell loop, not `timeout`: GNU timeout moves its command to a process group of its own.)
  const burnThenIdle =
    "end=$(( $(date +%s) + 20 )); while [ $(date +%s) -lt $end ]; do i=0; " +
    "while [ $i -lt 20000 ]; do i=$((i+1)); done; done; exec sleep 3600"
  const deployment = {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "wave" },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: "wave" } },
      template: {
        metadata: { labels: { app: "wave" } },
        spec: {
          containers: [
            {
              name: "wave",
              image: "busybox",
              command: ["sh", "-c", burnThenIdle],
              resources: { requests: { cpu: "100m", memory: "16Mi" } },
            },
          ],
        },
      },
    },
  }
  const hpa = {
    apiVersion: "autoscaling/v2",
    kind: "HorizontalPodAutoscaler",
    metadata: { name: "wave" },
    spec: {
      scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: "wave" },
      minReplicas: 1,
      maxReplicas: 3,
      metrics: [
        {
          type: "Resource",
          resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 50 } },
        },
      ],
      // A short scale-down window instead of the default 300 s.
      behavior: { scaleDown: { stabilizationWindowSeconds: 5 } },
    },
  }
  // Two documents rather than a v1 List: kubectl validates a List against OpenAPI v2 in protobuf,
  // which k8ts does not serve yet.
  writeFileSync(join(dir, "wave.yaml"), `${JSON.stringify(deployment)}\n---\n${JSON.stringify(hpa)}\n`)
  const made = await k("apply", "-f", join(dir, "wave.yaml"))
  assert.equal(made.code, 0, made.stderr)
  const replicas = (n: string) => async () => {
    const r = await k("get", "deployment", "wave", "-o", "jsonpath={.spec.replicas}")
    return r.stdout === n ? n : undefined
  }
  await eventually("the HPA to scale the Deployment up to 3", 60_000, replicas("3"))
  await eventually("the HPA to scale the Deployment back down to 1", 120_000, replicas("1"))
  const events = await k(
    "get",
    "events",
    "--field-selector",
    "involvedObject.name=wave,reason=SuccessfulRescale",
    "-o",
    "jsonpath={.items[*].message}",
  )
  assert.match(
    events.stdout,
    /New size: 3; reason: cpu resource utilization \(percentage of request\) above target/,
  )
  assert.match(events.stdout, /New size: 1; reason: All metrics below target/)
})

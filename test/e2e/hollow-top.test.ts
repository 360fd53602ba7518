/**
 * `k8ts server --runtime hollow`: the hollow node serves its stats on the kubelet port, so the
 * real kubectl's `top node` and `top pod` read its synthetic usage through metrics.k8s.io, and
 * `get podmetrics` / `get nodemetrics` print metrics-server's columns; `get --raw /metrics` is
 * the text upstream's API server writes.
 */
import assert from "node:assert/strict"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { after, before, test } from "node:test"
import { kubectlPath, run, type ServerProcess, startK8tsServer } from "../../src/testing/index.ts"

const dir = mkdtempSync(join(tmpdir(), "k8ts-hollow-top-"))
let server: ServerProcess | undefined
let kubectl: string

function k(...args: string[]) {
  return run(kubectl, ["--kubeconfig", join(dir, "kubeconfig.yaml"), ...args], {
    env: { ...process.env, HOME: dir },
  })
}

before(async () => {
  kubectl = kubectlPath()
  server = await startK8tsServer([
    ...["--data-dir", dir, "--port", "0", "--kubelet-port", "0", "--runtime", "hollow"],
    ...["--node-name", "hollow-top", "--metric-resolution", "1s", "--disable", "proxy,dns,scheduler"],
    ...["--max-pods", "250"],
  ])
})
after(async () => {
  await server?.stop()
  rmSync(dir, { recursive: true, force: true })
})

test("kubectl top node and top pod show a hollow node's synthetic usage", async () => {
  const pod = {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name: "busy",
      annotations: { "hollow.k8ts.io/cpu-usage": "250m", "hollow.k8ts.io/memory-usage": "64Mi" },
    },
    spec: { nodeName: "hollow-top", containers: [{ name: "c", image: "x" }] },
  }
  const file = join(dir, "busy.json")
  writeFileSync(file, JSON.stringify(pod))
  const created = await k("apply", "-f", file)
  assert.equal(created.code, 0, created.stderr)
  let top = { code: 1, stdout: "", stderr: "" }
  for (let i = 0; i < 60; i++) {
    top = await k("top", "pod", "busy", "--no-headers")
    if (top.code === 0) break
    await new Promise((r) => setTimeout(r, 500))
  }
  assert.equal(top.code, 0, top.stderr)
  assert.match(top.stdout, /^busy\s+250m\s+64Mi\s*$/m)
  const node = await k("top", "node", "--no-headers")
  assert.equal(node.code, 0, node.stderr)
  assert.match(node.stdout, /^hollow-top\s+\d+m\s+\d+%\s+\d+Mi\s+\d+%/m)

  // metrics-server's table: the quantities summed over the containers, the window a Go duration.
  const podMetrics = await k("get", "podmetrics", "busy")
  assert.equal(podMetrics.code, 0, podMetrics.stderr)
  assert.match(podMetrics.stdout, /^NAME\s+CPU\s+MEMORY\s+WINDOW\s*$/m)
  assert.match(podMetrics.stdout, /^busy\s+250m\s+64Mi\s+\d+(\.\d+)?m?s\s*$/m)
  const nodeMetrics = await k("get", "nodemetrics")
  assert.equal(nodeMetrics.code, 0, nodeMetrics.stderr)
  assert.match(nodeMetrics.stdout, /^NAME\s+CPU\s+MEMORY\s+WINDOW\s*$/m)
  assert.match(nodeMetrics.stdout, /^hollow-top\s+\d+(n|u|m)?\s+\d+(Ki|Mi|Gi)\s+\S+s\s*$/m)
})

test("kubectl get --raw /metrics: upstream's exposition, families sorted, HELP with the stability level", async () => {
  const r = await k("get", "--raw", "/metrics")
  assert.equal(r.code, 0, r.stderr)
  const text = r.stdout
  const families = [...text.matchAll(/^# HELP (\S+) /gm)].map((m) => m[1] as string)
  assert.ok(families.length > 10, text)
  assert.deepEqual(families, [...families].sort(), "families sorted by name")
  assert.doesNotMatch(text, /\n\n/, "no blank line between families")
  assert.match(
    text,
    /^# HELP apiserver_request_total \[STABLE\] Counter of apiserver requests broken out for each verb, dry run value, group, version, resource, scope, component, and HTTP response code\.$/m,
  )
  // Labels sorted by name, le last.
  assert.match(
    text,
    /^apiserver_request_duration_seconds_bucket\{component="apiserver",dry_run="",group="",resource="[a-z]+",scope="[a-z]*",subresource="[a-z]*",verb="[A-Z]+",version="v1",le="0\.005"\} \d+$/m,
  )
  // The families dashboards read: objects stored, requests in flight, the components' requests.
  assert.match(text, /^apiserver_resource_objects\{group="",resource="pods"\} [1-9]\d*$/m)
  assert.doesNotMatch(text, /apiserver_storage_objects/, "hidden in 1.35: deprecated in 1.34.0")
  assert.match(text, /^apiserver_current_inflight_requests\{request_kind="readOnly"\} \d+$/m)
  assert.match(text, /^apiserver_current_inflight_requests\{request_kind="mutating"\} \d+$/m)
  assert.match(text, /^rest_client_requests_total\{code="200",host="[^"]+",method="GET"\} [1-9]/m)
})

test("--max-pods sets the hollow node's pods capacity and allocatable", async () => {
  const pods = await k(
    "get",
    "node",
    "hollow-top",
    "-o",
    "jsonpath={.status.capacity.pods}/{.status.allocatable.pods}",
  )
  assert.equal(pods.code, 0, pods.stderr)
  assert.equal(pods.stdout, "250/250")
})

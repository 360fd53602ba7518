/**
 * `k8ts server --runtime hollow`: the hollow node serves its stats on the kubelet port, so the
 * real kubectl's `top node` and `top pod` read its synthetic usage through metrics.k8s.io.
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

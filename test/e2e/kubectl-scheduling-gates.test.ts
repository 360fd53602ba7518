/**
 * Scheduling gates against `k8ts server` (a child process over HTTPS) with the real kubectl: a
 * gated pod shows STATUS SchedulingGated and is never attempted (no FailedScheduling events);
 * removing its gates with a JSON patch gets it scheduled at once, without back-off; gates may
 * only be removed, never added.
 */
import assert from "node:assert/strict"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { after, before, describe, test } from "node:test"
import { kubectlPath, run, type ServerProcess, startK8tsServer } from "../../src/testing/index.ts"

const dir = mkdtempSync(join(tmpdir(), "k8ts-gates-e2e-"))
const KUBECONFIG = join(dir, "data", "kubeconfig.yaml")
let server: ServerProcess | undefined
let kubectl: string

function k(args: string[], opts: { input?: string } = {}) {
  return run(kubectl, ["--kubeconfig", KUBECONFIG, ...args], {
    env: { ...process.env, HOME: dir },
    ...(opts.input !== undefined ? { input: opts.input } : {}),
  })
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

const gatedPod = (name: string, gates: string[]) =>
  JSON.stringify({
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name },
    spec: {
      schedulingGates: gates.map((g) => ({ name: g })),
      containers: [{ name: "c", image: "busybox", command: ["sleep", "3600"] }],
    },
  })

before(async () => {
  kubectl = kubectlPath()
  server = await startK8tsServer([
    ...["--data-dir", join(dir, "data"), "--port", "0", "--kubelet-port", "0"],
    ...["--node-name", "gates-node", "--pod-loopback-range", "127.231.0.0/24"],
    ...["--service-loopback-range", "127.232.0.0/16", "--service-cidr", "10.96.0.0/16"],
  ])
})

after(async () => {
  await server?.stop()
  rmSync(dir, { recursive: true, force: true })
})

describe("scheduling gates", () => {
  test("a gated pod waits as SchedulingGated without attempts; removing its gates schedules it at once", async () => {
    const made = await k(["create", "-f", "-"], { input: gatedPod("gated", ["example.com/wait"]) })
    assert.equal(made.code, 0, made.stderr)
    const got = await k(["get", "pod", "gated", "--no-headers"])
    assert.equal(got.code, 0, got.stderr)
    assert.match(got.stdout, /^gated\s+0\/1\s+SchedulingGated\s+0\s+/)
    const cond = await k(["get", "pod", "gated", "-o", "jsonpath={.status.conditions}"])
    const [scheduled] = JSON.parse(cond.stdout) as Record<string, unknown>[]
    assert.equal(scheduled?.type, "PodScheduled")
    assert.equal(scheduled?.status, "False")
    assert.equal(scheduled?.reason, "SchedulingGated")
    assert.equal(scheduled?.message, "Scheduling is blocked due to non-empty scheduling gates")

    // The scheduler leaves it alone: no attempt, so no event and no other condition.
    await sleep(3000)
    const events = await k(["get", "events", "--field-selector", "involvedObject.name=gated", "-o", "name"])
    assert.equal(events.code, 0, events.stderr)
    assert.equal(events.stdout.trim(), "")
    const still = await k([
      "get",
      "pod",
      "gated",
      "-o",
      "jsonpath={.spec.nodeName}/{.status.conditions[0].reason}",
    ])
    assert.equal(still.stdout, "/SchedulingGated")

    const start = Date.now()
    const patched = await k([
      "patch",
      "pod",
      "gated",
      "--type=json",
      "-p",
      '[{"op":"remove","path":"/spec/schedulingGates"}]',
    ])
    assert.equal(patched.code, 0, patched.stderr)
    let node = ""
    while (Date.now() - start < 3000) {
      node = (await k(["get", "pod", "gated", "-o", "jsonpath={.spec.nodeName}"])).stdout
      if (node) break
      await sleep(100)
    }
    assert.equal(node, "gates-node", `not scheduled ${Date.now() - start} ms after its gates were removed`)
    const after = await k([
      "get",
      "events",
      "--field-selector",
      "involvedObject.name=gated",
      "-o",
      "jsonpath={.items[*].reason}",
    ])
    assert.doesNotMatch(after.stdout, /FailedScheduling/)
    assert.match(after.stdout, /Scheduled/)
  })

  test("gates may only be removed: one added is refused", async () => {
    const made = await k(["create", "-f", "-"], { input: gatedPod("two", ["example.com/a"]) })
    assert.equal(made.code, 0, made.stderr)
    const r = await k([
      "patch",
      "pod",
      "two",
      "--type=json",
      "-p",
      '[{"op":"add","path":"/spec/schedulingGates/-","value":{"name":"example.com/x"}}]',
    ])
    assert.notEqual(r.code, 0)
    assert.match(
      r.stderr,
      /spec\.schedulingGates\[1\]\.name: Forbidden: only deletion is allowed, but found new scheduling gate 'example\.com\/x'/,
    )
  })

  test("a pod with spec.nodeName and gates is refused at create", async () => {
    const body = JSON.parse(gatedPod("placed", ["example.com/a"]))
    body.spec.nodeName = "gates-node"
    const r = await k(["create", "-f", "-"], { input: JSON.stringify(body) })
    assert.notEqual(r.code, 0)
    assert.match(
      r.stderr,
      /spec\.nodeName: Forbidden: cannot be set until all schedulingGates have been cleared/,
    )
  })
})

/**
 * In-place pod resize with the real kubectl v1.35 against `k8ts server` (loopback mode, where the
 * process runtime has no cgroups and reports a resize applied at once): `kubectl patch
 * --subresource resize` and `kubectl edit --subresource resize` change a running pod's CPU and
 * memory, its containerStatuses report them and its resize conditions clear; a resize the node
 * can never take stays PodResizePending Infeasible; a plain patch still may not change
 * resources; discovery lists pods/resize.
 */
import assert from "node:assert/strict"
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { after, before, describe, test } from "node:test"
import {
  kubectlPath,
  kubectlSession,
  run,
  type ServerProcess,
  serverTarget,
  startK8tsServer,
} from "../../src/testing/index.ts"

const dir = mkdtempSync(join(tmpdir(), "k8ts-resize-e2e-"))
let server: ServerProcess | undefined
const { k, ok, getJson, file } = kubectlSession(() => serverTarget(dir))

/** Gets the pod until `ready` holds of it (the kubelet acts asynchronously). */
async function untilPod(name: string, ready: (p: any) => boolean, what: string): Promise<any> {
  let last: any
  for (let i = 0; i < 150; i++) {
    last = await getJson("pod", name)
    if (ready(last)) return last
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  throw new Error(`pod ${name} never got ${what}: ${JSON.stringify(last?.status)}`)
}

const resizeConditions = (p: any) =>
  (p.status?.conditions ?? []).filter((c: any) => String(c.type).startsWith("PodResize"))

const POD = `apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  nodeName: resize-node
  terminationGracePeriodSeconds: 1
  containers:
  - name: app
    image: busybox
    command: ["sleep", "3600"]
    resources:
      requests: {cpu: 100m, memory: 32Mi}
      limits: {cpu: 200m, memory: 64Mi}
    resizePolicy:
    - {resourceName: cpu, restartPolicy: NotRequired}
    - {resourceName: memory, restartPolicy: RestartContainer}
`

before(async () => {
  server = await startK8tsServer([
    ...["--data-dir", dir, "--port", "0", "--kubelet-port", "0", "--dns-port", "0"],
    ...["--node-name", "resize-node", "--pod-loopback-range", "127.233.0.0/24"],
    ...["--service-loopback-range", "127.234.0.0/16", "--service-cidr", "10.96.0.0/16"],
  ])
  await ok("apply", "-f", file("pod.yaml", POD))
  await ok("wait", "--for=condition=Ready", "pod/web", "--timeout=60s")
})

after(async () => {
  await server?.stop()
  rmSync(dir, { recursive: true, force: true })
})

describe("kubectl and pods/resize", () => {
  test("discovery lists pods/resize, and kubectl gets the pod through it", async () => {
    const list = JSON.parse(await ok("get", "--raw", "/api/v1"))
    const sub = list.resources.find((r: any) => r.name === "pods/resize")
    assert.deepEqual(sub?.verbs, ["get", "patch", "update"])
    assert.equal(sub?.kind, "Pod")
    const pod = JSON.parse(await ok("get", "pod", "web", "--subresource", "resize", "-o", "json"))
    assert.equal(pod.metadata.name, "web")
  })

  test("kubectl patch --subresource resize changes the CPU in place; the status reports it and the conditions clear", async () => {
    const before = await getJson("pod", "web")
    const out = await ok(
      "patch",
      "pod",
      "web",
      "--subresource",
      "resize",
      "--patch",
      '{"spec":{"containers":[{"name":"app","resources":{"requests":{"cpu":"150m"},"limits":{"cpu":"300m"}}}]}}',
    )
    assert.equal(out.trim(), "pod/web patched")
    const p = await untilPod(
      "web",
      (x) =>
        x.status?.containerStatuses?.[0]?.resources?.limits?.cpu === "300m" &&
        resizeConditions(x).length === 0 &&
        x.status?.observedGeneration === before.metadata.generation + 1,
      "the new CPU",
    )
    const s = p.status.containerStatuses[0]
    assert.deepEqual(s.resources, {
      requests: { cpu: "150m", memory: "32Mi" },
      limits: { cpu: "300m", memory: "64Mi" },
    })
    assert.deepEqual(s.allocatedResources, { cpu: "150m", memory: "32Mi" })
    assert.equal(s.restartCount, 0)
    assert.equal(s.containerID, before.status.containerStatuses[0].containerID)
    assert.equal(p.metadata.generation, before.metadata.generation + 1)
    const events = JSON.parse(
      await ok("get", "events", "--field-selector", "involvedObject.name=web", "-o", "json"),
    )
    const reasons = events.items.map((e: any) => e.reason)
    assert.ok(reasons.includes("ResizeStarted") && reasons.includes("ResizeCompleted"), reasons.join())
  })

  test("kubectl edit --subresource resize of the memory (resizePolicy RestartContainer) restarts the container", async () => {
    const editor = join(dir, "editor.sh")
    writeFileSync(editor, `#!/bin/sh\nsed -i 's/memory: 64Mi/memory: 96Mi/' "$1"\n`)
    chmodSync(editor, 0o755)
    const target = serverTarget(dir)
    const edited = await run(
      kubectlPath(),
      [...(target.args ?? []), "edit", "pod", "web", "--subresource", "resize"],
      {
        env: { ...target.env, EDITOR: editor, KUBE_EDITOR: editor },
      },
    )
    assert.equal(edited.code, 0, edited.stderr)
    assert.match(edited.stdout, /pod\/web edited/)
    const p = await untilPod(
      "web",
      (x) =>
        x.status?.containerStatuses?.[0]?.resources?.limits?.memory === "96Mi" &&
        x.status.containerStatuses[0].restartCount === 1 &&
        !!x.status.containerStatuses[0].state?.running &&
        resizeConditions(x).length === 0,
      "the new memory limit, restarted",
    )
    assert.equal(p.spec.containers[0].resources.limits.memory, "96Mi")
  })

  test("a resize the node can never take stays PodResizePending Infeasible", async () => {
    await ok(
      "patch",
      "pod",
      "web",
      "--subresource",
      "resize",
      "--patch",
      '{"spec":{"containers":[{"name":"app","resources":{"requests":{"cpu":"1000"},"limits":{"cpu":"1000"}}}]}}',
    )
    const node = await getJson("node", "resize-node")
    const cpu = String(node.status.allocatable.cpu)
    const capacity = cpu.endsWith("m") ? Number(cpu.slice(0, -1)) : Number(cpu) * 1000
    const p = await untilPod("web", (x) => resizeConditions(x).length > 0, "PodResizePending")
    const [pending] = resizeConditions(p)
    assert.equal(pending.type, "PodResizePending")
    assert.equal(pending.status, "True")
    assert.equal(pending.reason, "Infeasible")
    assert.equal(
      pending.message,
      `Node didn't have enough capacity: cpu, requested: 1000000, capacity: ${capacity}`,
    )
    assert.equal(pending.observedGeneration, p.metadata.generation)
    // The container keeps what it has.
    assert.equal(p.status.containerStatuses[0].resources.limits.cpu, "300m")
    const described = await ok("describe", "pod", "web")
    assert.match(described, /Warning\s+ResizeInfeasible\s+.*Pod resize Infeasible:/)
  })

  test("a plain patch still may not change resources, and a resize may not change the QoS class", async () => {
    const plain = await k(
      "patch",
      "pod",
      "web",
      "--patch",
      '{"spec":{"containers":[{"name":"app","resources":{"requests":{"cpu":"250m"}}}]}}',
    )
    assert.notEqual(plain.code, 0)
    assert.match(
      plain.stderr,
      /The Pod "web" is invalid: spec: Forbidden: pod updates may not change fields other than `spec\.containers\[\*\]\.image`/,
    )
    const qos = await k(
      "patch",
      "pod",
      "web",
      "--subresource",
      "resize",
      "--patch",
      '{"spec":{"containers":[{"name":"app","resources":{"requests":{"cpu":"1","memory":"64Mi"},"limits":{"cpu":"1","memory":"64Mi"}}}]}}',
    )
    assert.notEqual(qos.code, 0)
    assert.match(
      qos.stderr,
      /The Pod "web" is invalid: spec: Invalid value: "Burstable": Pod QOS Class may not change as a result of resizing/,
    )
  })
})

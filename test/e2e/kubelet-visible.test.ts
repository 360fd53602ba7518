/**
 * The kubelet as the real kubectl shows it, against `k8ts server` (a child process over HTTPS):
 * `kubectl get pods -w` sees a pod ContainerCreating before Running; `kubectl describe pod` and
 * `kubectl get events -o wide` name the container each kubelet event is about, and show a silent
 * exec probe's Unhealthy message; `kubectl get --raw .../proxy/configz` has the kubelet's
 * configuration; a container whose program cannot start is terminated with a StartError; a
 * hostNetwork pod's IP, and its endpoints', are the node's.
 */
import assert from "node:assert/strict"
import { spawn } from "node:child_process"
import { mkdtempSync, rmSync } from "node:fs"
import { createServer } from "node:net"
import { hostname, tmpdir } from "node:os"
import { join } from "node:path"
import { after, before, describe, test } from "node:test"
import {
  kubectlPath,
  kubectlSession,
  type ServerProcess,
  serverTarget,
  startK8tsServer,
} from "../../src/testing/index.ts"

const dir = mkdtempSync(join(tmpdir(), "k8ts-kubelet-e2e-"))
const NODE = "visible-node"
let server: ServerProcess | undefined

const { k, ok, file } = kubectlSession(() => serverTarget(dir))

before(async () => {
  server = await startK8tsServer([
    ...["--data-dir", dir, "--port", "0", "--kubelet-port", "0", "--node-name", NODE],
    ...["--pod-loopback-range", "127.243.0.0/24", "--service-loopback-range", "127.192.0.0/12"],
    ...["--max-pods", "120"],
  ])
})
after(async () => {
  await server?.stop()
  rmSync(dir, { recursive: true, force: true })
})

/** A TCP port free on 127.0.0.1 just now. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer().once("error", reject)
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as { port: number }
      srv.close(() => resolve(port))
    })
  })
}

/**
 * `kubectl get pods -w` while `act` runs, until a line matches `last`; its lines. A pod must
 * exist already: kubectl lists it first, so the watch is open before `act`.
 */
async function watchPods(act: () => Promise<void>, last: RegExp): Promise<string[]> {
  const args = ["--kubeconfig", join(dir, "kubeconfig.yaml"), "get", "pods", "-w"]
  const child = spawn(kubectlPath(), args, { env: { ...process.env, HOME: dir } })
  let out = ""
  let listed: () => void = () => {}
  const open = new Promise<void>((resolve) => (listed = resolve))
  const done = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`kubectl get -w never showed ${last}:\n${out}`)), 30_000)
    child.stdout.on("data", (c: Buffer) => {
      out += String(c)
      if (/^sick\s/m.test(out)) listed()
      if (last.test(out)) {
        clearTimeout(timer)
        resolve()
      }
    })
  })
  try {
    await open
    await act()
    await done
  } finally {
    child.kill()
  }
  return out.split("\n").filter(Boolean)
}

describe("the kubelet through kubectl", () => {
  test("kubelet events name their container; a silent exec probe's message is empty", async () => {
    const manifest = {
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "sick" },
      spec: {
        nodeName: NODE,
        initContainers: [{ name: "setup", image: "busybox", command: ["sh", "-c", "true"] }],
        containers: [
          {
            name: "app",
            image: "busybox",
            command: ["sh", "-c", "sleep 3600"],
            livenessProbe: {
              exec: { command: ["sh", "-c", "exit 1"] },
              periodSeconds: 1,
              failureThreshold: 2,
            },
          },
        ],
      },
    }
    await ok("apply", "-f", file("sick.json", JSON.stringify(manifest)))
    let events = ""
    for (let i = 0; i < 100 && !/Killing/.test(events); i++) {
      events = (await k("get", "events", "-o", "wide", "--field-selector", "involvedObject.name=sick")).stdout
      if (!/Killing/.test(events)) await new Promise((r) => setTimeout(r, 200))
    }
    const line = (reason: string, subobject: string) =>
      events.split("\n").find((l) => l.includes(` ${reason} `) && l.includes(` ${subobject} `))
    assert.ok(line("Started", "spec.initContainers{setup}"), events)
    assert.ok(line("Started", "spec.containers{app}"), events)
    assert.match(line("Unhealthy", "spec.containers{app}") ?? "", /Liveness probe failed:\s/, events)
    assert.match(
      line("Killing", "spec.containers{app}") ?? "",
      /Container app failed liveness probe, will be restarted/,
      events,
    )
    // kubectl describe puts the container's fieldPath before each message.
    const described = await ok("describe", "pod", "sick")
    const unhealthy = /Warning\s+Unhealthy\s.*\skubelet\s+spec\.containers\{app\}: Liveness probe failed:$/m
    assert.match(described, unhealthy, described)
    const started = /Normal\s+Started\s.*\skubelet\s+spec\.initContainers\{setup\}: Started container setup$/m
    assert.match(described, started, described)
  })

  test("kubectl get pods -w shows ContainerCreating, then Running", async () => {
    // The pod of the test before is listed first: then the watch is open.
    const lines = await watchPods(async () => {
      await ok("run", "watched", "--image=busybox", "--", "sleep", "3600")
    }, /watched\s+1\/1\s+Running/)
    const statuses = lines.filter((l) => l.startsWith("watched ")).map((l) => l.split(/\s+/)[2])
    const creating = statuses.indexOf("ContainerCreating")
    assert.ok(creating >= 0, lines.join("\n"))
    assert.ok(statuses.indexOf("Running") > creating, lines.join("\n"))
  })

  test("a program that cannot start: StartError, the pod fails, and so does a Job of it", async () => {
    await ok("run", "nostart", "--image=busybox", "--restart=Never", "--command", "--", "nosuchbinary-xyz")
    let row: string[] = []
    for (let i = 0; i < 100 && row[2] !== "StartError"; i++) {
      row = (await ok("get", "pod", "nostart", "--no-headers")).trim().split(/\s+/)
      if (row[2] !== "StartError") await new Promise((r) => setTimeout(r, 200))
    }
    assert.deepEqual(row.slice(0, 4), ["nostart", "0/1", "StartError", "0"])
    const why =
      'unable to start container process: exec: "nosuchbinary-xyz": executable file not found in $PATH'
    const described = await ok("describe", "pod", "nostart")
    assert.match(described, /^Status:\s+Failed$/m, described)
    assert.match(described, /^\s+State:\s+Terminated\n\s+Reason:\s+StartError\n/m, described)
    assert.ok(described.includes(`Message:      ${why}`), described)
    assert.match(described, /^\s+Exit Code:\s+128$/m, described)
    assert.ok(described.includes(`spec.containers{nostart}: Error: ${why}`), described)
    const job = {
      apiVersion: "batch/v1",
      kind: "Job",
      metadata: { name: "nostart-job" },
      spec: {
        backoffLimit: 0,
        template: {
          spec: {
            restartPolicy: "Never",
            containers: [{ name: "c", image: "busybox", command: ["nosuchbinary-xyz"] }],
          },
        },
      },
    }
    await ok("apply", "-f", file("nostart-job.json", JSON.stringify(job)))
    await ok("wait", "--for=condition=Failed", "job/nostart-job", "--timeout=60s")
  })

  test("a hostNetwork pod's IP is the node's, and so are its Service's endpoints", async () => {
    const port = String(await freePort())
    const image = "registry.k8s.io/e2e-test-images/agnhost:2.53"
    await ok(
      ...["run", "hostnet", `--image=${image}`, "--port", port, '--overrides={"spec":{"hostNetwork":true}}'],
      ...["--", "netexec", `--http-port=${port}`, "--udp-port=-1"],
    )
    await ok("wait", "--for=condition=Ready", "pod/hostnet", "--timeout=30s")
    const internal = '{.status.addresses[?(@.type=="InternalIP")].address}'
    const nodeIP = await ok("get", "node", NODE, "-o", `jsonpath=${internal}`)
    assert.ok(nodeIP)
    const ips = await ok(
      "get",
      "pod",
      "hostnet",
      "-o",
      "jsonpath={.status.podIP} {.status.podIPs[*].ip} {.status.hostIP}",
    )
    assert.equal(ips, `${nodeIP} ${nodeIP} ${nodeIP}`)
    const wide = (await ok("get", "pod", "hostnet", "-o", "wide", "--no-headers")).trim().split(/\s+/)
    assert.equal(wide[5], nodeIP, wide.join(" "))
    await ok("expose", "pod", "hostnet")
    const sliceIP = "jsonpath={.items[0].endpoints[0].addresses[0]}"
    let got = ["", ""]
    for (let i = 0; i < 100 && got.some((ip) => ip !== nodeIP); i++) {
      got = [
        (await k("get", "endpointslices", "-l", "kubernetes.io/service-name=hostnet", "-o", sliceIP)).stdout,
        (await k("get", "endpoints", "hostnet", "-o", "jsonpath={.subsets[0].addresses[0].ip}")).stdout,
      ]
      if (got.some((ip) => ip !== nodeIP)) await new Promise((r) => setTimeout(r, 200))
    }
    assert.deepEqual(got, [nodeIP, nodeIP])
    const page = await fetch(`http://${nodeIP}:${port}/hostname`)
    // On the node's network its name is the node's, as agnhost reports it there.
    assert.equal(await page.text(), hostname())
  })

  test("kubectl get --raw .../proxy/configz has the kubelet's configuration", async () => {
    const raw = await ok("get", "--raw", `/api/v1/nodes/${NODE}/proxy/configz`)
    const { kubeletconfig: c } = JSON.parse(raw) as { kubeletconfig: Record<string, unknown> }
    assert.equal(c.maxPods, 120)
    assert.equal(c.clusterDomain, "cluster.local")
    assert.equal(c.syncFrequency, "1m0s")
    assert.equal(c.kind, undefined)
    const spec = await k("get", "--raw", `/api/v1/nodes/${NODE}/proxy/spec/`)
    assert.notEqual(spec.code, 0)
  })
})

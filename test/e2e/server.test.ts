/** `k8ts server` as a user runs it: a child process over HTTPS, driven by the real kubectl. */
import assert from "node:assert/strict"
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { request } from "node:https"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { after, before, describe, test } from "node:test"
import * as dnsPacket from "dns-packet"
import { createSocket } from "node:dgram"
import {
  run,
  type ServerProcess,
  startK8tsServer,
  kubectlSession,
  serverTarget,
} from "../../src/testing/index.ts"

const ROOT = join(import.meta.dirname, "..", "..")
const dir = mkdtempSync(join(tmpdir(), "k8ts-server-e2e-"))
let server: ServerProcess | undefined

async function startServer(): Promise<{ url: string; ms: number; dns: { host: string; port: number } }> {
  const t = performance.now()
  server = await startK8tsServer([
    "--data-dir",
    dir,
    "--port",
    "0",
    "--kubelet-port",
    "0",
    "--node-name",
    "e2e-node",
    "--pod-loopback-range",
    "127.246.0.0/24",
    "--service-loopback-range",
    "127.128.0.0/12",
    "--dns-port",
    "0",
    "--max-pods",
    "150",
  ])
  const dns = /DNS serving \S+ on ([\d.]+):(\d+)/.exec(server.log)
  assert.ok(dns, server.log)
  return { url: server.url, ms: performance.now() - t, dns: { host: dns[1]!, port: Number(dns[2]) } }
}

/** One UDP DNS query with dns-packet; resolves with the decoded reply. */
function dnsQuery(
  server: { host: string; port: number },
  name: string,
  type: dnsPacket.RecordType,
): Promise<dnsPacket.DecodedPacket & { rcode?: string }> {
  const s = createSocket("udp4")
  return new Promise<dnsPacket.DecodedPacket>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`No DNS answer for ${name}`)), 5000)
    s.on("message", (m) => {
      clearTimeout(timer)
      resolve(dnsPacket.decode(m))
    })
    s.send(dnsPacket.encode({ type: "query", id: 7, questions: [{ type, name }] }), server.port, server.host)
  }).finally(() => s.close())
}

async function stopServer(): Promise<void> {
  await server?.stop()
}

const { k } = kubectlSession(() => serverTarget(dir))

before(() => {})
after(async () => {
  await server?.stop()
  rmSync(dir, { recursive: true, force: true })
})

describe("k8ts server", () => {
  test("refuses flags it cannot use with exit code 2 and a clear message", async () => {
    for (const [flag, message] of [
      [
        ["--service-cidr", "10.96.0.1/12"],
        /--service-cidr: invalid CIDR address: 10.96.0.1\/12 \(host bits set\)/,
      ],
      [["--runtime", "docker"], /--runtime: unknown value "docker" \(expected one of: process, hollow\)/],
      [["--disable", "scheduler,dns2"], /--disable: unknown value "dns2"/],
      [["--port", "70000"], /--port: not a port number/],
      [["--no-such-flag"], /Unknown option '--no-such-flag'/],
    ] as const) {
      const r = await run(process.execPath, [
        join(ROOT, "bin", "k8ts.js"),
        "server",
        "--data-dir",
        dir,
        ...flag,
      ])
      assert.equal(r.code, 2, `${flag.join(" ")}: ${r.stdout}${r.stderr}`)
      assert.match(r.stderr, message)
    }
  })

  test("starts over HTTPS, answers kubectl, refuses anonymous requests and keeps state across restarts", async () => {
    const { url, dns } = await startServer()
    const nodes = await k("get", "nodes")
    assert.equal(nodes.code, 0, nodes.stderr)
    const ns = await k("get", "namespaces", "-o", "name")
    assert.match(ns.stdout, /namespace\/kube-system/)
    const file = join(dir, "cm.yaml")
    writeFileSync(file, "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: kept\ndata:\n  a: b\n")
    const created = await k("create", "--validate=false", "-f", file)
    assert.equal(created.code, 0, created.stderr)

    // Without credentials: 401, except for version and health.
    const ca = readFileSync(join(dir, "pki", "ca.crt"), "utf8")
    const anon = (path: string) =>
      new Promise<number>((resolve, reject) => {
        request(`${url}${path}`, { ca }, (res) => {
          res.resume()
          resolve(res.statusCode ?? 0)
        })
          .on("error", reject)
          .end()
      })
    assert.equal(await anon("/api/v1/namespaces"), 401)
    assert.equal(await anon("/version"), 200)
    assert.equal(await anon("/readyz"), 200)
    assert.equal(await anon("/metrics"), 401)

    // The kubernetes Service and its endpoints point at this server.
    const svc = await k(
      "get",
      "service",
      "kubernetes",
      "-o",
      "jsonpath={.spec.clusterIP} {.spec.ports[0].port}",
    )
    assert.equal(svc.stdout, "10.96.0.1 443", svc.stderr)
    const port = new URL(url).port
    const eps = await k(
      "get",
      "endpoints",
      "kubernetes",
      "-o",
      "jsonpath={.subsets[0].addresses[0].ip}:{.subsets[0].ports[0].port}",
    )
    assert.equal(eps.stdout, `127.0.0.1:${port}`, eps.stderr)

    // Cluster DNS answers the kubernetes Service with its loopback address, and serves kube-dns.
    assert.equal(dns.host, "127.128.0.10")
    const answer = await dnsQuery(dns, "kubernetes.default.svc.cluster.local", "A")
    assert.equal(answer.rcode, "NOERROR")
    assert.deepEqual(
      answer.answers?.map((a) => (a as dnsPacket.StringAnswer).data),
      ["127.128.0.1"],
    )
    assert.equal((await dnsQuery(dns, "nope.default.svc.cluster.local", "A")).rcode, "NXDOMAIN")
    const kubeDns = await k(
      "get",
      "service",
      "kube-dns",
      "-n",
      "kube-system",
      "-o",
      "jsonpath={.spec.clusterIP}",
    )
    assert.equal(kubeDns.stdout, "10.96.0.10", kubeDns.stderr)

    // Prometheus metrics, for authenticated callers.
    const metrics = await k("get", "--raw", "/metrics")
    assert.equal(metrics.code, 0, metrics.stderr)
    assert.match(
      metrics.stdout,
      /apiserver_request_total\{code="200",[^}]*resource="services"[^}]*verb="GET",[^}]*\} \d+/,
    )
    assert.match(metrics.stdout, /etcd_request_duration_seconds_bucket\{/)
    assert.match(metrics.stdout, /^process_resident_memory_bytes \d(\.\d+)?e\+\d\d$/m)

    await stopServer()
    await startServer()
    const got = await k("get", "configmap", "kept", "-o", "jsonpath={.data.a}")
    assert.equal(got.code, 0, got.stderr)
    assert.equal(got.stdout, "b")
    await stopServer()
  })

  /** The pod's kube-api-access volume holds a token bound to it, the CA and the namespace. */
  async function checkServiceAccountVolume(name: string): Promise<void> {
    const pod = JSON.parse((await k("get", "pod", name, "-o", "json")).stdout)
    const vol = pod.spec.volumes.find((v: { name: string }) => v.name.startsWith("kube-api-access-"))
    assert.ok(vol, "no kube-api-access volume")
    const suffix = join(pod.metadata.uid, "volumes", "kubernetes.io~projected", vol.name)
    const found = readdirSync(dir, { recursive: true }).find((p) => String(p).endsWith(suffix))
    assert.ok(found, `no ${suffix} under ${dir}`)
    const at = join(dir, String(found))
    assert.equal(readFileSync(join(at, "namespace"), "utf8"), "default")
    assert.match(readFileSync(join(at, "ca.crt"), "utf8"), /BEGIN CERTIFICATE/)
    const token = readFileSync(join(at, "token"), "utf8")
    const claims = JSON.parse(Buffer.from(token.split(".")[1] ?? "", "base64url").toString())
    assert.deepEqual(claims["kubernetes.io"].pod, { name, uid: pod.metadata.uid })
    assert.ok(existsSync(join(dir, "pki", "sa.key")))
  }

  test("runs pods with the process runtime: kubectl run, logs, a web page, delete", async () => {
    await startServer()
    const onNode = '{"spec":{"nodeName":"e2e-node"}}'
    const ran = await k(
      "run",
      "once",
      "--image=busybox",
      "--restart=Never",
      `--overrides=${onNode}`,
      "--",
      "sh",
      "-c",
      "echo one; echo two",
    )
    assert.equal(ran.code, 0, ran.stderr)
    const web = await k("run", "web", "--image=nginx", `--overrides=${onNode}`)
    assert.equal(web.code, 0, web.stderr)
    const waited = await k("wait", "--for=jsonpath={.status.phase}=Succeeded", "pod/once", "--timeout=30s")
    assert.equal(waited.code, 0, waited.stderr)
    const logs = await k("logs", "once")
    assert.equal(logs.stdout, "one\ntwo\n", logs.stderr)
    const maxPods = await k(
      "get",
      "node",
      "e2e-node",
      "-o",
      "jsonpath={.status.capacity.pods}/{.status.allocatable.pods}",
    )
    assert.equal(maxPods.stdout, "150/150", maxPods.stderr)
    const ready = await k("wait", "--for=condition=Ready", "pod/web", "--timeout=30s")
    assert.equal(ready.code, 0, ready.stderr)
    const ip = (await k("get", "pod", "web", "-o", "jsonpath={.status.podIP}")).stdout
    assert.match(ip, /^127\.246\.0\.\d+$/)
    await checkServiceAccountVolume("web")
    const page = await fetch(`http://${ip}/`)
    assert.match(await page.text(), /Welcome to nginx!/)
    // Through a Service: its ClusterIP is served by the proxy on the mapped loopback address.
    const exposed = await k("expose", "pod", "web", "--port=8080", "--target-port=80", "--name=web")
    assert.equal(exposed.code, 0, exposed.stderr)
    // Field managers name the component that wrote, by upstream's binary names.
    const managers = async (...what: string[]) =>
      (
        await k(
          "get",
          ...what,
          "--show-managed-fields",
          "-o",
          "jsonpath={range .items[*].metadata.managedFields[*]}{.manager}/{.subresource};{end}",
        )
      ).stdout
    assert.match(await managers("pods", "--field-selector=metadata.name=web"), /(^|;)kubelet\/status;/)
    let sliceManagers = ""
    for (let i = 0; i < 100 && !sliceManagers; i++) {
      sliceManagers = await managers("endpointslices", "-l", "kubernetes.io/service-name=web")
      if (!sliceManagers) await new Promise((r) => setTimeout(r, 100))
    }
    assert.match(sliceManagers, /(^|;)kube-controller-manager\/;/)
    const clusterIP = (await k("get", "svc", "web", "-o", "jsonpath={.spec.clusterIP}")).stdout
    const [, b, c, d] = clusterIP.split(".").map(Number) as [number, number, number, number]
    const vip = `127.${128 + (b - 96)}.${c}.${d}`
    let viaService = ""
    for (let i = 0; i < 100 && !viaService.includes("Welcome"); i++) {
      viaService = await fetch(`http://${vip}:8080/`).then(
        (r) => r.text(),
        () => "",
      )
      if (!viaService.includes("Welcome")) await new Promise((r) => setTimeout(r, 100))
    }
    assert.match(viaService, /Welcome to nginx!/)
    // The proxy subresources: the kubelet over HTTPS, the pod and the service's endpoint.
    const raw = (path: string) => k("get", "--raw", path).then((r) => `${r.stdout}${r.stderr}`)
    assert.match(await raw("/api/v1/nodes/e2e-node/proxy/metrics"), /kubelet_\w+/)
    assert.match(await raw("/api/v1/nodes/e2e-node/proxy/stats/summary"), /"nodeName": ?"e2e-node"/)
    assert.match(await raw("/api/v1/namespaces/default/pods/web/proxy/"), /Welcome to nginx!/)
    assert.match(await raw("/api/v1/namespaces/default/services/web:8080/proxy/"), /Welcome to nginx!/)
    const deleted = await k("delete", "pod", "web", "--timeout=30s")
    assert.equal(deleted.code, 0, deleted.stderr)
    await assert.rejects(fetch(`http://${ip}/`))
    await stopServer()
  })
})

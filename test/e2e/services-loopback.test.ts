/**
 * `k8ts server` in its default unprivileged mode (`--pod-network=loopback`,
 * `--proxy-mode=userspace`) runs the Services suite (services.case.ts): pods are processes on
 * their own loopback addresses, Services are served by the userspace proxy on the loopback
 * mapping of their ClusterIPs, NodePorts on the node address. Pods share the host's
 * /etc/resolv.conf here, so their clients ask the cluster DNS at its address directly (a
 * resolv.conf cannot name a port, and port 53 needs root). Runs as any user; its own ranges
 * (127.237.0/24 pods, 10.238/16 services on 127.238/16) so it can run beside other tests.
 */
import assert from "node:assert/strict"
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { after, before, describe, test } from "node:test"
import { kubectlSession, type ServerProcess, serverTarget, startK8tsServer } from "../../src/testing/index.ts"
import { mapAddress, parseCidr } from "../../src/util/index.ts"
import { idlePod, type PodAddress, podTools, tier, until } from "./service-pods.case.ts"
import { describeServices, type ServicesMode } from "./services.case.ts"

const POD_RANGE = "127.237.0.0/24"
const SERVICE_CIDR = parseCidr("10.238.0.0/16")
const SERVICE_LOOPBACK = parseCidr("127.238.0.0/16")
/** In every pod's command line, to find what is left running. */
const MARK = `k8ts-svc-loopback-e2e-${process.pid}`
/** Service ports from 1024 up: without root the proxy cannot bind lower ones on service addresses. */
const SERVICE_PORT = 8000

const dir = mkdtempSync(join(tmpdir(), "k8ts-svc-loopback-e2e-"))
let server: ServerProcess | undefined
let dns = ""
let dnsMetrics = ""
const session = kubectlSession(() => ({ ...serverTarget(dir), timeoutMs: 60_000 }))
const { k, ok, getJson, file } = session

/** Where pods reach a ClusterIP: the userspace proxy's loopback mapping of it. */
function clusterAddress(clusterIP: string): string {
  const at = mapAddress(clusterIP, SERVICE_CIDR, SERVICE_LOOPBACK)
  assert.ok(at, `ClusterIP ${clusterIP} is outside ${SERVICE_CIDR.text}`)
  return at
}

const tools = podTools({ session, dns: () => dns })

/** What a dozen requests through Service `service` reach (round robin covers every endpoint). */
async function reached(service: string): Promise<string[]> {
  const svc = await getJson("service", service)
  return tools.getMany("client", `http://${clusterAddress(svc.spec.clusterIP)}:${SERVICE_PORT}/`, 12)
}

/** The userspace proxy keeps its rules in memory: a pod is programmed once requests reach it. */
function programmed(service: string, pod: PodAddress): Promise<true> {
  return until(`the proxy forwarding ${service} to ${pod.name}`, async () =>
    (await reached(service)).some((b) => b.includes(`(${pod.name})`)) ? true : undefined,
  )
}

/** Unprogrammed once a dozen requests in a row all reach other pods. */
function unprogrammed(service: string, pod: PodAddress): Promise<true> {
  return until(`the proxy no longer forwarding ${service} to ${pod.name}`, async () => {
    const bodies = await reached(service)
    return bodies.every((b) => /^\w+\(/.test(b) && !b.includes(`(${pod.name})`)) ? true : undefined
  })
}

const mode: ServicesMode = {
  session,
  clusterAddress,
  dns: () => dns,
  servicePort: SERVICE_PORT,
  programmed,
  unprogrammed,
}

function readFileSyncOr(path: string): string {
  try {
    return readFileSync(path, "utf8")
  } catch {
    return ""
  }
}

describe("k8ts server --pod-network=loopback --proxy-mode=userspace", () => {
  before(async () => {
    server = await startK8tsServer([
      ...[
        "--data-dir",
        dir,
        "--port",
        "0",
        "--kubelet-port",
        "0",
        "--dns-port",
        "0",
        "--dns-metrics-port",
        "0",
      ],
      ...["--node-name", "svc-loopback-e2e", "--pod-network=loopback", "--proxy-mode=userspace"],
      ...["--service-cidr", SERVICE_CIDR.text, "--service-loopback-range", SERVICE_LOOPBACK.text],
      ...["--pod-loopback-range", POD_RANGE],
    ])
    const served = /DNS serving \S+ on ([\d.]+):(\d+)/.exec(server.log)
    assert.ok(served, server.log)
    dns = `${served[1]}:${served[2]}`
    dnsMetrics = /metrics on (http:\/\/\S+\/metrics)/.exec(server.log)?.[1] ?? ""
    assert.ok(dnsMetrics, server.log)
    await until("the default service account", async () =>
      (await k("get", "serviceaccount", "default")).code === 0 ? true : undefined,
    )
    // web before the client, so the client's environment has web's service variables.
    await ok("apply", "-f", file("web.yaml", tier("web", { replicas: 3, mark: MARK, port: SERVICE_PORT })))
    await until("the web Service", () => getJson("service", "web"))
    await ok("apply", "-f", file("client.json", idlePod("client", MARK)))
    await ok("wait", "--for=condition=Ready", "pod/client", "--timeout=60s")
    for (const p of await tools.waitReady("web", 3)) await programmed("web", p)
  })

  after(async () => {
    await server?.stop()
    rmSync(dir, { recursive: true, force: true })
  })

  test("pods get their own loopback addresses and reach each other by them", async () => {
    const client = await getJson("pod", "client")
    assert.match(client.status.podIP, /^127\.237\.0\.\d+$/)
    const [web] = await tools.readyPods("web")
    assert.match(web!.ip, /^127\.237\.0\.\d+$/)
    assert.deepEqual(await tools.getMany("client", `http://${web!.ip}:8080/`, 1), [`web(${web!.name})`])
  })

  test("a pod finds a Service in its environment at the proxy's loopback address", async () => {
    const svc = await getJson("service", "web")
    const env = await ok("exec", "client", "--", "env")
    assert.match(
      env,
      new RegExp(`^WEB_SERVICE_HOST=${clusterAddress(svc.spec.clusterIP).replaceAll(".", "\\.")}$`, "m"),
    )
    assert.match(env, new RegExp(`^WEB_SERVICE_PORT=${SERVICE_PORT}$`, "m"))
    const bodies = await tools.inPod(
      "client",
      `fetch("http://" + process.env.WEB_SERVICE_HOST + ":" + process.env.WEB_SERVICE_PORT).then((r) => r.text()).then(console.log)`,
    )
    assert.match(bodies.trim(), /^web\(web-/)
  })

  test("cluster DNS answers the kubernetes Service with its loopback address, and counts it as CoreDNS does", async () => {
    assert.equal(await tools.lookup("client", "kubernetes.default"), clusterAddress("10.238.0.1"))
    // kubernetes.default.default.svc.cluster.local first (the search path): NXDOMAIN, then the answer.
    const text = await (await fetch(dnsMetrics)).text()
    // Labels sorted by name, as CoreDNS's Go client writes them.
    const server = `server="dns://${dns}"`
    const zone = `view="",zone="."`
    assert.match(
      text,
      new RegExp(`coredns_dns_requests_total\\{family="1",proto="udp",${server},type="A",${zone}\\} [1-9]`),
    )
    assert.match(
      text,
      new RegExp(
        `coredns_dns_responses_total\\{plugin="kubernetes",rcode="NXDOMAIN",${server},${zone}\\} [1-9]`,
      ),
    )
    assert.match(
      text,
      new RegExp(`coredns_dns_responses_total\\{plugin="\\w+",rcode="NOERROR",${server},${zone}\\} [1-9]`),
    )
    assert.match(text, new RegExp(`coredns_dns_request_duration_seconds_count\\{${server},${zone}\\} [1-9]`))
  })

  describeServices(mode, MARK)

  test("once the server stops no pod process is left", async () => {
    await server?.stop()
    server = undefined
    const left = readdirSync("/proc")
      .filter((p) => /^\d+$/.test(p))
      .filter((p) => readFileSyncOr(join("/proc", p, "cmdline")).includes(MARK))
    assert.deepEqual(left, [], "pod processes left running")
  })
})

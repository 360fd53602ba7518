/**
 * `k8ts server --pod-network=bridge --proxy-mode=nftables` as root runs it: sandboxed pods on
 * their own addresses, Services through the kernel proxy, cluster DNS at the kube-dns ClusterIP,
 * the design's three-tier example, and nothing left on the machine once the server stops.
 * Its own ranges (10.235/16 pods, 10.236/16 services) so it can run beside other tests.
 */
import assert from "node:assert/strict"
import { execFileSync } from "node:child_process"
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { after, before, describe, test } from "node:test"
import {
  ensureDebianPackage,
  kubectlSession,
  lockNetworkTests,
  type ServerProcess,
  serverTarget,
  skipUnless,
  startK8tsServer,
} from "../../src/testing/index.ts"
import { hostGet, idlePod, type PodAddress, podTools, tier, tierServer, until } from "./service-pods.case.ts"
import { describeServices } from "./services.case.ts"

const NODE = "podnet-e2e"
const CLUSTER_CIDR = "10.235.0.0/16"
const SERVICE_CIDR = "10.236.0.0/16"
/** In every pod's command line, to find what is left running. */
const MARK = `k8ts-podnet-e2e-${process.pid}`
/** A free port, away from the ephemeral range. */
const HOST_PORT = 20_000 + (process.pid % 5000)
const isRoot = process.getuid?.() === 0
const hasTools = isRoot && ensureDebianPackage("nftables", "nft") && ensureDebianPackage("iproute2", "ip")
// The server's bridge k8ts0, nftables tables and guard routes: one test run at a time.
lockNetworkTests(hasTools)

const dir = mkdtempSync(join(tmpdir(), "k8ts-podnet-e2e-"))
let server: ServerProcess | undefined
const session = kubectlSession(() => ({ ...serverTarget(dir), timeoutMs: 60_000 }))
const { k, ok, getJson, file } = session

const tools = podTools({ session })
const { inPod, getMany, readyPods, waitReady } = tools

/** Waits until the proxy's nftables table DNATs to `pod` (the endpoint is programmed). */
function programmed(_service: string, pod: PodAddress): Promise<true> {
  return until(`the proxy's rules with ${pod.ip}`, async () =>
    sh("nft", ["list", "table", "ip", "k8ts-proxy"]).includes(`dnat to ${pod.ip}:`) ? true : undefined,
  )
}

/** Waits until the proxy's nftables table no longer DNATs to `pod`. */
function unprogrammed(_service: string, pod: PodAddress): Promise<true> {
  return until(`the proxy's rules without ${pod.ip}`, async () =>
    sh("nft", ["list", "table", "ip", "k8ts-proxy"]).includes(`dnat to ${pod.ip}:`) ? undefined : true,
  )
}

function readFileSyncOr(path: string): string {
  try {
    return readFileSync(path, "utf8")
  } catch {
    return ""
  }
}

function sh(cmd: string, args: string[]): string {
  return execFileSync(cmd, args, { encoding: "utf8" })
}

describe(
  "k8ts server --pod-network=bridge --proxy-mode=nftables",
  skipUnless(hasTools, "needs root, nft and ip"),
  () => {
    before(async () => {
      server = await startK8tsServer([
        ...["--data-dir", dir, "--port", "0", "--kubelet-port", "0", "--dns-port", "0", "--node-name", NODE],
        ...["--pod-network=bridge", "--proxy-mode=nftables"],
        ...["--cluster-cidr", CLUSTER_CIDR, "--service-cidr", SERVICE_CIDR],
        ...["--pod-loopback-range", "127.235.0.0/24", "--service-loopback-range", "127.236.0.0/16"],
      ])
      await until("the default service account", async () =>
        (await k("get", "serviceaccount", "default")).code === 0 ? true : undefined,
      )
      await ok("apply", "-f", file("client.json", idlePod("client", MARK)))
      await ok("apply", "-f", file("web.yaml", tier("web", { replicas: 3, mark: MARK })))
      await ok("wait", "--for=condition=Ready", "pod/client", "--timeout=60s")
      // Ready pods reach the proxy's rules through the EndpointSlice a moment later.
      for (const p of await waitReady("web", 3)) await programmed("web", p)
    })

    after(async () => {
      await server?.stop()
      rmSync(dir, { recursive: true, force: true })
    })

    test("kubectl exec shows the pod's hostname and the cluster's resolv.conf", async () => {
      assert.equal((await ok("exec", "client", "--", "hostname")).trim(), "client")
      const resolv = await ok("exec", "client", "--", "cat", "/etc/resolv.conf")
      assert.match(resolv, /^nameserver 10\.236\.0\.10$/m)
      assert.match(resolv, /^search default\.svc\.cluster\.local svc\.cluster\.local cluster\.local$/m)
      assert.match(resolv, /^options ndots:5$/m)
    })

    test("two pods reach each other by IP", async () => {
      const [web] = await readyPods("web")
      const client = await getJson("pod", "client")
      assert.match(client.status.podIP, /^10\.235\.0\.\d+$/)
      assert.deepEqual(await getMany("client", `http://${web!.ip}:8080/`, 1), [`web(${web!.name})`])
    })

    test("a pod keeps its source address through a Service; a hostPort answers on the node", async () => {
      const client = await getJson("pod", "client")
      assert.deepEqual(await getMany("client", "http://web/ip", 3), Array(3).fill(client.status.podIP))
      const hp = {
        apiVersion: "v1",
        kind: "Pod",
        metadata: { name: "hostport", labels: { app: "hostport" } },
        spec: {
          terminationGracePeriodSeconds: 1,
          containers: [
            {
              name: "hostport",
              image: "node-host",
              command: [process.execPath, "-e", tierServer(MARK)],
              env: [
                { name: "TIER", value: "hp" },
                { name: "POD_NAME", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } },
              ],
              ports: [{ containerPort: 8080, hostPort: HOST_PORT }],
            },
          ],
        },
      }
      await ok("apply", "-f", file("hostport.json", JSON.stringify(hp)))
      await ok("wait", "--for=condition=Ready", "pod/hostport", "--timeout=60s")
      const body = await until("the hostPort", () =>
        hostGet(`http://127.0.0.1:${HOST_PORT}/`).catch(() => undefined),
      )
      assert.equal(body, "hp(hostport)")
      // From another pod and from the pod itself (hairpin), at the node's bridge address.
      assert.deepEqual(await getMany("client", `http://10.235.0.1:${HOST_PORT}/ip`, 1), [client.status.podIP])
      assert.deepEqual(await getMany("hostport", `http://10.235.0.1:${HOST_PORT}/`, 1), ["hp(hostport)"])
    })

    test("a pod reaches itself through its Service (hairpin) and the kubernetes Service", async () => {
      const [web] = await readyPods("web")
      const bodies = await getMany(web!.name, "http://web/", 20)
      assert.ok(bodies.includes(`web(${web!.name})`), bodies.join(" "))
      const version = await inPod(
        "client",
        // With the pod's service account token, checking the server's certificate against its ca.crt.
        `const fs = require("node:fs"), d = "/var/run/secrets/kubernetes.io/serviceaccount/"
        require("node:https").get("https://kubernetes.default.svc/api", { ca: fs.readFileSync(d + "ca.crt"), headers: { authorization: "Bearer " + fs.readFileSync(d + "token", "utf8") } },
          (r) => { let b = ""; r.on("data", (c) => (b += c)); r.on("end", () => console.log(r.statusCode, JSON.parse(b).kind)) })`,
      )
      assert.equal(version.trim(), "200 APIVersions")
    })

    test("cluster DNS answers the kubernetes Service, and over TCP at the kube-dns ClusterIP", async () => {
      const svc = await getJson("service", "web")
      assert.equal(await tools.lookup("client", "kubernetes.default"), "10.236.0.1")
      // TCP to the kube-dns ClusterIP: a Resolver with tcp only is not in node, so a raw query.
      const tcpQuery = `
      const s = require("node:net").connect(53, "10.236.0.10"); const name = Buffer.concat(process.argv[1].split(".").map((l) => Buffer.concat([Buffer.from([l.length]), Buffer.from(l)])))
      const q = Buffer.concat([Buffer.from([0, 7, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0]), name, Buffer.from([0, 0, 1, 0, 1])]); const m = Buffer.alloc(2); m.writeUInt16BE(q.length)
      s.write(Buffer.concat([m, q])); s.on("data", (d) => { const a = d.subarray(d.length - 4); console.log(a.join(".")); s.end() })`
      assert.equal(
        (await inPod("client", tcpQuery, "web.default.svc.cluster.local")).trim(),
        svc.spec.clusterIP,
      )
    })

    describeServices({ session, clusterAddress: (ip) => ip, programmed, unprogrammed }, MARK)

    test("once the server stops nothing is left: processes, namespaces, links, tables, routes, cgroups", async () => {
      const veths = (
        JSON.parse(sh("ip", ["-j", "link", "show", "master", "k8ts0"])) as { ifname: string }[]
      ).map((l) => l.ifname)
      assert.ok(veths.length >= 5, veths.join(" "))
      await server?.stop()
      server = undefined
      const links = (JSON.parse(sh("ip", ["-j", "link", "show"])) as { ifname: string }[]).map(
        (l) => l.ifname,
      )
      for (const name of ["k8ts0", "k8ts-svc0", ...veths])
        assert.ok(!links.includes(name), `link ${name} left`)
      const tables = sh("nft", ["list", "tables"])
      assert.doesNotMatch(tables, /^table ip (k8ts-proxy|k8ts-hostports)$/m)
      assert.doesNotMatch(sh("ip", ["route", "show", "table", "all"]), /10\.23[56]\./)
      const left = readdirSync("/proc")
        .filter((p) => /^\d+$/.test(p))
        .filter((p) => readFileSyncOr(join("/proc", p, "cmdline")).includes(MARK))
      assert.deepEqual(left, [], "pod processes left running")
      const mounts = readFileSync("/proc/self/mountinfo", "utf8")
      assert.ok(
        !mounts.includes(dir),
        mounts
          .split("\n")
          .filter((l) => l.includes(dir))
          .join("\n"),
      )
      for (const root of [
        "/sys/fs/cgroup",
        ...readdirSync("/sys/fs/cgroup").map((c) => join("/sys/fs/cgroup", c)),
      ]) {
        assert.ok(!existsSync(join(root, "k8ts", NODE)), `cgroup ${join(root, "k8ts", NODE)} left`)
      }
    })
  },
)

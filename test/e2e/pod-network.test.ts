/**
 * `k8ts server --pod-network=bridge --proxy-mode=nftables` as root runs it: sandboxed pods on
 * their own addresses, Services through the kernel proxy, cluster DNS at the kube-dns ClusterIP,
 * the design's three-tier example, and nothing left on the machine once the server stops.
 * Its own ranges (10.235/16 pods, 10.236/16 services) so it can run beside other tests.
 */
import assert from "node:assert/strict"
import { execFileSync } from "node:child_process"
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs"
import { get } from "node:http"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { after, before, describe, test } from "node:test"
import {
  ensureDebianPackage,
  kubectlSession,
  type ServerProcess,
  serverTarget,
  skipUnless,
  startK8tsServer,
} from "../../src/testing/index.ts"

const NODE = "podnet-e2e"
const CLUSTER_CIDR = "10.235.0.0/16"
const SERVICE_CIDR = "10.236.0.0/16"
/** In every pod's command line, to find what is left running. */
const MARK = `k8ts-podnet-e2e-${process.pid}`
/** A free port, away from the ephemeral range. */
const HOST_PORT = 20_000 + (process.pid % 5000)
const isRoot = process.getuid?.() === 0
const hasTools = isRoot && ensureDebianPackage("nftables", "nft") && ensureDebianPackage("iproute2", "ip")

const dir = mkdtempSync(join(tmpdir(), "k8ts-podnet-e2e-"))
let server: ServerProcess | undefined
const { k, ok, getJson, file } = kubectlSession(() => ({ ...serverTarget(dir), timeoutMs: 60_000 }))

/**
 * An HTTP server on 8080 answering `<TIER>(<hostname>)`, after its UPSTREAM's answer when set;
 * /unready fails /healthz from then on, /ip answers the client's address.
 */
const TIER_SERVER = `/* ${MARK} */
const http = require("node:http"), os = require("node:os")
let ready = true
http.createServer(async (q, r) => {
  if (q.url === "/healthz") { r.writeHead(ready ? 200 : 503); return r.end() }
  if (q.url === "/unready") { ready = false; return r.end("ok") }
  if (q.url === "/ip") return r.end(q.socket.remoteAddress.replace(/^::ffff:/, ""))
  let below = ""
  if (process.env.UPSTREAM) {
    try { below = ">" + (await (await fetch(process.env.UPSTREAM)).text()) }
    catch (e) { r.writeHead(502); return r.end(String(e.cause ?? e)) }
  }
  r.end(process.env.TIER + "(" + os.hostname() + ")" + below)
}).listen(8080)
`

/** Run in a pod: GETs argv[1] argv[2] times on fresh connections; prints the bodies as JSON. */
const GET_MANY = `
const http = require("node:http")
const once = (u) => new Promise((res) => {
  const q = http.get(u, { agent: false, timeout: 8000 }, (r) => { let b = ""; r.on("data", (c) => (b += c)); r.on("end", () => res(b)) })
  q.on("error", (e) => res("error: " + e.message)); q.on("timeout", () => q.destroy(new Error("timeout")))
})
;(async () => { const out = []; for (let i = 0; i < Number(process.argv[2] ?? 1); i++) out.push(await once(process.argv[1])); console.log(JSON.stringify(out)) })()
`

/** A Deployment of `replicas` tier servers labelled app=`name`, and its Service (extra spec merged in). */
function tier(name: string, replicas: number, env: Record<string, string>, service: object = {}): string {
  const envList = Object.entries({ TIER: name, ...env }).map(([n, value]) => ({ name: n, value }))
  const deployment = {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: {
          terminationGracePeriodSeconds: 1,
          containers: [
            {
              name,
              image: "node-host",
              command: [process.execPath, "-e", TIER_SERVER],
              env: envList,
              ports: [{ containerPort: 8080, name: "http" }],
              readinessProbe: { httpGet: { path: "/healthz", port: 8080 }, periodSeconds: 1 },
            },
          ],
        },
      },
    },
  }
  const svc = {
    apiVersion: "v1",
    kind: "Service",
    metadata: { name },
    spec: { selector: { app: name }, ports: [{ port: 80, targetPort: "http" }], ...service },
  }
  return [deployment, svc].map((o) => JSON.stringify(o)).join("\n---\n")
}

async function until<T>(what: string, fn: () => Promise<T | undefined>, ms = 60_000): Promise<T> {
  const deadline = Date.now() + ms
  let last: unknown
  for (;;) {
    try {
      const v = await fn()
      if (v !== undefined) return v
    } catch (err) {
      last = err
    }
    if (Date.now() > deadline)
      throw new Error(`Timed out waiting for ${what}${last ? `: ${String(last)}` : ""}`)
    await new Promise((r) => setTimeout(r, 300))
  }
}

/** Runs `node -e script args` in pod `client`; stdout. */
function inPod(pod: string, script: string, ...args: string[]): Promise<string> {
  return ok("exec", pod, "--", process.execPath, "-e", script, ...args)
}

async function getMany(pod: string, url: string, n: number): Promise<string[]> {
  return JSON.parse(await inPod(pod, GET_MANY, url, String(n))) as string[]
}

/** The names and IPs of the Running, Ready pods labelled app=`app`. */
async function readyPods(app: string): Promise<{ name: string; ip: string }[]> {
  const list = await getJson("pods", "-l", `app=${app}`)
  return (list.items as any[])
    .filter(
      (p) =>
        !p.metadata.deletionTimestamp &&
        p.status.conditions?.some((c: any) => c.type === "Ready" && c.status === "True"),
    )
    .map((p) => ({ name: p.metadata.name as string, ip: p.status.podIP as string }))
}

async function waitReady(app: string, n: number): Promise<{ name: string; ip: string }[]> {
  return until(`${n} ready ${app} pods`, async () => {
    const pods = await readyPods(app)
    return pods.length === n ? pods : undefined
  })
}

/** The ready endpoint addresses of Service `name`. */
async function readyEndpoints(name: string): Promise<string[]> {
  const slices = await getJson("endpointslices", "-l", `kubernetes.io/service-name=${name}`)
  return (slices.items as any[])
    .flatMap((s) => s.endpoints ?? [])
    .filter((e: any) => e.conditions?.ready !== false)
    .flatMap((e: any) => e.addresses as string[])
    .sort()
}

/** Waits until the proxy's nftables table DNATs to `ip` (the endpoint is programmed). */
function programmed(ip: string): Promise<true> {
  return until(`the proxy's rules with ${ip}`, async () =>
    sh("nft", ["list", "table", "ip", "k8ts-proxy"]).includes(`dnat to ${ip}:`) ? true : undefined,
  )
}

/** Waits until the proxy's nftables table no longer DNATs to `ip`. */
function unprogrammed(ip: string): Promise<true> {
  return until(`the proxy's rules without ${ip}`, async () =>
    sh("nft", ["list", "table", "ip", "k8ts-proxy"]).includes(`dnat to ${ip}:`) ? undefined : true,
  )
}

function hostGet(url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    get(url, { agent: false, timeout: 5000 }, (r) => {
      let b = ""
      r.on("data", (c) => (b += c))
      r.on("end", () => resolve(b))
    }).on("error", reject)
  })
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
      const client = {
        apiVersion: "v1",
        kind: "Pod",
        metadata: { name: "client", labels: { role: "client" } },
        spec: {
          terminationGracePeriodSeconds: 1,
          containers: [
            {
              name: "client",
              image: "node-host",
              command: [process.execPath, "-e", `/* ${MARK} */ setInterval(() => {}, 1e9)`],
            },
          ],
        },
      }
      await ok("apply", "-f", file("client.json", JSON.stringify(client)))
      await ok("apply", "-f", file("web.yaml", tier("web", 3, {})))
      await ok("wait", "--for=condition=Ready", "pod/client", "--timeout=60s")
      // Ready pods reach the proxy's rules through the EndpointSlice a moment later.
      for (const p of await waitReady("web", 3)) await programmed(p.ip)
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

    test("a pod reaches a Service by name and by ClusterIP, spread across the replicas", async () => {
      const svc = await getJson("service", "web")
      const names = new Set((await readyPods("web")).map((p) => p.name))
      for (const url of [
        `http://${svc.spec.clusterIP}/`,
        "http://web/",
        "http://web.default.svc.cluster.local/",
      ]) {
        const seen = new Set((await getMany("client", url, 30)).map((b) => /^web\((.*)\)$/.exec(b)?.[1] ?? b))
        assert.deepEqual([...seen].sort(), [...names].sort(), url)
      }
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
              command: [process.execPath, "-e", TIER_SERVER],
              env: [{ name: "TIER", value: "hp" }],
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

    test("cluster DNS answers with ClusterIPs over UDP and TCP, and pod IPs for headless services", async () => {
      const headless = {
        apiVersion: "v1",
        kind: "Service",
        metadata: { name: "web-headless" },
        spec: { clusterIP: "None", selector: { app: "web" }, ports: [{ port: 8080 }] },
      }
      await ok("apply", "-f", file("web-headless.json", JSON.stringify(headless)))
      const svc = await getJson("service", "web")
      const lookup = `require("node:dns").promises.lookup(process.argv[1], { all: true, family: 4 }).then((a) => console.log(a.map((x) => x.address).sort().join(",")))`
      assert.equal((await inPod("client", lookup, "web")).trim(), svc.spec.clusterIP)
      assert.equal((await inPod("client", lookup, "kubernetes.default")).trim(), "10.236.0.1")
      const podIPs = (await readyPods("web")).map((p) => p.ip).sort()
      await until("headless answers", async () =>
        (await inPod("client", lookup, "web-headless")).trim() === podIPs.join(",") ? true : undefined,
      )
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

    test("ClientIP affinity sticks to one pod", async () => {
      const sticky = {
        apiVersion: "v1",
        kind: "Service",
        metadata: { name: "web-sticky" },
        spec: {
          selector: { app: "web" },
          sessionAffinity: "ClientIP",
          ports: [{ port: 80, targetPort: 8080 }],
        },
      }
      await ok("apply", "-f", file("sticky.json", JSON.stringify(sticky)))
      const bodies = await until("the sticky service", async () => {
        const b = await getMany("client", "http://web-sticky/", 20)
        return b.every((x) => x.startsWith("web(")) ? b : undefined
      })
      assert.equal(new Set(bodies).size, 1, bodies.join(" "))
    })

    test("NodePort is reachable on the node address", async () => {
      const np = {
        apiVersion: "v1",
        kind: "Service",
        metadata: { name: "web-np" },
        spec: { type: "NodePort", selector: { app: "web" }, ports: [{ port: 80, targetPort: 8080 }] },
      }
      await ok("apply", "-f", file("np.json", JSON.stringify(np)))
      const port = (await getJson("service", "web-np")).spec.ports[0].nodePort as number
      const body = await until("the NodePort", () =>
        hostGet(`http://127.0.0.1:${port}/`).catch(() => undefined),
      )
      assert.match(body, /^web\(web-/)
    })

    test("endpoints follow a pod becoming unready and being deleted; no request reaches it after", async () => {
      const [first, second] = await readyPods("web")
      await getMany("client", `http://${first!.ip}:8080/unready`, 1)
      await until("the unready pod out of the endpoints", async () =>
        (await readyEndpoints("web")).includes(first!.ip) ? undefined : true,
      )
      await unprogrammed(first!.ip)
      const afterUnready = await getMany("client", "http://web/", 30)
      assert.ok(!afterUnready.includes(`web(${first!.name})`), afterUnready.join(" "))
      assert.ok(
        afterUnready.every((b) => b.startsWith("web(")),
        afterUnready.join(" "),
      )
      await ok("delete", "pod", second!.name, "--wait=false")
      await until("the deleted pod out of the endpoints", async () =>
        (await readyEndpoints("web")).includes(second!.ip) ? undefined : true,
      )
      await unprogrammed(second!.ip)
      const afterDelete = await getMany("client", "http://web/", 30)
      assert.ok(!afterDelete.includes(`web(${second!.name})`), afterDelete.join(" "))
      assert.ok(
        afterDelete.every((b) => b.startsWith("web(")),
        afterDelete.join(" "),
      )
    })

    test("three tiers: client → node → web → app → db, each addressed by service name", async () => {
      await ok("apply", "-f", file("db.yaml", tier("db", 2, {})))
      await ok("apply", "-f", file("app.yaml", tier("app", 2, { UPSTREAM: "http://db/" })))
      await ok(
        "apply",
        "-f",
        file("front.yaml", tier("front", 2, { UPSTREAM: "http://app/" }, { type: "NodePort" })),
      )
      await Promise.all([waitReady("db", 2), waitReady("app", 2), waitReady("front", 2)])
      const port = (await getJson("service", "front")).spec.ports[0].nodePort as number
      for (let i = 0; i < 5; i++) {
        const body = await until("the three tiers", () =>
          hostGet(`http://127.0.0.1:${port}/`).catch(() => undefined),
        )
        assert.match(body, /^front\(front-[\w-]+\)>app\(app-[\w-]+\)>db\(db-[\w-]+\)$/)
      }
    })

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

/**
 * The Services end-to-end suite every pod-network mode runs (issue #10): a pod reaches a
 * Service by name and by ClusterIP with requests spread across the replicas, ClientIP affinity
 * sticks, a NodePort answers on the node, a headless Service's name resolves to pod IPs,
 * endpoints follow pods being added, becoming unready and deleted (and no request reaches a
 * pod once the proxy dropped it), and the design's three tiers each find the next by name.
 * The suite drives a `k8ts server` child process through the real kubectl; a ServicesMode says
 * how pods reach ClusterIPs and names in that mode and when the proxy has programmed a change.
 */
import assert from "node:assert/strict"
import { get } from "node:http"
import { test } from "node:test"
import type { KubectlSession } from "../../src/testing/index.ts"

/** What differs between pod-network modes. */
export interface ServicesMode {
  readonly session: KubectlSession
  /** Where a pod reaches a ClusterIP (itself, or the userspace proxy's loopback mapping). */
  clusterAddress(clusterIP: string): string
  /**
   * How pods resolve cluster names: undefined for the pod's own resolv.conf, else
   * `host:port` of the cluster DNS to ask directly (loopback pods share the host's resolv.conf).
   */
  readonly dns?: () => string
  /**
   * The port every Service of the suite serves (default 80; unprivileged loopback mode cannot
   * bind ports below 1024 on service addresses).
   */
  readonly servicePort?: number
  /** Resolves once the proxy forwards service `service` to `pod`. */
  programmed(service: string, pod: PodAddress): Promise<unknown>
  /** Resolves once the proxy no longer forwards service `service` to `pod`. */
  unprogrammed(service: string, pod: PodAddress): Promise<unknown>
}

/** The search path of a pod in namespace default, as its resolv.conf has it (ndots:5). */
const SEARCH = ["default.svc.cluster.local", "svc.cluster.local", "cluster.local"]

/**
 * A `lookup` for node's http/net that asks the cluster DNS at env K8TS_TEST_DNS (`host:port`)
 * with the pod's search path, or undefined (the pod's resolv.conf) when that is unset.
 */
const CLUSTER_LOOKUP = `
const clusterLookup = (() => {
  const server = process.env.K8TS_TEST_DNS
  if (!server) return undefined
  const r = new (require("node:dns").promises.Resolver)({ timeout: 2000, tries: 2 }); r.setServers([server])
  const search = ${JSON.stringify(SEARCH)}
  const resolve = async (host) => {
    const names = host.split(".").length > 5 ? [host] : [...search.map((s) => host + "." + s), host]
    for (const n of names) { try { return await r.resolve4(n) } catch {} }
    throw Object.assign(new Error("getaddrinfo ENOTFOUND " + host), { code: "ENOTFOUND" })
  }
  return (host, opts, cb) => resolve(host).then(
    (a) => (opts.all ? cb(null, a.map((address) => ({ address, family: 4 }))) : cb(null, a[0], 4)), cb)
})()
`

/**
 * An HTTP server on 8080 of the pod's address answering `<TIER>(<pod name>)`, after its
 * UPSTREAM's answer when set; /unready fails /healthz from then on, /ip answers the client's
 * address. `mark` goes into its command line, to find what is left running.
 */
export function tierServer(mark: string): string {
  return `/* ${mark} */
const http = require("node:http")
${CLUSTER_LOOKUP}
const fetchText = (u) => new Promise((res, rej) => http.get(u, { agent: false, timeout: 5000, lookup: clusterLookup }, (r) => {
  let b = ""; r.on("data", (c) => (b += c)); r.on("end", () => (r.statusCode === 200 ? res(b) : rej(new Error(r.statusCode + " " + b))))
}).on("error", rej).on("timeout", function () { this.destroy(new Error("timeout")) }))
let ready = true
http.createServer(async (q, r) => {
  if (q.url === "/healthz") { r.writeHead(ready ? 200 : 503); return r.end() }
  if (q.url === "/unready") { ready = false; return r.end("ok") }
  if (q.url === "/ip") return r.end(q.socket.remoteAddress.replace(/^::ffff:/, ""))
  let below = ""
  if (process.env.UPSTREAM) {
    try { below = ">" + (await fetchText(process.env.UPSTREAM)) }
    catch (e) { r.writeHead(502); return r.end(String(e.cause ?? e)) }
  }
  r.end(process.env.TIER + "(" + process.env.POD_NAME + ")" + below)
}).listen(8080, process.env.K8TS_POD_IP || undefined)
`
}

/** Run in a pod: GETs argv[1] argv[2] times on fresh connections; prints the bodies as JSON. */
const GET_MANY = `
const http = require("node:http")
${CLUSTER_LOOKUP}
const once = (u) => new Promise((res) => {
  const q = http.get(u, { agent: false, timeout: 8000, lookup: clusterLookup }, (r) => { let b = ""; r.on("data", (c) => (b += c)); r.on("end", () => res(b)) })
  q.on("error", (e) => res("error: " + e.message)); q.on("timeout", () => q.destroy(new Error("timeout")))
})
;(async () => { const out = []; for (let i = 0; i < Number(process.argv[2] ?? 1); i++) out.push(await once(process.argv[1])); console.log(JSON.stringify(out)) })()
`

/** Run in a pod: the sorted IPv4 addresses argv[1] resolves to, comma-separated. */
const LOOKUP = `
${CLUSTER_LOOKUP}
const name = process.argv[1]
;(clusterLookup ? new Promise((res, rej) => clusterLookup(name, { all: true }, (e, a) => (e ? rej(e) : res(a))))
  : require("node:dns").promises.lookup(name, { all: true, family: 4 }))
  .then((a) => console.log(a.map((x) => x.address).sort().join(",")), (e) => console.log("error: " + e.message))
`

/**
 * A Deployment of `replicas` tier servers labelled app=`name`, and its Service (extra spec
 * merged in), as one multi-document manifest.
 */
export function tier(
  name: string,
  opts: { replicas: number; mark: string; port?: number; env?: Record<string, string>; service?: object },
): string {
  const env = [
    ...Object.entries({ TIER: name, ...opts.env }).map(([n, value]) => ({ name: n, value })),
    { name: "POD_NAME", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } },
  ]
  const deployment = {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name },
    spec: {
      replicas: opts.replicas,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: {
          terminationGracePeriodSeconds: 1,
          containers: [
            {
              name,
              image: "node-host",
              command: [process.execPath, "-e", tierServer(opts.mark)],
              env,
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
    spec: {
      selector: { app: name },
      ports: [{ port: opts.port ?? 80, targetPort: "http" }],
      ...opts.service,
    },
  }
  return [deployment, svc].map((o) => JSON.stringify(o)).join("\n---\n")
}

/** A pod that only idles, to exec clients in. */
export function idlePod(name: string, mark: string): string {
  return JSON.stringify({
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, labels: { role: name } },
    spec: {
      terminationGracePeriodSeconds: 1,
      containers: [
        {
          name,
          image: "node-host",
          command: [process.execPath, "-e", `/* ${mark} */ setInterval(() => {}, 1e9)`],
        },
      ],
    },
  })
}

/** Polls `fn` every 300 ms until it returns a value (errors count as not yet). */
export async function until<T>(what: string, fn: () => Promise<T | undefined>, ms = 60_000): Promise<T> {
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

/** One GET from this process, on a fresh connection. */
export function hostGet(url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    get(url, { agent: false, timeout: 5000 }, (r) => {
      let b = ""
      r.on("data", (c) => (b += c))
      r.on("end", () => resolve(b))
    }).on("error", reject)
  })
}

/** A pod pulled out of a list: its name and IP. */
export interface PodAddress {
  readonly name: string
  readonly ip: string
}

/** Helpers that run clients inside pods and read pods and endpoints, for one mode. */
export interface PodTools {
  /** Runs `node -e script args` in `pod`; its stdout. */
  inPod(pod: string, script: string, ...args: string[]): Promise<string>
  /** GETs `url` `n` times from `pod` on fresh connections; the bodies (or "error: ..."). */
  getMany(pod: string, url: string, n: number): Promise<string[]>
  /** The sorted IPv4 addresses `name` resolves to in `pod`, comma-separated. */
  lookup(pod: string, name: string): Promise<string>
  /** The names and IPs of the Running, Ready, not deleted pods labelled app=`app`. */
  readyPods(app: string): Promise<PodAddress[]>
  /** Waits for exactly `n` ready pods labelled app=`app`. */
  waitReady(app: string, n: number): Promise<PodAddress[]>
  /** The ready endpoint addresses of Service `name`, sorted. */
  readyEndpoints(name: string): Promise<string[]>
}

/** PodTools for `mode`. */
export function podTools(mode: Pick<ServicesMode, "session" | "dns">): PodTools {
  const { ok, getJson } = mode.session
  const inPod = (pod: string, script: string, ...args: string[]) => {
    const env = mode.dns ? ["env", `K8TS_TEST_DNS=${mode.dns()}`] : []
    return ok("exec", pod, "--", ...env, process.execPath, "-e", script, ...args)
  }
  const readyPods = async (app: string) => {
    const list = await getJson("pods", "-l", `app=${app}`)
    return (list.items as any[])
      .filter(
        (p) =>
          !p.metadata.deletionTimestamp &&
          p.status.conditions?.some((c: any) => c.type === "Ready" && c.status === "True"),
      )
      .map((p) => ({ name: p.metadata.name as string, ip: p.status.podIP as string }))
  }
  return {
    inPod,
    getMany: async (pod, url, n) => JSON.parse(await inPod(pod, GET_MANY, url, String(n))) as string[],
    lookup: async (pod, name) => (await inPod(pod, LOOKUP, name)).trim(),
    readyPods,
    waitReady: (app, n) =>
      until(`${n} ready ${app} pods`, async () => {
        const pods = await readyPods(app)
        return pods.length === n ? pods : undefined
      }),
    readyEndpoints: async (name) => {
      const slices = await getJson("endpointslices", "-l", `kubernetes.io/service-name=${name}`)
      return (slices.items as any[])
        .flatMap((s) => s.endpoints ?? [])
        .filter((e: any) => e.conditions?.ready !== false)
        .flatMap((e: any) => e.addresses as string[])
        .sort()
    },
  }
}

/** The pod name in a tier server's answer. */
function servedBy(body: string): string {
  return /^\w+\((.*)\)$/.exec(body)?.[1] ?? body
}

/**
 * The shared Services tests, declared in the calling describe() in this order. They expect a
 * running client pod "client" and the tier "web" (3 replicas) applied with `tier()`; they
 * change web's pods (one made unready, one deleted, one added), so declare mode-specific tests
 * that need web unchanged before calling this.
 */
export function describeServices(mode: ServicesMode, mark: string): void {
  const { ok, getJson, file } = mode.session
  const t = podTools(mode)
  const port = mode.servicePort ?? 80
  const url = (host: string, path = "/") => `http://${host}${port === 80 ? "" : `:${port}`}${path}`

  test("a pod reaches a Service by name and by ClusterIP, spread across the replicas", async () => {
    const svc = await getJson("service", "web")
    const names = (await t.readyPods("web")).map((p) => p.name).sort()
    for (const target of [
      url(mode.clusterAddress(svc.spec.clusterIP)),
      url("web"),
      url("web.default.svc.cluster.local"),
    ]) {
      const seen = new Set((await t.getMany("client", target, 30)).map(servedBy))
      assert.deepEqual([...seen].sort(), names, target)
    }
  })

  test("cluster DNS answers a Service's name with its ClusterIP and a headless one's with the pod IPs", async () => {
    const headless = {
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: "web-headless" },
      spec: { clusterIP: "None", selector: { app: "web" }, ports: [{ port: 8080 }] },
    }
    await ok("apply", "-f", file("web-headless.json", JSON.stringify(headless)))
    const svc = await getJson("service", "web")
    assert.equal(await t.lookup("client", "web"), mode.clusterAddress(svc.spec.clusterIP))
    const podIPs = (await t.readyPods("web")).map((p) => p.ip).sort()
    await until("headless answers", async () =>
      (await t.lookup("client", "web-headless")) === podIPs.join(",") ? true : undefined,
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
        ports: [{ port, targetPort: 8080 }],
      },
    }
    await ok("apply", "-f", file("sticky.json", JSON.stringify(sticky)))
    const bodies = await until("the sticky service", async () => {
      const b = await t.getMany("client", url("web-sticky"), 20)
      return b.every((x) => x.startsWith("web(")) ? b : undefined
    })
    assert.equal(new Set(bodies).size, 1, bodies.join(" "))
  })

  test("NodePort is reachable on the node address", async () => {
    const np = {
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: "web-np" },
      spec: { type: "NodePort", selector: { app: "web" }, ports: [{ port, targetPort: 8080 }] },
    }
    await ok("apply", "-f", file("np.json", JSON.stringify(np)))
    const nodePort = (await getJson("service", "web-np")).spec.ports[0].nodePort as number
    const body = await until("the NodePort", () =>
      hostGet(`http://127.0.0.1:${nodePort}/`).catch(() => undefined),
    )
    assert.match(body, /^web\(web-/)
  })

  test("endpoints follow pods added, becoming unready and deleted; no request reaches a pod dropped", async () => {
    const [first, second] = await t.readyPods("web")
    await t.getMany("client", `http://${first!.ip}:8080/unready`, 1)
    await until("the unready pod out of the endpoints", async () =>
      (await t.readyEndpoints("web")).includes(first!.ip) ? undefined : true,
    )
    await mode.unprogrammed("web", first!)
    const afterUnready = await t.getMany("client", url("web"), 30)
    assert.ok(!afterUnready.includes(`web(${first!.name})`), afterUnready.join(" "))
    assert.ok(
      afterUnready.every((b) => b.startsWith("web(")),
      afterUnready.join(" "),
    )

    await ok("delete", "pod", second!.name, "--wait=false")
    await until("the deleted pod out of the endpoints", async () =>
      (await t.readyEndpoints("web")).includes(second!.ip) ? undefined : true,
    )
    await mode.unprogrammed("web", second!)
    const afterDelete = await t.getMany("client", url("web"), 30)
    assert.ok(!afterDelete.includes(`web(${second!.name})`), afterDelete.join(" "))
    assert.ok(
      afterDelete.every((b) => b.startsWith("web(")),
      afterDelete.join(" "),
    )

    // The Deployment replaces the deleted pod, and two more replicas join (the unready one stays out).
    await ok("scale", "deployment", "web", "--replicas=5")
    const serving = await t.waitReady("web", 4)
    await until("the new replicas in the endpoints", async () =>
      (await t.readyEndpoints("web")).length === 4 ? true : undefined,
    )
    for (const p of serving) await mode.programmed("web", p)
    assert.deepEqual(await t.readyEndpoints("web"), serving.map((p) => p.ip).sort())
    const seen = new Set((await t.getMany("client", url("web"), 30)).map(servedBy))
    assert.deepEqual([...seen].sort(), serving.map((p) => p.name).sort())
  })

  test("three tiers: client → node → front → app → db, each addressed by service name", async () => {
    await ok("apply", "-f", file("db.yaml", tier("db", { replicas: 2, mark, port })))
    const app = tier("app", { replicas: 2, mark, port, env: { UPSTREAM: url("db"), ...dnsEnv(mode) } })
    await ok("apply", "-f", file("app.yaml", app))
    const front = tier("front", {
      replicas: 2,
      mark,
      port,
      env: { UPSTREAM: url("app"), ...dnsEnv(mode) },
      service: { type: "NodePort" },
    })
    await ok("apply", "-f", file("front.yaml", front))
    await Promise.all([t.waitReady("db", 2), t.waitReady("app", 2), t.waitReady("front", 2)])
    const nodePort = (await getJson("service", "front")).spec.ports[0].nodePort as number
    for (let i = 0; i < 5; i++) {
      const body = await until("the three tiers", () =>
        hostGet(`http://127.0.0.1:${nodePort}/`).catch(() => undefined),
      )
      assert.match(body, /^front\(front-[\w-]+\)>app\(app-[\w-]+\)>db\(db-[\w-]+\)$/)
    }
  })
}

/** The environment that points a tier server's lookups at the cluster DNS, in modes that need it. */
function dnsEnv(mode: ServicesMode): Record<string, string> {
  return mode.dns ? { K8TS_TEST_DNS: mode.dns() } : {}
}

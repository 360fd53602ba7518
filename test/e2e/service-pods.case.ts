/**
 * The workloads and clients of the Services end-to-end suite (services.case.ts): tier servers
 * (HTTP on 8080 of the pod's address, answering with their tier and pod name, optionally after
 * asking the next tier), idle client pods, and helpers that run clients in pods through
 * `kubectl exec` and read pods and endpoints. A client asks the cluster DNS directly when given
 * its address (loopback pods share the host's resolv.conf), with the pod's search path.
 */
import { get } from "node:http"
import type { KubectlSession } from "../../src/testing/index.ts"

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
export function podTools(mode: {
  readonly session: KubectlSession
  /** The cluster DNS (`host:port`) pods ask directly, when their resolv.conf does not lead there. */
  readonly dns?: () => string
}): PodTools {
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

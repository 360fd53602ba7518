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
import { test } from "node:test"
import type { KubectlSession } from "../../src/testing/index.ts"
import { hostGet, type PodAddress, podTools, tier, until } from "./service-pods.case.ts"

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
    const chain = /^front\(front-[\w-]+\)>app\(app-[\w-]+\)>db\(db-[\w-]+\)$/
    // Until the proxy has the app and db endpoints, a front answers 502 with its upstream's error.
    let last = ""
    await until("the three tiers", async () => {
      last = await hostGet(`http://127.0.0.1:${nodePort}/`).catch((e: unknown) => String(e))
      return chain.test(last) || undefined
    }).catch(() => assert.match(last, chain))
    for (let i = 0; i < 5; i++) assert.match(await hostGet(`http://127.0.0.1:${nodePort}/`), chain)
  })
}

/** The environment that points a tier server's lookups at the cluster DNS, in modes that need it. */
function dnsEnv(mode: ServicesMode): Record<string, string> {
  return mode.dns ? { K8TS_TEST_DNS: mode.dns() } : {}
}

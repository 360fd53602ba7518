import assert from "node:assert/strict"
import { describe, test } from "node:test"
import { MemoryStore } from "../storage/index.ts"
import { FakeClock } from "../util/index.ts"
import { runApiServer } from "../testing/index.ts"
import { storeHealthCheck } from "./store-health.ts"

/** A memory store whose reads can be made to fail or hang, counting them. */
class FlakyStore extends MemoryStore {
  mode: "ok" | "fail" | "hang" = "ok"
  reads = 0
  override get(key: string) {
    this.reads++
    if (this.mode === "fail") return Promise.reject(new Error("database disk image is malformed"))
    if (this.mode === "hang") return new Promise<never>(() => {})
    return super.get(key)
  }
}

test("storeHealthCheck(): a read that fails or does not answer in time; one read per half timeout", async () => {
  const store = new FlakyStore()
  let t = 0
  const check = storeHealthCheck(store, { timeoutMs: 20, now: () => t })
  assert.equal(await check(), undefined)
  store.mode = "fail"
  assert.equal(await check(), undefined, "the last answer until the interval has passed")
  assert.equal(store.reads, 1)
  t = 10
  assert.equal(await check(), "error getting data from etcd: database disk image is malformed")
  store.mode = "hang"
  t = 20
  assert.equal(await check(), "error getting data from etcd: context deadline exceeded")
  assert.equal(store.reads, 3)
})

describe("/healthz, /livez, /readyz check the store as upstream's etcd checks", () => {
  const clock = new FakeClock(Date.UTC(2026, 11, 1))
  const store = new FlakyStore()
  const get = async (path: string) => {
    const res = await (running as NonNullable<typeof running>).api.fetch(new Request(`http://k8ts${path}`))
    return { status: res.status, body: await res.text(), type: res.headers.get("content-type") }
  }
  let running: Awaited<ReturnType<typeof runApiServer>> | undefined

  // The post-start hooks of a server that does not keep the kubernetes Service, all finished.
  const hooks = [
    "generic-apiserver-start-informers",
    "start-apiextensions-controllers",
    "crd-informer-synced",
    "start-system-namespaces-controller",
    "start-kube-apiserver-identity-lease-controller",
    "start-kube-apiserver-identity-lease-garbage-collector",
    "start-service-ip-repair-controllers",
    "rbac/bootstrap-roles",
    "scheduling/bootstrap-system-priority-classes",
    "priority-and-fairness-config-producer",
    "start-kubernetes-service-cidr-controller",
  ]
    .map((h) => `[+]poststarthook/${h} ok\n`)
    .join("")
  const healthy: [string, string][] = [
    ["/livez", "ok"],
    ["/livez?verbose", `[+]ping ok\n[+]log ok\n[+]etcd ok\n${hooks}livez check passed\n`],
    ["/healthz?verbose", `[+]ping ok\n[+]log ok\n[+]etcd ok\n${hooks}healthz check passed\n`],
    [
      "/readyz?verbose",
      `[+]ping ok\n[+]log ok\n[+]etcd ok\n[+]etcd-readiness ok\n[+]informer-sync ok\n${hooks}[+]shutdown ok\nreadyz check passed\n`,
    ],
    ["/livez/etcd", "ok"],
    ["/readyz/etcd-readiness", "ok"],
    ["/readyz/poststarthook/rbac/bootstrap-roles", "ok"],
    [
      "/livez?verbose&exclude=etcd&exclude=zz&exclude=nope",
      `[+]ping ok\n[+]log ok\n[+]etcd excluded: ok\n${hooks}warn: some health checks cannot be excluded: no matches for "nope","zz"\nlivez check passed\n`,
    ],
  ]
  const failing: [string, number, string][] = [
    ["/livez", 500, `[+]ping ok\n[+]log ok\n[-]etcd failed: reason withheld\n${hooks}livez check failed\n`],
    [
      "/healthz?verbose",
      500,
      `[+]ping ok\n[+]log ok\n[-]etcd failed: reason withheld\n${hooks}healthz check failed\n`,
    ],
    [
      "/readyz",
      500,
      `[+]ping ok\n[+]log ok\n[-]etcd failed: reason withheld\n[-]etcd-readiness failed: reason withheld\n[+]informer-sync ok\n${hooks}[+]shutdown ok\nreadyz check failed\n`,
    ],
    [
      "/livez/etcd",
      500,
      "internal server error: error getting data from etcd: database disk image is malformed\n",
    ],
    [
      "/readyz/etcd-readiness",
      500,
      "internal server error: error getting data from etcd: database disk image is malformed\n",
    ],
    ["/livez/ping", 200, "ok"],
    ["/livez?exclude=etcd", 200, "ok"],
  ]

  test("a healthy store", async () => {
    running = await runApiServer(store, { clock })
    for (const [path, body] of healthy) {
      const r = await get(path)
      assert.deepEqual([r.status, r.body, r.type], [200, body, "text/plain; charset=utf-8"], path)
    }
  })

  test("a failing store: 500, the reason withheld but on the check's own path", async () => {
    store.mode = "fail"
    await clock.advance(1000)
    for (const [path, status, body] of failing) {
      const r = await get(path)
      assert.deepEqual([r.status, r.body], [status, body], path)
    }
    store.mode = "ok"
    await clock.advance(1000)
    assert.equal((await get("/livez")).status, 200)
    running?.stop()
  })
})

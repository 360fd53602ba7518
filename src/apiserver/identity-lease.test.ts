/** The API server's identity Lease in kube-system, and the collection of expired ones. */
import assert from "node:assert/strict"
import { after, before, describe, test } from "node:test"
import type { Lease } from "kubernetes-types/coordination/v1.js"
import { Leases } from "../api/index.ts"
import { InProcessClient } from "../client/index.ts"
import { MemoryStore } from "../storage/index.ts"
import { runApiServer } from "../testing/index.ts"
import { FakeClock, microTime } from "../util/index.ts"
import { apiServerId, IDENTITY_LEASE_LABEL, isIdentityLeaseExpired } from "./identity-lease.ts"
import type { ApiServer } from "./server.ts"

const ids: { hostname: string; want: string }[] = [
  // A kubeadm cluster's: `kubectl get lease -n kube-system` on a host named controlplane.
  { hostname: "controlplane", want: "apiserver-ivtlveyukuyrha5ia44unn7io4" },
  { hostname: "kind-control-plane", want: "apiserver-c7uylvfxlbqccnk6myfkwetzze" },
  { hostname: "host-a", want: "apiserver-6zbmgnwmvuptjd3z3lqvqzcj5u" },
]
for (const c of ids) {
  test(`apiServerId(${JSON.stringify(c.hostname)}) is upstream's APIServerID`, () => {
    assert.equal(apiServerId(c.hostname), c.want)
  })
}

const now = Date.UTC(2026, 11, 1, 12)
const expiry: { name: string; lease: Lease; want: boolean }[] = [
  {
    name: "renewed a second ago",
    lease: { spec: { renewTime: microTime(now - 1000), leaseDurationSeconds: 3600 } },
    want: false,
  },
  {
    name: "renewed just over its duration ago",
    lease: { spec: { renewTime: microTime(now - 3_600_001), leaseDurationSeconds: 3600 } },
    want: true,
  },
  { name: "without a renewal time", lease: { spec: { leaseDurationSeconds: 3600 } }, want: true },
  { name: "without a duration", lease: { spec: { renewTime: microTime(now) } }, want: true },
]
for (const c of expiry) {
  test(`isIdentityLeaseExpired(): ${c.name}`, () => {
    assert.equal(isIdentityLeaseExpired(c.lease, now), c.want)
  })
}

describe("a server's identity Lease", () => {
  const clock = new FakeClock(now)
  let api: ApiServer
  let stop = () => {}
  before(async () => {
    const running = await runApiServer(new MemoryStore(), { clock, hostname: "host-a" })
    api = running.api
    stop = running.stop
  })
  after(() => stop())
  const leases = () => new InProcessClient(api.handle).resource(Leases)
  const key = { namespace: "kube-system", name: "apiserver-6zbmgnwmvuptjd3z3lqvqzcj5u" }

  async function until<T>(what: string, probe: () => Promise<T | undefined>): Promise<T> {
    for (let i = 0; i < 200; i++) {
      const got = await probe().catch(() => undefined)
      if (got !== undefined) return got
      await new Promise((r) => setTimeout(r, 10))
    }
    throw new Error(`timed out waiting for ${what}`)
  }

  test("is created labelled, held by <name>_<uuid>, 3600 s long, and renewed every 10 s", async () => {
    const lease = await until("the lease", () => leases().get(key))
    assert.deepEqual(lease.metadata?.labels, {
      "apiserver.kubernetes.io/identity": "kube-apiserver",
      "kubernetes.io/hostname": "host-a",
    })
    assert.match(lease.spec?.holderIdentity ?? "", /^apiserver-6zbmgnwmvuptjd3z3lqvqzcj5u_[0-9a-f-]{36}$/)
    assert.equal(lease.spec?.leaseDurationSeconds, 3600)
    assert.equal(lease.spec?.renewTime, microTime(now))
    await clock.advance(10_400)
    const renewed = await until("a renewal", async () => {
      const l = await leases().get(key)
      return l.spec?.renewTime !== lease.spec?.renewTime ? l : undefined
    })
    assert.equal(renewed.spec?.holderIdentity, lease.spec?.holderIdentity)
    const res = await api.fetch(
      new Request("http://k8ts/readyz/poststarthook/start-kube-apiserver-identity-lease-controller"),
    )
    assert.equal(await res.text(), "ok")
  })

  test("expired identity Leases are collected every hour; others stay", async () => {
    const lease = (name: string, labels: Record<string, string>, renewedAgoMs: number) =>
      leases().create({
        apiVersion: "coordination.k8s.io/v1",
        kind: "Lease",
        metadata: { namespace: "kube-system", name, labels },
        spec: {
          holderIdentity: name,
          leaseDurationSeconds: 3600,
          renewTime: microTime(clock.now() - renewedAgoMs),
        },
      })
    const identity = { [IDENTITY_LEASE_LABEL]: "kube-apiserver" }
    await lease("apiserver-gone", identity, 3_000_000)
    await lease("apiserver-alive", identity, 0)
    await lease("not-an-identity", {}, 7_200_000)
    // An hour on, the collector's next pass: the first has expired, the second is just within its hour.
    await clock.advance(3_600_000)
    await until("the expired one gone", async () =>
      (await leases()
        .get({ ...key, name: "apiserver-gone" })
        .then(
          () => false,
          () => true,
        ))
        ? true
        : undefined,
    )
    assert.equal((await leases().get({ ...key, name: "apiserver-alive" })).metadata?.name, "apiserver-alive")
    assert.equal((await leases().get({ ...key, name: "not-an-identity" })).metadata?.name, "not-an-identity")
    assert.equal(
      (await leases().get(key)).metadata?.name,
      key.name,
      "this server's own is renewed, not collected",
    )
  })
})

test(
  "a server whose identity Lease cannot be renewed becomes ready all the same",
  { timeout: 20_000 },
  async () => {
    // GIVEN a host name that is no valid label value (64 characters): upstream's lease controller
    // labels the Lease with it too, so every renewal is refused
    const hostname = "h".repeat(64)
    // WHEN the server starts
    const { api, stop } = await runApiServer(new MemoryStore(), { clock: new FakeClock(now), hostname })
    try {
      // THEN it is ready, its identity hooks finished, and the Lease was not written
      const res = await api.fetch(new Request("http://k8ts/readyz?verbose"))
      const text = await res.text()
      assert.equal(res.status, 200, text)
      assert.match(text, /\[\+\]poststarthook\/start-kube-apiserver-identity-lease-controller ok/)
      assert.match(text, /\[\+\]poststarthook\/start-kube-apiserver-identity-lease-garbage-collector ok/)
      const got = await new InProcessClient(api.handle)
        .resource(Leases)
        .get({ namespace: "kube-system", name: apiServerId(hostname) })
        .catch((err: unknown) => err)
      assert.match(String(got), /not found/)
    } finally {
      stop()
    }
  },
)

test("a failed identity Lease renewal is retried after 200 ms, doubling up to 7 s, then every 10 s once renewed", async () => {
  // GIVEN a store refusing the identity Lease's writes for the first 20 s
  const clock = new FakeClock(now)
  const tries: number[] = []
  const store = new (class extends MemoryStore {
    override create(key: string, value: string) {
      if (!key.includes("/leases/kube-system/apiserver-")) return super.create(key, value)
      tries.push(clock.now() - now)
      if (clock.now() - now < 20_000) return Promise.reject(new Error("etcdserver: request timed out"))
      return super.create(key, value)
    }
  })()
  const { api, stop } = await runApiServer(store, { clock, hostname: "host-a" })
  try {
    // WHEN 40 s pass, 100 ms at a time
    for (let i = 0; i < 400; i++) {
      await new Promise((r) => setImmediate(r))
      await clock.advance(100)
    }
    // THEN the tries came after waits of 0.2, 0.4, 0.8, 1.6, 3.2, 6.4, 7 and 7 s (rounded to the
    // 100 ms steps); the one at 26.6 s wrote the Lease, renewed 10 s later
    const gaps = tries.slice(1).map((t, i) => Math.round((t - (tries[i] as number)) / 100) * 100)
    assert.deepEqual(gaps, [200, 400, 800, 1600, 3200, 6400, 7000, 7000])
    const lease = await new InProcessClient(api.handle)
      .resource(Leases)
      .get({ namespace: "kube-system", name: apiServerId("host-a") })
    assert.ok(Date.parse(lease.spec?.renewTime ?? "") - now >= 36_000, "renewed 10 s after it was written")
  } finally {
    stop()
  }
})

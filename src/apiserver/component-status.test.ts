import assert from "node:assert/strict"
import { after, before, describe, test } from "node:test"
import { MemoryStore, type Store } from "../storage/index.ts"
import { FakeClock } from "../util/index.ts"
import type { ComponentHealth } from "./component-status.ts"
import { createApiServer, type ApiServer } from "./server.ts"
import { apiCall } from "../testing/index.ts"

const CS = "/api/v1/componentstatuses"
const TABLE = "application/json;as=Table;v=v1;g=meta.k8s.io"

describe("componentstatuses", () => {
  const clock = new FakeClock(Date.UTC(2026, 10, 30, 12, 0, 0))
  const ac = new AbortController()
  let api: ApiServer
  let storeDown = false
  let scheduler: ComponentHealth = { status: "True", message: "ok", error: "" }

  before(async () => {
    const memory = new MemoryStore()
    // A store whose reads fail on demand, as an unreachable etcd's would.
    const store = new Proxy(memory, {
      get(target, prop, receiver) {
        if (prop === "get") {
          return async (key: string) => {
            if (storeDown && key === "/registry/health") throw new Error("context deadline exceeded")
            return target.get(key)
          }
        }
        const v = Reflect.get(target, prop, receiver)
        return typeof v === "function" ? v.bind(target) : v
      },
    }) as Store
    api = createApiServer({
      store,
      clock,
      componentHealth: () => ({ scheduler: async () => scheduler }),
    })
    void api.run(ac.signal)
    await api.ready()
  })
  after(() => ac.abort())

  const call = (method: string, path: string, body?: unknown, accept = "application/json") =>
    apiCall(api, method, path, body, { accept })

  function healthOf(list: { items: { metadata: { name: string }; conditions: unknown[] }[] }, name: string) {
    return list.items.find((i) => i.metadata.name === name)?.conditions[0]
  }

  function lease(renewTime: string) {
    return {
      apiVersion: "coordination.k8s.io/v1",
      kind: "Lease",
      metadata: { name: "kube-controller-manager", namespace: "kube-system" },
      spec: { holderIdentity: "other-server_1", leaseDurationSeconds: 15, renewTime },
    }
  }

  test("lists the scheduler, the controller manager and etcd-0 with the deprecation warning", async () => {
    const res = await call("GET", CS)
    assert.equal(res.status, 200)
    assert.equal(res.headers.get("warning"), '299 - "v1 ComponentStatus is deprecated in v1.19+"')
    assert.equal(res.json.kind, "ComponentStatusList")
    assert.deepEqual(
      res.json.items.map((i: { metadata: { name: string } }) => i.metadata.name),
      ["scheduler", "controller-manager", "etcd-0"],
    )
    assert.deepEqual(healthOf(res.json, "etcd-0"), {
      type: "Healthy",
      status: "True",
      message: "ok",
    })
    assert.deepEqual(healthOf(res.json, "scheduler"), {
      type: "Healthy",
      status: "True",
      message: "ok",
    })
    // Not in this process and no Lease: nobody runs it.
    assert.deepEqual(healthOf(res.json, "controller-manager"), {
      type: "Healthy",
      status: "False",
      message: 'not running in this server and no leader holds Lease "kube-system/kube-controller-manager"',
    })
  })

  test("a component elsewhere is healthy while its leader renews the Lease", async () => {
    const created = await call(
      "POST",
      "/apis/coordination.k8s.io/v1/namespaces/kube-system/leases",
      lease("2026-11-30T12:00:00.000000Z"),
    )
    assert.equal(created.status, 201, JSON.stringify(created.json))
    const fresh = await call("GET", `${CS}/controller-manager`)
    assert.equal(fresh.status, 200)
    assert.equal(fresh.json.conditions[0].status, "True")
    await clock.advance(16_000)
    const stale = await call("GET", `${CS}/controller-manager`)
    assert.equal(stale.json.conditions[0].status, "False")
    assert.match(stale.json.conditions[0].message, /leader "other-server_1" stopped renewing Lease/)
  })

  test("reports a failing store and an unhealthy local component", async () => {
    storeDown = true
    scheduler = { status: "False", message: "the scheduler has stopped", error: "" }
    try {
      const res = await call("GET", CS, undefined, TABLE)
      assert.deepEqual(
        res.json.columnDefinitions.map((c: { name: string }) => c.name),
        ["Name", "Status", "Message", "Error"],
      )
      const rows = Object.fromEntries(
        res.json.rows.map((r: { cells: string[] }) => [r.cells[0], r.cells.slice(1)]),
      )
      assert.deepEqual(rows["etcd-0"], ["Unhealthy", "", "context deadline exceeded"])
      assert.deepEqual(rows["scheduler"], ["Unhealthy", "the scheduler has stopped", ""])
    } finally {
      storeDown = false
      scheduler = { status: "True", message: "ok", error: "" }
    }
  })

  test("get of an unknown component fails as upstream's does; selectors filter the list", async () => {
    const res = await call("GET", `${CS}/nope`)
    assert.equal(res.status, 500)
    assert.equal(res.json.message, "Component not found: nope")
    const one = await call("GET", `${CS}?fieldSelector=metadata.name%3Detcd-0`)
    assert.deepEqual(
      one.json.items.map((i: { metadata: { name: string } }) => i.metadata.name),
      ["etcd-0"],
    )
    const watch = await call("GET", `${CS}?watch=1`)
    assert.equal(watch.status, 405)
  })
})

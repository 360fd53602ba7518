import assert from "node:assert/strict"
import { after, before, describe, test } from "node:test"
import { MemoryStore } from "../storage/index.ts"
import { FakeClock } from "../util/index.ts"
import { decode } from "./registry/context.ts"
import { createApiServer, type ApiServer } from "./server.ts"
import { apiCall, readWatchEvents } from "../testing/index.ts"

let api: ApiServer
const ac = new AbortController()
const clock = new FakeClock(Date.UTC(2026, 10, 24, 12, 0, 0))

before(async () => {
  api = createApiServer({ store: new MemoryStore(), clock })
  void api.run(ac.signal)
  await api.ready()
})
after(() => ac.abort())

const call = (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) =>
  apiCall(api, method, path, body, headers)

function cm(name: string, data: Record<string, string> = {}, labels?: Record<string, string>) {
  return { apiVersion: "v1", kind: "ConfigMap", metadata: { name, ...(labels ? { labels } : {}) }, data }
}

const readEvents = (path: string, n: number): Promise<any[]> => readWatchEvents(api, path, n)

describe("API server", () => {
  test("the system namespaces exist from the start", async () => {
    const r = await call("GET", "/api/v1/namespaces")
    assert.equal(r.status, 200)
    const names = r.json.items.map((n: any) => n.metadata.name)
    for (const n of ["default", "kube-system", "kube-public", "kube-node-lease"])
      assert.ok(names.includes(n), n)
    assert.equal(r.json.items[0].status.phase, "Active")
  })

  test("create() fills metadata and get() returns the object", async () => {
    const c = await call("POST", "/api/v1/namespaces/default/configmaps", cm("a", { k: "v" }))
    assert.equal(c.status, 201)
    assert.match(c.json.metadata.uid, /^[0-9a-f-]{36}$/)
    assert.equal(c.json.metadata.creationTimestamp, "2026-11-24T12:00:00Z")
    assert.match(c.json.metadata.resourceVersion, /^\d+$/)
    const g = await call("GET", "/api/v1/namespaces/default/configmaps/a")
    assert.deepEqual(g.json, c.json)
  })

  test("GET answers the bytes of the stored object after each kind of write", async () => {
    const store = new MemoryStore()
    const own = createApiServer({ store, clock })
    const stop = new AbortController()
    void own.run(stop.signal)
    await own.ready()
    const path = "/api/v1/namespaces/default/configmaps"
    const stored = async () => {
      const e = await store.get("/registry/configmaps/default/bytes")
      return JSON.stringify(decode(e!.value, e!.revision))
    }
    const writes = [
      () => apiCall(own, "POST", path, cm("bytes", { a: "1" })),
      () =>
        apiCall(
          own,
          "PATCH",
          `${path}/bytes`,
          { data: { b: "2" } },
          { "content-type": "application/merge-patch+json" },
        ),
      async () => {
        const cur = (await apiCall(own, "GET", `${path}/bytes`)).json
        return apiCall(own, "PUT", `${path}/bytes`, { ...cur, data: { c: "3" } })
      },
      () =>
        apiCall(
          own,
          "PATCH",
          `${path}/bytes?fieldManager=t`,
          { ...cm("bytes", { d: "4" }) },
          {
            "content-type": "application/apply-patch+yaml",
          },
        ),
    ]
    for (const write of writes) {
      const w = await write()
      assert.ok(w.status < 300, w.text)
      const got = await apiCall(own, "GET", `${path}/bytes`)
      assert.equal(got.text, await stored())
      assert.equal(got.text, w.text)
    }
    stop.abort()
  })

  test("a missing object is a 404 Status in upstream's words", async () => {
    const r = await call("GET", "/apis/apps/v1/namespaces/default/deployments/nope")
    assert.equal(r.status, 404)
    assert.equal(r.json.kind, "Status")
    assert.equal(r.json.reason, "NotFound")
    assert.equal(r.json.message, 'deployments.apps "nope" not found')
  })

  test("creating an existing name is 409 AlreadyExists", async () => {
    await call("POST", "/api/v1/namespaces/default/configmaps", cm("dup"))
    const r = await call("POST", "/api/v1/namespaces/default/configmaps", cm("dup"))
    assert.equal(r.status, 409)
    assert.equal(r.json.reason, "AlreadyExists")
  })

  test("generateName picks a fresh name", async () => {
    const r = await call("POST", "/api/v1/namespaces/default/configmaps", {
      metadata: { generateName: "gen-" },
    })
    assert.equal(r.status, 201)
    assert.match(r.json.metadata.name, /^gen-[a-z0-9]{5}$/)
  })

  test("a stale resourceVersion on update is 409 Conflict and changes nothing", async () => {
    const c = await call("POST", "/api/v1/namespaces/default/configmaps", cm("stale", { v: "1" }))
    const u = await call("PUT", "/api/v1/namespaces/default/configmaps/stale", {
      ...c.json,
      data: { v: "2" },
    })
    assert.equal(u.status, 200)
    const s = await call("PUT", "/api/v1/namespaces/default/configmaps/stale", {
      ...c.json,
      data: { v: "3" },
    })
    assert.equal(s.status, 409)
    assert.equal(
      s.json.message,
      'Operation cannot be fulfilled on configmaps "stale": the object has been modified; please apply your changes to the latest version and try again',
    )
    assert.equal((await call("GET", "/api/v1/namespaces/default/configmaps/stale")).json.data.v, "2")
  })

  test("merge and json patches apply to the current object", async () => {
    await call("POST", "/api/v1/namespaces/default/configmaps", cm("p", { a: "1" }))
    const m = await call(
      "PATCH",
      "/api/v1/namespaces/default/configmaps/p",
      { metadata: { labels: { x: "y" } } },
      {
        "content-type": "application/merge-patch+json",
      },
    )
    assert.equal(m.status, 200)
    assert.deepEqual(m.json.metadata.labels, { x: "y" })
    const j = await call(
      "PATCH",
      "/api/v1/namespaces/default/configmaps/p",
      [{ op: "replace", path: "/data/a", value: "2" }],
      {
        "content-type": "application/json-patch+json",
      },
    )
    assert.equal(j.status, 200)
    assert.equal(j.json.data.a, "2")
  })

  test("an unchanged update writes nothing", async () => {
    const c = await call("POST", "/api/v1/namespaces/default/configmaps", cm("same", { a: "1" }))
    const u = await call("PUT", "/api/v1/namespaces/default/configmaps/same", c.json)
    assert.equal(u.json.metadata.resourceVersion, c.json.metadata.resourceVersion)
    // The same object with its keys in another order (as a client re-encoding it sends it).
    const { data, metadata, ...rest } = c.json
    const reordered = { data, ...rest, metadata: Object.fromEntries(Object.entries(metadata).reverse()) }
    const r = await call("PUT", "/api/v1/namespaces/default/configmaps/same", reordered)
    assert.equal(r.status, 200)
    assert.equal(r.json.metadata.resourceVersion, c.json.metadata.resourceVersion)
  })

  test("lists filter by label selector and page with limit and continue", async () => {
    await call("POST", "/api/v1/namespaces", { metadata: { name: "paging" } })
    for (let i = 0; i < 5; i++) {
      await call(
        "POST",
        "/api/v1/namespaces/paging/configmaps",
        cm(`c${i}`, {}, { app: i % 2 ? "odd" : "even" }),
      )
    }
    const even = await call("GET", "/api/v1/namespaces/paging/configmaps?labelSelector=app%3Deven")
    assert.deepEqual(
      even.json.items.map((x: any) => x.metadata.name),
      ["c0", "c2", "c4"],
    )
    const p1 = await call("GET", "/api/v1/namespaces/paging/configmaps?limit=2")
    assert.equal(p1.json.items.length, 2)
    assert.equal(p1.json.metadata.remainingItemCount, 3)
    const p2 = await call(
      "GET",
      `/api/v1/namespaces/paging/configmaps?limit=2&continue=${p1.json.metadata.continue}`,
    )
    assert.deepEqual(
      p2.json.items.map((x: any) => x.metadata.name),
      ["c2", "c3"],
    )
    // A page read from the store (an older revision) counts what follows as etcd's count does.
    await call("POST", "/api/v1/namespaces/paging/configmaps", cm("c5"))
    const rv = p1.json.metadata.resourceVersion
    const old = await call(
      "GET",
      `/api/v1/namespaces/paging/configmaps?limit=2&resourceVersion=${rv}&resourceVersionMatch=Exact`,
    )
    assert.equal(old.json.metadata.remainingItemCount, 3)
    const older = await call(
      "GET",
      `/api/v1/namespaces/paging/configmaps?limit=2&continue=${old.json.metadata.continue}`,
    )
    assert.deepEqual(
      older.json.items.map((x: any) => x.metadata.name),
      ["c2", "c3"],
    )
    assert.equal(older.json.metadata.remainingItemCount, 1)
    const empty = await call("GET", "/api/v1/namespaces/paging/secrets")
    assert.deepEqual(empty.json.items, [])
    assert.equal(empty.json.kind, "SecretList")
  })

  test("field selectors filter, and unsupported fields are 400", async () => {
    const r = await call("GET", "/api/v1/namespaces/default/configmaps?fieldSelector=metadata.name%3Da")
    assert.deepEqual(
      r.json.items.map((x: any) => x.metadata.name),
      ["a"],
    )
    const bad = await call("GET", "/api/v1/namespaces/default/configmaps?fieldSelector=spec.nope%3Dx")
    assert.equal(bad.status, 400)
  })

  test("creating in a missing namespace is refused", async () => {
    const r = await call("POST", "/api/v1/namespaces/nowhere/configmaps", cm("x"))
    assert.equal(r.status, 404)
    assert.equal(r.json.message, 'namespaces "nowhere" not found')
  })

  test("malformed and oversized bodies are refused with a Status", async () => {
    const bad = await call("POST", "/api/v1/namespaces/default/configmaps", "{nope")
    assert.equal(bad.status, 400)
    assert.equal(bad.json.reason, "BadRequest")
    const big = await call(
      "POST",
      "/api/v1/namespaces/default/configmaps",
      cm("big", { d: "x".repeat(3.5 * 1024 * 1024) }),
    )
    assert.equal(big.status, 413)
  })

  test("watch replays from a resourceVersion and follows", async () => {
    const c = await call("POST", "/api/v1/namespaces/default/configmaps", cm("w1"))
    const rv = c.json.metadata.resourceVersion
    const events = readEvents(`/api/v1/namespaces/default/configmaps?watch=true&resourceVersion=${rv}`, 2)
    await call(
      "PATCH",
      "/api/v1/namespaces/default/configmaps/w1",
      { data: { a: "b" } },
      { "content-type": "application/merge-patch+json" },
    )
    await call("DELETE", "/api/v1/namespaces/default/configmaps/w1")
    const evs = await events
    assert.deepEqual(
      evs.map((e) => e.type),
      ["MODIFIED", "DELETED"],
    )
    assert.equal(evs[0].object.data.a, "b")
  })

  test("a label-filtered watch turns objects that stop matching into DELETED", async () => {
    const c = await call("POST", "/api/v1/namespaces/default/configmaps", cm("lw", {}, { app: "x" }))
    const events = readEvents(
      `/api/v1/namespaces/default/configmaps?watch=true&labelSelector=app%3Dx&resourceVersion=${c.json.metadata.resourceVersion}`,
      2,
    )
    await call(
      "PATCH",
      "/api/v1/namespaces/default/configmaps/lw",
      { metadata: { labels: { app: "y" } } },
      { "content-type": "application/merge-patch+json" },
    )
    await call(
      "PATCH",
      "/api/v1/namespaces/default/configmaps/lw",
      { metadata: { labels: { app: "x" } } },
      { "content-type": "application/merge-patch+json" },
    )
    const evs = await events
    assert.deepEqual(
      evs.map((e) => e.type),
      ["DELETED", "ADDED"],
    )
  })

  test("watch-list sends the objects then a bookmark marking the end", async () => {
    const evs = await readEvents(
      "/api/v1/namespaces?watch=true&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true&fieldSelector=metadata.name%3Ddefault",
      2,
    )
    assert.equal(evs[0].type, "ADDED")
    assert.equal(evs[0].object.metadata.name, "default")
    assert.equal(evs[1].type, "BOOKMARK")
    assert.equal(evs[1].object.metadata.annotations["k8s.io/initial-events-end"], "true")
  })

  test("a watch allowing bookmarks gets one 2 s before its timeout, then ends", async () => {
    const start = Date.now()
    const evs = await readEvents(
      "/api/v1/namespaces?watch=true&allowWatchBookmarks=true&timeoutSeconds=3&resourceVersion=0",
      99,
    )
    const ms = Date.now() - start
    const bookmarks = evs.filter((e) => e.type === "BOOKMARK" && !e.object.metadata.annotations)
    assert.equal(bookmarks.length, 1)
    assert.ok(Number(bookmarks[0].object.metadata.resourceVersion) > 0)
    assert.ok(ms >= 2900, `ended after ${ms} ms`)
  })

  test("deleting a scheduled pod is graceful; force deletion removes it", async () => {
    const pod = {
      metadata: { name: "web" },
      spec: { containers: [{ name: "c", image: "busybox" }] },
    }
    const c = await call("POST", "/api/v1/namespaces/default/pods", pod)
    assert.equal(c.status, 201, c.text)
    assert.equal(c.json.status.phase, "Pending")
    const b = await call("POST", "/api/v1/namespaces/default/pods/web/binding", {
      target: { kind: "Node", name: "n1" },
    })
    assert.equal(b.status, 201, b.text)
    const d = await call("DELETE", "/api/v1/namespaces/default/pods/web")
    assert.equal(d.status, 200)
    assert.ok(d.json.metadata.deletionTimestamp)
    assert.equal(d.json.metadata.deletionGracePeriodSeconds, 30)
    assert.equal((await call("GET", "/api/v1/namespaces/default/pods/web")).status, 200)
    const f = await call("DELETE", "/api/v1/namespaces/default/pods/web", { gracePeriodSeconds: 0 })
    assert.equal(f.status, 200)
    assert.equal((await call("GET", "/api/v1/namespaces/default/pods/web")).status, 404)
  })

  test("update and delete responses and events carry each write's resourceVersion", async () => {
    const pod = { metadata: { name: "rv" }, spec: { containers: [{ name: "c", image: "busybox" }] } }
    const c = await call("POST", "/api/v1/namespaces/default/pods", pod)
    const from = c.json.metadata.resourceVersion
    const path = `/api/v1/namespaces/default/pods?watch=true&fieldSelector=metadata.name%3Drv&resourceVersion=${from}`
    const live = readEvents(path, 5)
    const responses: any[] = []
    const b = await call("POST", "/api/v1/namespaces/default/pods/rv/binding", {
      target: { kind: "Node", name: "n1" },
    })
    assert.equal(b.status, 201, b.text)
    const st = (await call("GET", "/api/v1/namespaces/default/pods/rv")).json
    st.status.phase = "Running"
    responses.push((await call("PUT", "/api/v1/namespaces/default/pods/rv/status", st)).json)
    responses.push((await call("DELETE", "/api/v1/namespaces/default/pods/rv")).json)
    responses.push(
      (await call("DELETE", "/api/v1/namespaces/default/pods/rv", { gracePeriodSeconds: 0 })).json,
    )
    const evs = await live
    assert.deepEqual(
      evs.map((e) => e.type),
      ["MODIFIED", "MODIFIED", "MODIFIED", "MODIFIED", "DELETED"],
    )
    assert.deepEqual(evs[1].object, responses[0])
    assert.deepEqual(evs[2].object, responses[1])
    assert.deepEqual(evs[4].object, responses[2])
    assert.equal(evs[4].object.metadata.deletionGracePeriodSeconds, 0)
    const rvs = evs.map((e) => Number(e.object.metadata.resourceVersion))
    assert.deepEqual(
      [...rvs].sort((x, y) => x - y),
      rvs,
    )
    assert.equal(new Set(rvs).size, rvs.length)
    // A replay from the watch cache's history is what the live watch saw: nothing changed after.
    assert.deepEqual(await readEvents(path, 5), evs)
  })

  test("binding a pod clears its status.nominatedNodeName", async () => {
    const pod = { metadata: { name: "nom" }, spec: { containers: [{ name: "c", image: "busybox" }] } }
    const c = await call("POST", "/api/v1/namespaces/default/pods", pod)
    c.json.status.nominatedNodeName = "n1"
    const s = await call("PUT", "/api/v1/namespaces/default/pods/nom/status", c.json)
    assert.equal(s.json.status.nominatedNodeName, "n1")
    const b = await call("POST", "/api/v1/namespaces/default/pods/nom/binding", {
      target: { kind: "Node", name: "n1" },
    })
    assert.equal(b.status, 201, b.text)
    const got = (await call("GET", "/api/v1/namespaces/default/pods/nom")).json
    assert.equal(got.spec.nodeName, "n1")
    assert.equal(got.status.nominatedNodeName, undefined)
  })

  test("finalizers hold a deleted object until they are removed", async () => {
    await call("POST", "/api/v1/namespaces/default/configmaps", {
      metadata: { name: "fin", finalizers: ["example.com/hold"] },
    })
    const d = await call("DELETE", "/api/v1/namespaces/default/configmaps/fin")
    assert.equal(d.status, 200)
    assert.ok(d.json.metadata.deletionTimestamp)
    const g = await call("GET", "/api/v1/namespaces/default/configmaps/fin")
    assert.ok(g.json.metadata.deletionTimestamp)
    const p = await call(
      "PATCH",
      "/api/v1/namespaces/default/configmaps/fin",
      { metadata: { finalizers: null } },
      {
        "content-type": "application/merge-patch+json",
      },
    )
    assert.equal(p.status, 200)
    assert.equal((await call("GET", "/api/v1/namespaces/default/configmaps/fin")).status, 404)
  })

  test("a pending delete answers 200, and 202 only when it asked orphanDependents: false", async () => {
    for (const name of ["fg", "cascade", "cascade-query"]) {
      await call("POST", "/api/v1/namespaces/default/configmaps", {
        metadata: { name, finalizers: ["example.com/hold"] },
      })
    }
    const fg = await call("DELETE", "/api/v1/namespaces/default/configmaps/fg", {
      propagationPolicy: "Foreground",
    })
    assert.equal(fg.status, 200, fg.text)
    assert.deepEqual(fg.json.metadata.finalizers, ["example.com/hold", "foregroundDeletion"])
    const cascade = await call("DELETE", "/api/v1/namespaces/default/configmaps/cascade", {
      orphanDependents: false,
    })
    assert.equal(cascade.status, 202, cascade.text)
    assert.ok(cascade.json.metadata.deletionTimestamp)
    const query = await call(
      "DELETE",
      "/api/v1/namespaces/default/configmaps/cascade-query?orphanDependents=false",
    )
    assert.equal(query.status, 202, query.text)
  })

  test("the scale subresource reads and writes spec.replicas", async () => {
    const dep = {
      metadata: { name: "d" },
      spec: {
        replicas: 1,
        selector: { matchLabels: { app: "d" } },
        template: {
          metadata: { labels: { app: "d" } },
          spec: { containers: [{ name: "c", image: "nginx" }] },
        },
      },
    }
    const c = await call("POST", "/apis/apps/v1/namespaces/default/deployments", dep)
    assert.equal(c.status, 201, c.text)
    assert.equal(c.json.metadata.generation, 1)
    const s = await call(
      "PATCH",
      "/apis/apps/v1/namespaces/default/deployments/d/scale",
      { spec: { replicas: 3 } },
      {
        "content-type": "application/merge-patch+json",
      },
    )
    assert.equal(s.status, 200, s.text)
    assert.equal(s.json.kind, "Scale")
    assert.equal(s.json.spec.replicas, 3)
    assert.equal(s.json.status.selector, "app=d")
    const g = await call("GET", "/apis/apps/v1/namespaces/default/deployments/d")
    assert.equal(g.json.spec.replicas, 3)
    assert.equal(g.json.metadata.generation, 2)
    // autoscaling/v1 ScaleSpec.replicas is a plain omitempty int32: zero is written as nothing,
    // and a Scale without it (or with null) asks for zero, as Go decodes it.
    const zero = await call("PUT", "/apis/apps/v1/namespaces/default/deployments/d/scale", {
      metadata: { name: "d" },
      spec: {},
    })
    assert.equal(zero.status, 200, zero.text)
    assert.deepEqual(zero.json.spec, {})
    assert.equal(zero.json.status.replicas, 0)
    assert.equal((await call("GET", "/apis/apps/v1/namespaces/default/deployments/d")).json.spec.replicas, 0)
    const read = await call("GET", "/apis/apps/v1/namespaces/default/deployments/d/scale")
    assert.deepEqual(read.json.spec, {})
    // A negative count is refused as upstream's ValidateScale refuses it, the value in the cause.
    const negative = await call(
      "PATCH",
      "/apis/apps/v1/namespaces/default/deployments/d/scale",
      { spec: { replicas: -1 } },
      { "content-type": "application/merge-patch+json" },
    )
    assert.equal(negative.status, 422)
    assert.equal(
      negative.json.message,
      'Scale.autoscaling "d" is invalid: spec.replicas: Invalid value: -1: must be greater than or equal to 0',
    )
    assert.deepEqual(negative.json.details.causes, [
      {
        reason: "FieldValueInvalid",
        message: "Invalid value: -1: must be greater than or equal to 0",
        field: "spec.replicas",
      },
    ])
  })

  test("discovery serves legacy and aggregated documents", async () => {
    const legacy = await call("GET", "/api")
    assert.deepEqual(legacy.json.versions, ["v1"])
    const agg = await call("GET", "/apis", undefined, {
      accept: "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json",
    })
    assert.match(agg.headers.get("content-type") ?? "", /as=APIGroupDiscoveryList/)
    const apps = agg.json.items.find((g: any) => g.metadata.name === "apps")
    assert.ok(apps.versions[0].resources.some((r: any) => r.resource === "deployments"))
    const v1 = await call("GET", "/api/v1")
    assert.ok(v1.json.resources.some((r: any) => r.name === "pods/log"))
    const version = await call("GET", "/version")
    assert.equal(version.json.major, "1")
  })

  test("HPAs are served at autoscaling/v1 and v2 from one stored object", async () => {
    const hpa = {
      apiVersion: "autoscaling/v1",
      kind: "HorizontalPodAutoscaler",
      metadata: { name: "h" },
      spec: {
        scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: "d" },
        maxReplicas: 5,
        targetCPUUtilizationPercentage: 50,
      },
    }
    const c = await call("POST", "/apis/autoscaling/v1/namespaces/default/horizontalpodautoscalers", hpa)
    assert.equal(c.status, 201, c.text)
    assert.equal(c.json.spec.targetCPUUtilizationPercentage, 50)
    const v2 = await call("GET", "/apis/autoscaling/v2/namespaces/default/horizontalpodautoscalers/h")
    assert.equal(v2.json.apiVersion, "autoscaling/v2")
    assert.equal(v2.json.spec.metrics[0].resource.target.averageUtilization, 50)
  })
})

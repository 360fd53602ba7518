import assert from "node:assert/strict"
import { test } from "node:test"
import type { ApiServer } from "./server.ts"
import { apiCall, memoryApiServer, readWatch, readWatchEvents } from "../testing/index.ts"

let api: ApiServer
memoryApiServer((started) => (api = started))

const CMS = "/api/v1/namespaces/default/configmaps"
const LEASES = "/apis/coordination.k8s.io/v1/namespaces/default/leases"
/** Config maps a and b and leases l and m, made once before the first test that needs them. */
let made: Promise<void> | undefined
const ready = () =>
  (made ??= (async () => {
    for (const [path, name] of [
      [CMS, "a"],
      [CMS, "b"],
      [LEASES, "l"],
      [LEASES, "m"],
    ] as const) {
      assert.equal((await apiCall(api, "POST", path, { metadata: { name } })).status, 201)
    }
  })())

const names = (evs: { type: string; object: any }[]) => evs.map((e) => `${e.type} ${e.object.metadata.name}`)

test("the deprecated /watch/ paths watch a collection, one object or a namespace", async () => {
  await ready()
  const all = await readWatchEvents(api, "/api/v1/watch/namespaces/default/configmaps", 2)
  assert.deepEqual(names(all), ["ADDED a", "ADDED b"])
  // Each named watch reads its first event: an unfiltered watch's would be another object's
  // (config map a, namespace default, lease l come first).
  const one = await readWatchEvents(api, "/api/v1/watch/namespaces/default/configmaps/b", 1)
  assert.deepEqual(names(one), ["ADDED b"])
  const across = await readWatchEvents(api, "/api/v1/watch/configmaps?fieldSelector=metadata.name%3Db", 1)
  assert.deepEqual(names(across), ["ADDED b"])
  const ns = await readWatchEvents(api, "/api/v1/watch/namespaces/kube-system", 1)
  assert.deepEqual(names(ns), ["ADDED kube-system"])
  const lease = await readWatchEvents(
    api,
    "/apis/coordination.k8s.io/v1/watch/namespaces/default/leases/m",
    1,
  )
  assert.deepEqual(names(lease), ["ADDED m"])
  const crds = await readWatch(api, "/apis/apiextensions.k8s.io/v1/watch/customresourcedefinitions", 0)
  assert.equal(crds.status, 200)
})

test("a named watch with a field selector naming another object is 400, as upstream's", async () => {
  await ready()
  const res = await apiCall(
    api,
    "GET",
    "/api/v1/watch/namespaces/default/configmaps/a?fieldSelector=metadata.name%3Db",
  )
  assert.equal(res.status, 400)
  assert.equal(res.json.message, "fieldSelector metadata.name doesn't match requested name")
  const same = "/api/v1/watch/namespaces/default/configmaps/b?fieldSelector=metadata.name%3Db"
  assert.deepEqual(names(await readWatchEvents(api, same, 1)), ["ADDED b"])
})

test("only the watch routes upstream registers exist: no subresources, no named watch across namespaces, none for what cannot list and watch", async () => {
  for (const path of [
    "/api/v1/watch/namespaces/default/pods/p/status",
    "/api/v1/watch/namespaces/default/status",
    "/api/v1/watch/namespaces/default/finalize",
    "/api/v1/watch/configmaps/a",
    "/api/v1/watch/componentstatuses",
    "/api/v1/watch/componentstatuses/etcd-0",
    "/api/v1/watch/namespaces/x/bindings",
    "/api/v1/watch/namespaces/default/nodes",
    "/apis/metrics.k8s.io/v1beta1/watch/nodes",
  ]) {
    assert.equal((await apiCall(api, "GET", path)).status, 404, path)
  }
})

import assert from "node:assert/strict"
import { test } from "node:test"
import { MemoryStore } from "../storage/index.ts"
import { apiCall } from "../testing/index.ts"
import { createApiServer } from "./server.ts"

/** The value of the sample `name{labels}` in a Prometheus text exposition. */
function sample(text: string, name: string, labels: Record<string, string>): number | undefined {
  for (const line of text.split("\n")) {
    if (!line.startsWith(`${name}{`)) continue
    const body = line.slice(name.length + 1, line.lastIndexOf("}"))
    if (Object.entries(labels).every(([k, v]) => body.includes(`${k}="${v}"`))) {
      return Number(line.slice(line.lastIndexOf(" ") + 1))
    }
  }
  return undefined
}

test("store latency is recorded per operation, group and resource, failed calls included", async () => {
  const api = createApiServer({ store: new MemoryStore() })
  const ac = new AbortController()
  void api.run(ac.signal)
  await api.ready()
  const cm = { metadata: { name: "c" }, data: {} }
  assert.equal((await apiCall(api, "POST", "/api/v1/namespaces/default/configmaps", cm)).status, 201)
  // The store refuses the second create: the caller still sees it, and it is still timed.
  assert.equal((await apiCall(api, "POST", "/api/v1/namespaces/default/configmaps", cm)).status, 409)
  const sc = { metadata: { name: "fast" }, provisioner: "x" }
  assert.equal((await apiCall(api, "POST", "/apis/storage.k8s.io/v1/storageclasses", sc)).status, 201)
  const labels = { app: "d" }
  const deployment = {
    metadata: { name: "d" },
    spec: {
      selector: { matchLabels: labels },
      template: { metadata: { labels }, spec: { containers: [{ name: "c", image: "i" }] } },
    },
  }
  assert.equal(
    (await apiCall(api, "POST", "/apis/apps/v1/namespaces/default/deployments", deployment)).status,
    201,
  )
  assert.equal((await apiCall(api, "GET", "/api/v1/namespaces/default/configmaps/c")).status, 200)
  const text = (await apiCall(api, "GET", "/metrics")).text
  const count = (operation: string, group: string, resource: string) =>
    sample(text, "etcd_request_duration_seconds_count", { group, operation, resource })
  assert.equal(count("create", "", "configmaps"), 2)
  assert.equal(count("create", "storage.k8s.io", "storageclasses"), 1)
  // apps has no dot, yet it is the group of /registry/apps/deployments/...
  assert.equal(count("create", "apps", "deployments"), 1)
  assert.equal(count("get", "", "configmaps"), 1)
  assert.equal(
    sample(text, "apiserver_request_total", { verb: "POST", resource: "configmaps", code: "409" }),
    1,
  )
  assert.ok(
    (sample(text, "apiserver_request_duration_seconds_count", { verb: "GET", resource: "configmaps" }) ??
      0) >= 1,
  )
  ac.abort()
})

test("a watch counts as long-running while it is open, and no longer once its client goes", async () => {
  const api = createApiServer({ store: new MemoryStore() })
  const ac = new AbortController()
  void api.run(ac.signal)
  await api.ready()
  const gauge = async () =>
    sample((await apiCall(api, "GET", "/metrics")).text, "apiserver_longrunning_requests", {
      verb: "WATCH",
      resource: "configmaps",
    })
  const client = new AbortController()
  const res = await api.fetch(
    new Request("http://k8ts/api/v1/namespaces/default/configmaps?watch=true", { signal: client.signal }),
  )
  const reader = res.body!.getReader()
  await apiCall(api, "POST", "/api/v1/namespaces/default/configmaps", { metadata: { name: "w" } })
  const first = new TextDecoder().decode((await reader.read()).value)
  assert.equal(JSON.parse(first).type, "ADDED")
  assert.equal(await gauge(), 1)
  await reader.cancel()
  assert.equal(await gauge(), 0)
  ac.abort()
})

test("/metrics declares the API server's families as upstream does: HELP with the stability level", async () => {
  const api = createApiServer({ store: new MemoryStore() })
  const ac = new AbortController()
  void api.run(ac.signal)
  await api.ready()
  await apiCall(api, "GET", "/api/v1/namespaces/default/configmaps")
  const text = (await apiCall(api, "GET", "/metrics")).text
  const help = (name: string) => new RegExp(`^# HELP ${name} (.*)$`, "m").exec(text)?.[1]
  assert.equal(
    help("apiserver_request_total"),
    "[STABLE] Counter of apiserver requests broken out for each verb, dry run value, group, version, resource, scope, component, and HTTP response code.",
  )
  assert.equal(
    help("apiserver_request_duration_seconds"),
    "[STABLE] Response latency distribution in seconds for each verb, dry run value, group, version, resource, subresource, scope and component.",
  )
  assert.equal(
    help("etcd_request_duration_seconds"),
    "[ALPHA] Etcd request latency in seconds for each operation and object type.",
  )
  // Upstream's buckets, le last after the labels sorted by name.
  assert.match(
    text,
    /^apiserver_request_duration_seconds_bucket\{component="apiserver",dry_run="",group="",resource="configmaps",scope="namespace",subresource="",verb="LIST",version="v1",le="0\.005"\} \d+$/m,
  )
  assert.match(
    text,
    /^etcd_request_duration_seconds_bucket\{group="",operation="[a-z]+",resource="\w+",le="60"\} \d+$/m,
  )
  ac.abort()
})

test("/metrics counts the stored objects of each stored resource, from the watch cache", async () => {
  const api = createApiServer({ store: new MemoryStore() })
  const ac = new AbortController()
  void api.run(ac.signal)
  await api.ready()
  for (const name of ["a", "b"])
    await apiCall(api, "POST", "/api/v1/namespaces/default/configmaps", { metadata: { name } })
  // A list without resourceVersion waits until the cache has the writes.
  await apiCall(api, "GET", "/api/v1/namespaces/default/configmaps")
  const text = (await apiCall(api, "GET", "/metrics")).text
  // apiserver_storage_objects, deprecated in 1.34.0, is hidden in a 1.35 server.
  assert.doesNotMatch(text, /apiserver_storage_objects/)
  assert.match(
    text,
    /^# HELP apiserver_resource_objects \[ALPHA\] Number of stored objects at the time of last check split by kind\. In case of a fetching error, the value will be -1\.$/m,
  )
  assert.match(text, /^apiserver_resource_objects\{group="",resource="configmaps"\} 2$/m)
  assert.match(text, /^apiserver_resource_objects\{group="apps",resource="deployments"\} 0$/m)
  // The system namespaces the server creates are stored objects too.
  assert.match(text, /^apiserver_resource_objects\{group="",resource="namespaces"\} [4-9]$/m)
  // Events are stored once, whichever group serves them; reviews and metrics are not stored.
  assert.equal(text.match(/^apiserver_resource_objects\{group="[^"]*",resource="events"/gm)?.length, 1)
  assert.doesNotMatch(text, /^apiserver_resource_objects\{[^}]*resource="(tokenreviews|componentstatuses)"/m)
  assert.doesNotMatch(text, /^apiserver_resource_objects\{group="metrics\.k8s\.io"/m)
  ac.abort()
})

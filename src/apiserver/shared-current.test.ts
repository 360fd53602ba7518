/**
 * Every write kind through the whole API server while the watch cache's objects are deep-frozen
 * as soon as anyone reads them: a write that changed the cached object it takes as current (in a
 * strategy, defaulting, admission, managed fields, allocation or a handler) fails with a 500.
 */
import assert from "node:assert/strict"
import { after, before, test } from "node:test"
import { MemoryStore } from "../storage/index.ts"
import { deepFreeze, FakeClock } from "../util/index.ts"
import { createApiServer, type ApiServer } from "./server.ts"
import { WatchCache } from "./watch-cache.ts"
import { PackedObject } from "./cache-objects.ts"

let frozenReads = 0
const resource = WatchCache.prototype.resource
const patched = new WeakSet<object>()
WatchCache.prototype.resource = function (this: WatchCache, prefix: string) {
  const rc = resource.call(this, prefix)
  if (!patched.has(rc.objects)) {
    patched.add(rc.objects)
    const get = rc.objects.get.bind(rc.objects)
    rc.objects.get = (key: string) => {
      const obj = get(key)
      if (obj) frozenReads++
      return deepFreeze(obj)
    }
    // The registry's reads take entries as kept (an object, or its JSON when packed).
    const raw = rc.objects.raw.bind(rc.objects)
    rc.objects.raw = (key: string) => {
      const kept = raw(key)
      if (kept === undefined || kept instanceof PackedObject) return kept
      frozenReads++
      return deepFreeze(kept)
    }
  }
  return rc
}

let api: ApiServer
const ac = new AbortController()
const clock = new FakeClock(Date.UTC(2026, 10, 30, 12, 0, 0))

before(async () => {
  api = createApiServer({ store: new MemoryStore(), clock })
  void api.run(ac.signal)
  await api.ready()
})
after(() => {
  ac.abort()
  WatchCache.prototype.resource = resource
})

/** Lets the watch cache take the last write's event. */
const settle = () => new Promise((r) => setTimeout(r, 5))

async function call(method: string, path: string, body?: unknown, type = "application/json") {
  await settle()
  const res = await api.fetch(
    new Request(`http://k8ts${path}`, {
      method,
      headers: { "content-type": type, accept: "application/json" },
      ...(body !== undefined ? { body: typeof body === "string" ? body : JSON.stringify(body) } : {}),
    }),
  )
  return { status: res.status, json: (await res.json()) as any }
}

async function ok(method: string, path: string, body?: unknown, type?: string) {
  const res = await call(method, path, body, type)
  assert.ok(res.status < 300, `${method} ${path}: ${res.status} ${JSON.stringify(res.json)}`)
  return res.json
}

const NS = "/api/v1/namespaces"
const PODS = `${NS}/default/pods`
const MERGE = "application/merge-patch+json"
const STRATEGIC = "application/strategic-merge-patch+json"
const JSONPATCH = "application/json-patch+json"
const APPLY = "application/apply-patch+yaml"

test("pod writes of every kind leave the cached current object as it was", async () => {
  const created = await ok("POST", PODS, {
    metadata: { name: "p", labels: { app: "p" } },
    spec: { containers: [{ name: "c", image: "busybox" }] },
  })
  // PUT with fields left to their defaults
  const put = structuredClone(created)
  delete put.spec.restartPolicy
  delete put.spec.containers[0].imagePullPolicy
  put.metadata.labels.put = "1"
  await ok("PUT", `${PODS}/p`, put)
  await ok("PATCH", `${PODS}/p`, { metadata: { labels: { m: "1" } } }, MERGE)
  await ok("PATCH", `${PODS}/p`, { metadata: { labels: { s: "1" } } }, STRATEGIC)
  await ok("PATCH", `${PODS}/p`, [{ op: "add", path: "/metadata/labels/j", value: "1" }], JSONPATCH)
  await ok(
    "PATCH",
    `${PODS}/p?fieldManager=me`,
    { apiVersion: "v1", kind: "Pod", metadata: { name: "p", labels: { a: "1" } } },
    APPLY,
  )
  // a stale resourceVersion is still a conflict
  const stale = await call("PUT", `${PODS}/p`, put)
  assert.equal(stale.status, 409)
  await ok("POST", `${PODS}/p/binding`, { target: { kind: "Node", name: "n1" }, metadata: { name: "p" } })
  const bound = await ok("GET", `${PODS}/p`)
  await ok("PUT", `${PODS}/p/status`, { ...bound, status: { ...bound.status, phase: "Running" } })
  await ok("PATCH", `${PODS}/p/status`, { status: { podIP: "10.0.0.9" } }, MERGE)
  await ok(
    "PATCH",
    `${PODS}/p/ephemeralcontainers`,
    { spec: { ephemeralContainers: [{ name: "dbg", image: "busybox", targetContainerName: "c" }] } },
    STRATEGIC,
  )
  const got = await ok("GET", `${PODS}/p`)
  assert.equal(got.spec.nodeName, "n1")
  assert.equal(got.status.phase, "Running")
  assert.equal(got.spec.ephemeralContainers.length, 1)
  assert.deepEqual(Object.keys(got.metadata.labels).sort(), ["a", "app", "j", "m", "put", "s"])
  // eviction (a graceful delete), then the final delete
  await ok("POST", `${PODS}/p/eviction`, {
    apiVersion: "policy/v1",
    kind: "Eviction",
    metadata: { name: "p", namespace: "default" },
  })
  const terminating = await ok("GET", `${PODS}/p`)
  assert.ok(terminating.metadata.deletionTimestamp)
  await ok("DELETE", `${PODS}/p`, { gracePeriodSeconds: 0 })
  assert.equal((await call("GET", `${PODS}/p`)).status, 404)
  assert.ok(frozenReads > 10, `frozen reads: ${frozenReads}`)
})

test("finalizers, namespace finalize, scale, services and quotas leave the cached object as it was", async () => {
  const CMS = `${NS}/default/configmaps`
  await ok("POST", CMS, { metadata: { name: "f", finalizers: ["x/y"] }, data: { a: "1" } })
  await ok("DELETE", `${CMS}/f`)
  await ok("PATCH", `${CMS}/f`, { metadata: { finalizers: null } }, MERGE)
  assert.equal((await call("GET", `${CMS}/f`)).status, 404)

  await ok("POST", NS, { metadata: { name: "gone" } })
  await ok("DELETE", `${NS}/gone`)
  const ns = await ok("GET", `${NS}/gone`)
  await ok("PUT", `${NS}/gone/finalize`, { ...ns, spec: { finalizers: [] } })

  const DEPLOYS = "/apis/apps/v1/namespaces/default/deployments"
  await ok("POST", DEPLOYS, {
    metadata: { name: "d" },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: "d" } },
      template: { metadata: { labels: { app: "d" } }, spec: { containers: [{ name: "c", image: "x" }] } },
    },
  })
  await ok("PATCH", `${DEPLOYS}/d/scale`, { spec: { replicas: 3 } }, MERGE)
  const scale = await ok("GET", `${DEPLOYS}/d/scale`)
  await ok("PUT", `${DEPLOYS}/d/scale`, { ...scale, spec: { replicas: 4 } })
  await ok("PATCH", `${DEPLOYS}/d/status`, { status: { replicas: 4 } }, MERGE)
  assert.equal((await ok("GET", `${DEPLOYS}/d`)).spec.replicas, 4)

  const SVCS = `${NS}/default/services`
  const svc = await ok("POST", SVCS, {
    metadata: { name: "s" },
    spec: { type: "NodePort", selector: { app: "s" }, ports: [{ port: 80 }] },
  })
  const keep = structuredClone(svc)
  delete keep.spec.clusterIP
  delete keep.spec.clusterIPs
  delete keep.metadata.resourceVersion
  keep.metadata.labels = { v: "2" }
  const kept = await ok("PUT", `${SVCS}/s`, keep)
  assert.equal(kept.spec.clusterIP, svc.spec.clusterIP)
  await ok("PATCH", `${SVCS}/s/status`, { status: { loadBalancer: {} } }, MERGE)
  await ok(
    "PATCH",
    `${SVCS}/s`,
    { spec: { type: "ClusterIP", externalTrafficPolicy: null, ports: [{ port: 80, nodePort: null }] } },
    MERGE,
  )

  await ok("POST", `${NS}/default/resourcequotas`, {
    metadata: { name: "q" },
    spec: { hard: { pods: "5", "requests.cpu": "2" } },
  })
  await ok("POST", `${NS}/default/limitranges`, {
    metadata: { name: "l" },
    spec: { limits: [{ type: "Container", defaultRequest: { cpu: "100m" }, default: { cpu: "200m" } }] },
  })
  await ok("POST", PODS, {
    metadata: { name: "q" },
    spec: { containers: [{ name: "c", image: "busybox" }] },
  })
  await ok("PATCH", `${PODS}/q`, { metadata: { labels: { q: "1" } } }, MERGE)
  const q = await ok("GET", `${PODS}/q`)
  await ok("PUT", `${PODS}/q`, { ...q, metadata: { ...q.metadata, annotations: { a: "1" } } })
  await ok("DELETE", `${PODS}/q`, { gracePeriodSeconds: 0 })
})

test("a CRD update that adds a storage version leaves the cached CRD's storedVersions as they were", async () => {
  const CRDS = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions"
  const version = (name: string, storage: boolean) => ({
    name,
    served: true,
    storage,
    schema: { openAPIV3Schema: { type: "object", "x-kubernetes-preserve-unknown-fields": true } },
  })
  const crd = await ok("POST", CRDS, {
    metadata: { name: "widgets.example.com" },
    spec: {
      group: "example.com",
      scope: "Namespaced",
      names: { plural: "widgets", kind: "Widget" },
      versions: [version("v1", true)],
    },
  })
  assert.deepEqual(crd.status.storedVersions, ["v1"])
  const cached = await ok("GET", `${CRDS}/widgets.example.com`)
  const next = { ...cached, spec: { ...cached.spec, versions: [version("v1", false), version("v2", true)] } }
  const updated = await ok("PUT", `${CRDS}/widgets.example.com`, next)
  assert.deepEqual(updated.status.storedVersions, ["v1", "v2"])
})

test("dry runs, no-op writes, propagation policies, collections and custom resources leave the cached object as it was", async () => {
  const CMS = `${NS}/default/configmaps`
  const cm = await ok("POST", CMS, { metadata: { name: "c" }, data: { a: "1" } })
  await ok("PUT", `${CMS}/c`, cm) // no change: no write
  await ok("PUT", `${CMS}/c?dryRun=All`, { ...cm, data: { a: "2" } })
  await ok("DELETE", `${CMS}/c?dryRun=All`)
  await ok("DELETE", `${CMS}/c`, { propagationPolicy: "Foreground" })
  await ok("DELETE", `${CMS}/c`, { propagationPolicy: "Orphan" })
  await ok("PATCH", `${CMS}/c`, { metadata: { finalizers: null } }, MERGE)
  assert.equal((await call("GET", `${CMS}/c`)).status, 404)
  for (const n of ["c1", "c2"]) await ok("POST", CMS, { metadata: { name: n, labels: { set: "x" } } })
  await ok("DELETE", `${CMS}?labelSelector=set%3Dx`)

  // a pod deleted twice with grace, then once more shortening it
  await ok("POST", PODS, {
    metadata: { name: "g" },
    spec: { nodeName: "n1", containers: [{ name: "c", image: "busybox" }] },
  })
  await ok("DELETE", `${PODS}/g`)
  await ok("DELETE", `${PODS}/g`)
  await ok("DELETE", `${PODS}/g`, { gracePeriodSeconds: 1 })
  await ok("DELETE", `${PODS}/g`, { gracePeriodSeconds: 0 })

  await ok("POST", "/api/v1/nodes", { metadata: { name: "n" } })
  await ok("PATCH", "/api/v1/nodes/n/status", { status: { capacity: { cpu: "2", pods: "110" } } }, MERGE)
  await ok("PATCH", "/api/v1/nodes/n", { metadata: { labels: { l: "1" } } }, MERGE)
  await ok("PATCH", "/api/v1/nodes/n/status", { status: { capacity: { cpu: "4", pods: "110" } } }, STRATEGIC)

  const CRDS = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions"
  await ok("POST", CRDS, {
    metadata: { name: "gadgets.example.com" },
    spec: {
      group: "example.com",
      scope: "Namespaced",
      names: { plural: "gadgets", kind: "Gadget" },
      versions: [
        {
          name: "v1",
          served: true,
          storage: true,
          schema: { openAPIV3Schema: { type: "object", "x-kubernetes-preserve-unknown-fields": true } },
          subresources: {
            status: {},
            scale: { specReplicasPath: ".spec.replicas", statusReplicasPath: ".status.replicas" },
          },
        },
      ],
    },
  })
  const GADGETS = "/apis/example.com/v1/namespaces/default/gadgets"
  let created: { status: number; json: any } = { status: 0, json: undefined }
  for (let i = 0; i < 100 && created.status !== 201; i++) {
    created = await call("POST", GADGETS, {
      apiVersion: "example.com/v1",
      kind: "Gadget",
      metadata: { name: "g" },
      spec: { replicas: 1 },
    })
  }
  assert.equal(created.status, 201, JSON.stringify(created.json))
  await ok("PATCH", `${GADGETS}/g/scale`, { spec: { replicas: 2 } }, MERGE)
  await ok("PATCH", `${GADGETS}/g/status`, { status: { replicas: 2 } }, MERGE)
  await ok("PATCH", `${GADGETS}/g`, { metadata: { labels: { x: "1" } } }, MERGE)
  await ok("DELETE", `${CRDS}/gadgets.example.com`)
})

test("managed fields left out, reset or applied to status leave the cached object as it was", async () => {
  const p = await ok("POST", PODS, {
    metadata: { name: "m" },
    spec: { nodeName: "n1", containers: [{ name: "c", image: "busybox" }] },
  })
  const bare = structuredClone(p)
  delete bare.metadata.managedFields
  delete bare.metadata.resourceVersion
  bare.metadata.labels = { one: "1" }
  await ok("PUT", `${PODS}/m?fieldManager=other`, bare)
  await ok("PATCH", `${PODS}/m?fieldManager=third`, { metadata: { labels: { two: "2" } } }, MERGE)
  const cur = await ok("GET", `${PODS}/m`)
  await ok("PUT", `${PODS}/m`, { ...cur, metadata: { ...cur.metadata, managedFields: [] } })
  await ok(
    "PATCH",
    `${PODS}/m/status?fieldManager=kubelet&force=true`,
    { apiVersion: "v1", kind: "Pod", metadata: { name: "m" }, status: { phase: "Running" } },
    APPLY,
  )
  await ok("PATCH", `${PODS}/m/status?fieldManager=other`, { status: { podIP: "10.0.0.7" } }, MERGE)
  const got = await ok("GET", `${PODS}/m`)
  assert.equal(got.status.phase, "Running")
  assert.equal(got.status.podIP, "10.0.0.7")
  await ok("DELETE", `${PODS}/m`, { gracePeriodSeconds: 0 })
})

test("status writes of workload and storage kinds leave the cached object as it was", async () => {
  const template = {
    metadata: { labels: { app: "w" } },
    spec: { restartPolicy: "Never", containers: [{ name: "c", image: "busybox" }] },
  }
  const kinds: [string, Record<string, unknown>, Record<string, unknown>][] = [
    ["/apis/batch/v1/namespaces/default/jobs", { template }, { active: 1 }],
    [
      "/apis/apps/v1/namespaces/default/statefulsets",
      {
        serviceName: "w",
        selector: { matchLabels: { app: "w" } },
        template: { ...template, spec: { containers: template.spec.containers } },
        volumeClaimTemplates: [
          {
            metadata: { name: "data" },
            spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "1Gi" } } },
          },
        ],
      },
      { replicas: 1 },
    ],
    [
      "/apis/apps/v1/namespaces/default/daemonsets",
      {
        selector: { matchLabels: { app: "w" } },
        template: { ...template, spec: { containers: template.spec.containers } },
      },
      { numberReady: 1 },
    ],
    [
      `${NS}/default/persistentvolumeclaims`,
      { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "1Gi" } } },
      { phase: "Bound" },
    ],
    [
      "/api/v1/persistentvolumes",
      { capacity: { storage: "1Gi" }, accessModes: ["ReadWriteOnce"], hostPath: { path: "/tmp/x" } },
      { phase: "Available" },
    ],
    [
      "/apis/autoscaling/v2/namespaces/default/horizontalpodautoscalers",
      {
        scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: "x" },
        maxReplicas: 3,
        // Defaulted on every write (status writes included): its rules are filled in.
        behavior: { scaleDown: { stabilizationWindowSeconds: 60 } },
        metrics: [
          {
            type: "Resource",
            resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 50 } },
          },
        ],
      },
      { currentReplicas: 1, desiredReplicas: 1 },
    ],
  ]
  for (const [path, spec, status] of kinds) {
    await ok("POST", path, { metadata: { name: "w" }, spec })
    await ok("PATCH", `${path}/w/status`, { status }, MERGE)
    const got = await ok("GET", `${path}/w`)
    await ok("PUT", `${path}/w/status`, { ...got, status: { ...got.status, ...status } })
    await ok("PATCH", `${path}/w`, { metadata: { labels: { x: "1" } } }, MERGE)
    await ok("DELETE", `${path}/w`)
  }
})

/** The Client conformance suite: every transport runs it unchanged against a real API server. */
import assert from "node:assert/strict"
import { after, before, describe, test } from "node:test"
import {
  ApiError,
  type ApiObject,
  ConfigMaps,
  Deployments,
  Namespaces,
  Pods,
  type WatchEvent,
} from "../api/index.ts"
import { MemoryStore } from "../storage/index.ts"
import { startClientEnv, type ClientEnv } from "../testing/index.ts"
import type { Client } from "./client.ts"
import { ListWatchInformer } from "./informer.ts"

/** Collects `n` events (or fewer, if the stream ends), failing after `ms`. */
export async function take<T>(iter: AsyncIterable<T>, n: number, ms = 5000): Promise<T[]> {
  const out: T[] = []
  const it = iter[Symbol.asyncIterator]()
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`Timed out after ${out.length}/${n} events`)), ms)
  })
  try {
    while (out.length < n) {
      const r = await Promise.race([it.next(), timeout])
      if (r.done) break
      out.push(r.value)
    }
  } finally {
    clearTimeout(timer)
  }
  return out
}

/** Asserts that `p` rejects with an ApiError of `reason`. */
export async function rejectsWith(p: Promise<unknown>, reason: string): Promise<ApiError> {
  try {
    await p
  } catch (err) {
    assert.ok(err instanceof ApiError, `expected an ApiError, got ${String(err)}`)
    assert.equal(err.reason, reason, err.message)
    return err
  }
  assert.fail(`expected an ApiError "${reason}"`)
}

function cm(name: string, labels?: Record<string, string>, ns = "default") {
  return {
    apiVersion: "v1" as const,
    kind: "ConfigMap" as const,
    metadata: { name, namespace: ns, ...(labels ? { labels } : {}) },
    data: { k: "v" },
  }
}

function pod(name: string) {
  return {
    apiVersion: "v1" as const,
    kind: "Pod" as const,
    metadata: { name, namespace: "default" },
    spec: { containers: [{ name: "c", image: "nginx" }] },
  }
}

function deployment(name: string, replicas: number) {
  const labels = { app: name }
  return {
    apiVersion: "apps/v1" as const,
    kind: "Deployment" as const,
    metadata: { name, namespace: "default" },
    spec: {
      replicas,
      selector: { matchLabels: labels },
      template: { metadata: { labels }, spec: { containers: [{ name: "c", image: "nginx" }] } },
    },
  }
}

/** A store whose history before revision 3 is compacted away, as a long-running cluster's is. */
async function compactedStore(): Promise<MemoryStore> {
  const store = new MemoryStore()
  const obj = (n: number) =>
    JSON.stringify({ apiVersion: "v1", kind: "Namespace", metadata: { name: `old-${n}` } })
  for (let i = 0; i < 3; i++) await store.create(`/registry/namespaces/old-${i}`, obj(i))
  await store.compact(await store.revision())
  return store
}

/** Runs the Client contract against the transport `pick` chooses from a fresh server. */
export function describeClient(name: string, pick: (env: ClientEnv) => Client): void {
  describe(`${name} conforms to Client`, () => {
    let env: ClientEnv
    let client: Client
    before(async () => {
      env = await startClientEnv({ store: await compactedStore() })
      client = pick(env)
    })
    after(async () => {
      await env.stop()
      await env.store.close()
    })

    test("create() fills metadata and get() reads the object back", async () => {
      const made = await client.resource(ConfigMaps).create(cm("a"))
      assert.match(made.metadata?.uid ?? "", /^[0-9a-f-]{36}$/)
      const got = await client.resource(ConfigMaps).get({ namespace: "default", name: "a" })
      assert.deepEqual(got, made)
    })

    test("get() of a missing object throws ApiError NotFound", async () => {
      const err = await rejectsWith(
        client.resource(ConfigMaps).get({ namespace: "default", name: "missing" }),
        "NotFound",
      )
      assert.equal(err.code, 404)
      assert.match(err.message, /configmaps "missing" not found/)
    })

    test("create() of an existing name throws AlreadyExists", async () => {
      await client.resource(ConfigMaps).create(cm("dup"))
      await rejectsWith(client.resource(ConfigMaps).create(cm("dup")), "AlreadyExists")
    })

    test("create() of an invalid object throws Invalid with causes", async () => {
      const err = await rejectsWith(client.resource(ConfigMaps).create(cm("Not_Valid")), "Invalid")
      assert.ok((err.details?.causes ?? []).some((c) => c.field === "metadata.name"))
    })

    test("update() with a stale resourceVersion throws Conflict", async () => {
      const cms = client.resource(ConfigMaps)
      const v1 = await cms.create(cm("upd"))
      const v2 = await cms.update({ ...v1, data: { k: "2" } })
      assert.equal(v2.data?.k, "2")
      await rejectsWith(cms.update({ ...v1, data: { k: "3" } }), "Conflict")
    })

    test("updateStatus() writes status and keeps spec", async () => {
      const pods = client.resource(Pods)
      const p = await pods.create(pod("st"))
      const updated = await pods.updateStatus({
        ...p,
        spec: { ...p.spec!, activeDeadlineSeconds: 5 },
        status: { ...p.status, phase: "Running" },
      })
      assert.equal(updated.status?.phase, "Running")
      assert.equal(updated.spec?.activeDeadlineSeconds, undefined)
    })

    test("list() filters by namespace and label selector, and pages", async () => {
      const cms = client.resource(ConfigMaps)
      await client
        .resource(Namespaces)
        .create({ apiVersion: "v1", kind: "Namespace", metadata: { name: "other" } })
      for (const n of ["l1", "l2", "l3"]) await cms.create(cm(n, { tier: n === "l3" ? "db" : "web" }))
      await cms.create(cm("l4", { tier: "web" }, "other"))
      const web = await cms.list({ namespace: "default", labelSelector: "tier=web" })
      assert.deepEqual(web.items.map((i) => i.metadata?.name).sort(), ["l1", "l2"])
      const everywhere = await cms.list({ labelSelector: { tier: "web" } })
      assert.equal(everywhere.items.length, 3)
      const byName = await cms.list({ namespace: "default", fieldSelector: "metadata.name=l3" })
      assert.deepEqual(
        byName.items.map((i) => i.metadata?.name),
        ["l3"],
      )
      const first = await cms.list({ labelSelector: "tier", limit: 2 })
      assert.equal(first.items.length, 2)
      assert.ok(first.metadata.continue)
      const rest = await cms.list({ labelSelector: "tier", limit: 2, continue: first.metadata.continue })
      assert.equal(rest.items.length, 2)
      assert.match(first.metadata.resourceVersion ?? "", /^\d+$/)
    })

    test("patch() applies merge and JSON patches, and patches status", async () => {
      const cms = client.resource(ConfigMaps)
      await cms.create(cm("p"))
      const key = { namespace: "default", name: "p" }
      const merged = await cms.patch(key, { data: { extra: "1" } }, { type: "merge" })
      assert.deepEqual(merged.data, { k: "v", extra: "1" })
      const patched = await cms.patch(key, [{ op: "remove", path: "/data/k" }], { type: "json" })
      assert.deepEqual(patched.data, { extra: "1" })
      const failed = [{ op: "test", path: "/data/extra", value: "2" }]
      await rejectsWith(cms.patch(key, failed, { type: "json" }), "Invalid")
      await client.resource(Pods).create(pod("ps"))
      const st = await client.resource(Pods).patch(
        { namespace: "default", name: "ps" },
        { status: { phase: "Failed" } },
        {
          type: "merge",
          subresource: "status",
        },
      )
      assert.equal(st.status?.phase, "Failed")
    })

    test("delete() removes the object and honours preconditions", async () => {
      const cms = client.resource(ConfigMaps)
      const made = await cms.create(cm("del"))
      const key = { namespace: "default", name: "del" }
      await rejectsWith(cms.delete(key, { preconditions: { uid: "not-the-uid" } }), "Conflict")
      await cms.delete(key, {
        preconditions: { uid: made.metadata?.uid ?? "" },
        propagationPolicy: "Background",
      })
      await rejectsWith(cms.get(key), "NotFound")
      await rejectsWith(cms.delete(key), "NotFound")
    })

    test("watch() streams changes after a list's resourceVersion, in order", async () => {
      const cms = client.resource(ConfigMaps)
      const list = await cms.list({ namespace: "default" })
      const ac = new AbortController()
      const events = cms.watch(
        { namespace: "default", resourceVersion: list.metadata.resourceVersion },
        ac.signal,
      )
      const got = take(events, 3)
      const made = await cms.create(cm("w"))
      await cms.update({ ...made, data: { k: "2" } })
      await cms.delete({ namespace: "default", name: "w" })
      const evs = await got
      ac.abort()
      assert.deepEqual(
        evs.map((e) => [e.type, e.object.metadata?.name]),
        [
          ["ADDED", "w"],
          ["MODIFIED", "w"],
          ["DELETED", "w"],
        ],
      )
    })

    test("watch() ends when its signal aborts, even while waiting", async () => {
      const ac = new AbortController()
      const events = client.resource(ConfigMaps).watch({ namespace: "nothing-here" }, ac.signal)
      const it = events[Symbol.asyncIterator]()
      const pending = it.next()
      ac.abort()
      assert.deepEqual(await pending, { done: true, value: undefined })
    })

    test("watch() with sendInitialEvents sends current objects, then a bookmark", async () => {
      const cms = client.resource(ConfigMaps)
      await cms.create(cm("init-1", undefined, "other"))
      const ac = new AbortController()
      const evs: WatchEvent<ApiObject>[] = await take(
        cms.watch({ namespace: "other", sendInitialEvents: true, labelSelector: "!tier" }, ac.signal),
        2,
      )
      ac.abort()
      assert.deepEqual(
        evs.map((e) => e.type),
        ["ADDED", "BOOKMARK"],
      )
      assert.equal(evs[1]?.object.metadata?.annotations?.["k8s.io/initial-events-end"], "true")
    })

    test("watch() from a compacted resourceVersion throws ApiError Expired", async () => {
      const ac = new AbortController()
      const events = client.resource(Namespaces).watch({ resourceVersion: "1" }, ac.signal)
      const err = await rejectsWith(take(events, 1), "Expired")
      assert.equal(err.code, 410)
      ac.abort()
    })

    test("request() reaches subresources (scale, binding) and non-resource paths", async () => {
      await client.resource(Deployments).create(deployment("web", 1))
      const target = { ref: Deployments, namespace: "default", name: "web", subresource: "scale" }
      const scale = await client.request<{ spec: { replicas: number } }>({ method: "GET", ...target })
      assert.equal(scale.spec.replicas, 1)
      await client.request({ method: "PUT", ...target, body: { ...scale, spec: { replicas: 3 } } })
      const dep = await client.resource(Deployments).get({ namespace: "default", name: "web" })
      assert.equal(dep.spec?.replicas, 3)
      await client.resource(Pods).create(pod("bind-me"))
      await client.request({
        method: "POST",
        ref: Pods,
        namespace: "default",
        name: "bind-me",
        subresource: "binding",
        body: {
          apiVersion: "v1",
          kind: "Binding",
          metadata: { name: "bind-me" },
          target: { name: "node-1" },
        },
      })
      const bound = await client.resource(Pods).get({ namespace: "default", name: "bind-me" })
      assert.equal(bound.spec?.nodeName, "node-1")
      const version = await client.request<{ gitVersion: string }>({ method: "GET", path: "/version" })
      assert.match(version.gitVersion, /^v1\./)
    })

    test("request() with discardBody writes, resolves to undefined and still throws ApiErrors", async () => {
      const created = await client.resource(ConfigMaps).create(cm("discarded"))
      const target = { ref: ConfigMaps, namespace: "default", name: "discarded" }
      const body = { ...created, data: { k: "v2" } }
      assert.equal(await client.request({ method: "PUT", ...target, body, discardBody: true }), undefined)
      const got = await client.resource(ConfigMaps).get(target)
      assert.equal(got.data?.k, "v2")
      await rejectsWith(client.request({ method: "PUT", ...target, body, discardBody: true }), "Conflict")
    })

    test("an informer on this transport syncs, then follows changes", async () => {
      const cms = client.resource(ConfigMaps)
      await cms.create(cm("inf-1", { informed: "yes" }))
      const informer = new ListWatchInformer(cms, { namespace: "default", labelSelector: "informed" })
      const ac = new AbortController()
      const running = informer.run(ac.signal)
      assert.equal(await informer.waitForSync(ac.signal), true)
      assert.deepEqual(informer.cache.keys(), ["default/inf-1"])
      const deleted = new Promise<string>((resolve) =>
        informer.addHandler({ onDelete: (o) => resolve(o.metadata?.name ?? "") }),
      )
      await cms.delete({ namespace: "default", name: "inf-1" })
      assert.equal(await deleted, "inf-1")
      assert.equal(informer.cache.size, 0)
      ac.abort()
      await running
    })

    test("a namespaced object without a namespace is a TypeError, before any request", async () => {
      await assert.rejects(async () => client.resource(Pods).get({ name: "x" }), TypeError)
    })
  })
}

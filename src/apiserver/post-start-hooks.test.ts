/**
 * The post-start hooks on /healthz, /livez and /readyz: listed in order as
 * `poststarthook/<name>`, failing "not finished" until their work is done; autoregister-completion
 * until every built-in group version's APIService has been seen Available.
 */
import assert from "node:assert/strict"
import { after, before, describe, test } from "node:test"
import { APIServices, builtinAPIServiceNames } from "../api/index.ts"
import { InProcessClient } from "../client/index.ts"
import { MemoryStore } from "../storage/index.ts"
import { FakeClock, silentLogger } from "../util/index.ts"
import { runApiServer } from "../testing/index.ts"
import { apiServicesAvailableCheck } from "./autoregister-completion.ts"
import { PostStartHooks } from "./post-start-hooks.ts"
import type { ApiServer } from "./server.ts"

async function results(hooks: PostStartHooks): Promise<[string, string | undefined][]> {
  return Promise.all(
    hooks.checks().map(async ([name, check]) => [name, await check()] as [string, string | undefined]),
  )
}

test("PostStartHooks: each hook fails 'not finished' until finished, in the order added", async () => {
  const hooks = new PostStartHooks()
  hooks.add("a", "rbac/bootstrap-roles")
  hooks.add("c")
  assert.throws(() => hooks.add("a"), /Cannot add post-start hook "a": it was added before/)
  hooks.finish("c")
  hooks.finish("never-added")
  await hooks.run("a", async () => {})
  assert.deepEqual(await results(hooks), [
    ["poststarthook/a", undefined],
    ["poststarthook/rbac/bootstrap-roles", "not finished"],
    ["poststarthook/c", undefined],
  ])
  await hooks.run("rbac/bootstrap-roles", async () => {})
  assert.equal(hooks.finished("rbac/bootstrap-roles"), true)
})

test("PostStartHooks.run(): a failed try is retried each second; after 30 s the hook fails, named as upstream's", async () => {
  const clock = new FakeClock()
  const hooks = new PostStartHooks({ clock, log: silentLogger() })
  // Seconds pass one by one, each once the tries due have run.
  const seconds = async (n: number) => {
    for (let i = 0; i < n; i++) {
      await new Promise((r) => setImmediate(r))
      await clock.advance(1000)
    }
  }
  hooks.add("scheduling/bootstrap-system-priority-classes", "rbac/bootstrap-roles")
  // GIVEN work that fails twice, then succeeds
  const tries: number[] = []
  const recovering = hooks.run("scheduling/bootstrap-system-priority-classes", async () => {
    tries.push(clock.now())
    if (tries.length < 3) throw new Error("etcdserver: request timed out")
  })
  await seconds(2)
  await recovering
  // THEN it was tried at 0, 1 and 2 s, and the hook is finished
  assert.deepEqual(
    tries.map((t) => t - (tries[0] as number)),
    [0, 1000, 2000],
  )
  assert.equal(hooks.finished("scheduling/bootstrap-system-priority-classes"), true)

  // GIVEN work that keeps failing
  let failures = 0
  const failing = hooks.run("rbac/bootstrap-roles", async () => {
    failures++
    throw new Error("store down")
  })
  let settled = false
  failing.catch(() => {}).finally(() => (settled = true))
  await seconds(29)
  await new Promise((r) => setImmediate(r))
  assert.equal(settled, false, "still retrying within 30 s")
  await seconds(1)
  // THEN it rejects once 30 s passed since its first try (31 tries), and the hook stays unfinished
  await assert.rejects(failing, { message: 'PostStartHook "rbac/bootstrap-roles" failed: store down' })
  assert.equal(failures, 31)
  assert.equal(hooks.finished("rbac/bootstrap-roles"), false)
  assert.deepEqual((await results(hooks))[1], ["poststarthook/rbac/bootstrap-roles", "not finished"])
})

test("PostStartHooks.run(): stops retrying when its signal aborts", async () => {
  const clock = new FakeClock()
  const hooks = new PostStartHooks({ clock, log: silentLogger() })
  const ac = new AbortController()
  const failing = hooks.run(
    "rbac/bootstrap-roles",
    async () => {
      throw new Error("store down")
    },
    ac.signal,
  )
  await new Promise((r) => setImmediate(r))
  ac.abort(new Error("stopped"))
  await assert.rejects(failing, { message: "stopped" })
  assert.equal(clock.waiting, 0)
})

test("apiServicesAvailableCheck(): passes once each was seen Available, for good", async () => {
  const seen = new Map<string, unknown>()
  const check = apiServicesAvailableCheck(["v1.apps", "v1.", "v2.autoscaling"], (n) => seen.get(n) as never)
  const available = (status: string) => ({ status: { conditions: [{ type: "Available", status }] } })
  assert.equal(await check(), "missing APIService: [v1. v1.apps v2.autoscaling]")
  seen.set("v1.", available("True"))
  seen.set("v1.apps", available("False"))
  assert.equal(await check(), "missing APIService: [v1.apps v2.autoscaling]")
  seen.set("v1.apps", available("True"))
  seen.set("v2.autoscaling", available("True"))
  assert.equal(await check(), undefined)
  seen.set("v1.apps", available("False"))
  assert.equal(await check(), undefined, "seen Available once is enough, as upstream's")
})

describe("a server keeping the kubernetes Service, with the autoregister controller in the cluster", () => {
  let api: ApiServer
  let stop = () => {}
  const ac = new AbortController()
  before(async () => {
    const running = await runApiServer(new MemoryStore(), { kubernetesService: true, autoregister: true })
    api = running.api
    stop = running.stop
  })
  after(() => {
    ac.abort()
    stop()
  })
  const get = async (path: string) => {
    const res = await api.fetch(new Request(`http://k8ts${path}`))
    return [res.status, await res.text()] as const
  }

  test("is not ready until it wrote the Service and the APIServices are Available", async () => {
    const [status, body] = await get("/readyz?verbose")
    assert.equal(status, 500)
    const lines = body.trim().split("\n")
    assert.deepEqual(lines.slice(0, 5), [
      "[+]ping ok",
      "[+]log ok",
      "[+]etcd ok",
      "[+]etcd-readiness ok",
      "[+]informer-sync ok",
    ])
    assert.deepEqual(lines.slice(-5), [
      "[-]poststarthook/bootstrap-controller failed: reason withheld",
      "[+]poststarthook/start-kubernetes-service-cidr-controller ok",
      "[-]autoregister-completion failed: reason withheld",
      "[+]shutdown ok",
      "readyz check failed",
    ])
    assert.deepEqual(await get("/readyz/poststarthook/bootstrap-controller"), [
      500,
      "internal server error: not finished\n",
    ])
    assert.deepEqual(await get("/livez/poststarthook/rbac/bootstrap-roles"), [200, "ok"])
    const [, missing] = await get("/healthz/autoregister-completion")
    assert.match(
      missing,
      /^internal server error: missing APIService: \[v1\. v1\.admissionregistration\.k8s\.io /,
    )
    assert.equal((await get("/readyz/poststarthook/nope"))[0], 404, "an unknown check")
  })

  test("is ready once both are done", async () => {
    await api.startKubernetesService(
      { clusterIP: "10.96.0.1", endpointIP: "127.0.0.1", endpointPort: 6443 },
      ac.signal,
    )
    assert.deepEqual(await get("/readyz/poststarthook/bootstrap-controller"), [200, "ok"])
    const services = new InProcessClient(api.handle).resource(APIServices)
    for (const name of builtinAPIServiceNames()) {
      const [version, ...group] = name.split(".")
      const created = await services.create({
        apiVersion: "apiregistration.k8s.io/v1",
        kind: "APIService",
        metadata: { name },
        spec: { group: group.join("."), version: version ?? "", groupPriorityMinimum: 1, versionPriority: 1 },
      })
      await services.updateStatus({
        ...created,
        status: {
          conditions: [
            {
              type: "Available",
              status: "True",
              reason: "Local",
              message: "Local APIServices are always available",
            },
          ],
        },
      })
    }
    assert.deepEqual(await get("/readyz"), [200, "ok"])
    assert.deepEqual(await get("/livez"), [200, "ok"])
    const [, verbose] = await get("/healthz?verbose")
    assert.match(
      verbose,
      /\[\+\]poststarthook\/bootstrap-controller ok\n\[\+\]poststarthook\/start-kubernetes-service-cidr-controller ok\n\[\+\]autoregister-completion ok\nhealthz check passed\n$/,
    )
  })
})

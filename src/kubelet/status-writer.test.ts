import assert from "node:assert/strict"
import { after, before, test } from "node:test"
import type { Pod, PodStatus } from "kubernetes-types/core/v1.js"
import { type ApiObject, Pods } from "../api/index.ts"
import { type ClientEnv, startClientEnv } from "../testing/index.ts"
import { silentLogger } from "../util/index.ts"
import { StatusWriter } from "./status-writer.ts"

let env: ClientEnv
before(async () => {
  env = await startClientEnv()
})
after(() => env.stop())

async function newPod(name: string): Promise<string> {
  const pod = await env.inProcess.resource(Pods).create({
    metadata: { name, namespace: "default" },
    spec: { nodeName: "n", containers: [{ name: "c", image: "pause" }] },
  } as Pod & ApiObject)
  return pod.metadata?.uid ?? ""
}

/** A client that counts the status writes it passes on (the first `failing` fail). */
function counted(failing = 0): { client: typeof env.inProcess; writes: () => number } {
  let n = 0
  const client = new Proxy(env.inProcess, {
    get(target, prop) {
      if (prop !== "resource") return Reflect.get(target, prop, target) as unknown
      return (ref: typeof Pods) => {
        const r = target.resource(ref)
        return new Proxy(r, {
          get(rt, p) {
            if (p !== "patch") return Reflect.get(rt, p, rt) as unknown
            return (...args: Parameters<typeof r.patch>) => {
              n++
              if (n <= failing) return Promise.reject(new Error("connection refused"))
              return r.patch(...args)
            }
          },
        })
      }
    },
  })
  return { client, writes: () => n }
}

const status = (phase: string, message?: string): PodStatus => ({ phase, ...(message ? { message } : {}) })

test("the newest status handed over is written; one it replaced while a write ran, and repeats, are not", async () => {
  const uid = await newPod("newest")
  const { client, writes } = counted()
  const failed: string[] = []
  const w = new StatusWriter({ client, log: silentLogger(), failed: (k) => failed.push(k) })
  const ref = { namespace: "default", name: "newest", uid }
  w.set("default/newest", { ...ref, status: status("Pending", "first") })
  w.set("default/newest", { ...ref, status: status("Pending", "second") })
  w.set("default/newest", { ...ref, status: status("Running", "third") })
  await w.idle()
  w.set("default/newest", { ...ref, status: status("Running", "third") })
  await w.idle()
  const pod = await env.inProcess.resource(Pods).get({ namespace: "default", name: "newest" })
  assert.equal(pod.status?.message, "third")
  assert.equal(pod.status?.phase, "Running")
  assert.equal(writes(), 2, "the first write, then the newest")
  assert.deepEqual(failed, [])
})

test("a pod that is gone is no failure; a write that fails is reported and written again at the next hand-over", async () => {
  const failed: string[] = []
  const gone = new StatusWriter({ client: env.inProcess, log: silentLogger(), failed: (k) => failed.push(k) })
  gone.set("default/gone", { namespace: "default", name: "gone", uid: "u", status: status("Running") })
  await gone.idle()
  assert.equal(failed.length, 0)
  const uid = await newPod("retried")
  const { client, writes } = counted(1)
  const w = new StatusWriter({ client, log: silentLogger(), failed: (k) => failed.push(k) })
  const running = { namespace: "default", name: "retried", uid, status: status("Running") }
  w.set("default/retried", running)
  await w.idle()
  assert.deepEqual(failed, ["default/retried"])
  w.set("default/retried", running)
  await w.idle()
  assert.equal(writes(), 2, "the failed status is written again")
  const pod = await env.inProcess.resource(Pods).get({ namespace: "default", name: "retried" })
  assert.equal(pod.status?.phase, "Running")
})

test("the status last handed over is kept for the pod's uid until the pod is forgotten", async () => {
  const uid = await newPod("kept")
  const w = new StatusWriter({ client: env.inProcess, log: silentLogger(), failed: () => {} })
  const ref = { namespace: "default", name: "kept", uid }
  w.set("default/kept", { ...ref, status: status("Pending") })
  w.set("default/kept", { ...ref, status: status("Running") })
  assert.equal(w.last("default/kept", uid)?.phase, "Running", "handed over, before it is written")
  assert.equal(w.last("default/kept", "another-uid"), undefined)
  await w.idle()
  w.forget("default/kept")
  assert.equal(w.last("default/kept", uid), undefined)
})

test("a resourceVersion its own last write made is known as its own; any other is not", async () => {
  const uid = await newPod("echo")
  const w = new StatusWriter({ client: env.inProcess, log: silentLogger(), failed: () => {} })
  w.set("default/echo", { namespace: "default", name: "echo", uid, status: status("Running") })
  await w.idle()
  const pods = env.inProcess.resource(Pods)
  const written = await pods.get({ namespace: "default", name: "echo" })
  assert.ok(w.ownWrite("default/echo", written.metadata?.resourceVersion))
  const labelled = await pods.patch(
    { namespace: "default", name: "echo" },
    { metadata: { labels: { a: "b" } } },
    { type: "merge" },
  )
  assert.equal(w.ownWrite("default/echo", labelled.metadata?.resourceVersion), false)
  assert.equal(w.ownWrite("default/other", written.metadata?.resourceVersion), false)
})

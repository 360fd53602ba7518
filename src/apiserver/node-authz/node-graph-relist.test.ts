/**
 * The node graph over a real watch cache whose store watch fails: the relist replaces the pods
 * without events, at the revision the cache had, and the graph follows it.
 */
import assert from "node:assert/strict"
import { test } from "node:test"
import { MemoryStore, type Store, type StoreEvent } from "../../storage/index.ts"
import { until } from "../../testing/index.ts"
import { silentLogger } from "../../util/index.ts"
import { decode } from "../registry/context.ts"
import { prefixOf } from "../served.ts"
import { WatchCache } from "../watch-cache.ts"
import { nodeAuthorizer } from "./node-authorizer.ts"
import { NodeGraph } from "./node-graph.ts"

const NODE1 = { name: "system:node:node1", groups: ["system:nodes"] }

/** A store holding one pod bound to node1 that mounts secret `secret`, at revision 1. */
async function storeWithPod(secret: string): Promise<MemoryStore> {
  const store = new MemoryStore()
  const pod = {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "p", namespace: "ns", uid: "u" },
    spec: { nodeName: "node1", containers: [], volumes: [{ name: "s", secret: { secretName: secret } }] },
  }
  await store.create("/registry/pods/ns/p", JSON.stringify(pod))
  return store
}

/**
 * `first`, until `restore()` puts `next` in its place (a store restored from a backup taken
 * at the same revision): the watch on `first` then fails, and lists read `next`.
 */
function restorable(first: Store, next: Store): { store: Store; restore(): void } {
  let current = first
  let lose!: () => void
  const lost = new Promise<void>((r) => (lose = r))
  const store = {
    get: (key) => current.get(key),
    list: (prefix, opts) => current.list(prefix, opts),
    async *watch(_prefix, _from, signal) {
      if (current === first) {
        await lost
        throw new Error("Store was restored")
      }
      await new Promise((r) => signal.addEventListener("abort", r, { once: true }))
      yield* [] as StoreEvent[]
    },
  } as Partial<Store> as Store
  return {
    store,
    restore: () => {
      current = next
      lose()
    },
  }
}

test("NodeGraph follows a relist at the revision the cache had", async () => {
  const { store, restore } = restorable(await storeWithPod("before"), await storeWithPod("after"))
  const cache = new WatchCache(store, (value, revision) => decode(value, revision), silentLogger())
  const graph = new NodeGraph({
    pods: cache.resource("/registry/pods/"),
    persistentVolumes: cache.resource(prefixOf("", "v1", "persistentvolumes")),
    volumeAttachments: cache.resource(prefixOf("storage.k8s.io", "v1", "volumeattachments")),
    resourceSlices: cache.resource(prefixOf("resource.k8s.io", "v1", "resourceslices")),
    get lists() {
      return cache.lists
    },
  })
  const { authorize } = nodeAuthorizer(graph)
  const canRead = async (name: string) =>
    (
      await authorize({
        user: NODE1,
        resourceRequest: true,
        verb: "get",
        resource: "secrets",
        namespace: "ns",
        name,
      })
    ).decision === "Allow"
  const ac = new AbortController()
  const running = cache.run(ac.signal)
  try {
    await cache.ready()
    assert.deepEqual([await canRead("before"), await canRead("after")], [true, false])
    restore()
    await until("the watch cache's list after the restore", () => cache.lists >= 2, 5000)
    assert.equal(cache.lists, 2, "one relist")
    assert.equal(cache.revision, 1, "the relist did not move the revision")
    assert.deepEqual([await canRead("before"), await canRead("after")], [false, true])
  } finally {
    ac.abort()
    await running
  }
})

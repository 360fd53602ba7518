/** Fake watch-cache views for the Node authorizer's tests: objects and events a test sets. */
import type { ApiObject } from "../../api/index.ts"
import type { CacheEvent } from "../watch-cache.ts"
import { type EventCache, NodeGraph } from "./node-graph.ts"
import { nodeAuthorizer } from "./node-authorizer.ts"

/** A cache whose objects and events a test sets. */
export class FakeCache implements EventCache {
  readonly objects = new Map<string, ApiObject>()
  readonly #subs = new Set<(ev: CacheEvent) => void>()
  #rv = 0

  subscribe(fn: (ev: CacheEvent) => void): () => void {
    this.#subs.add(fn)
    return () => this.#subs.delete(fn)
  }

  put(obj: ApiObject): void {
    const key = `${obj.metadata?.namespace ?? ""}/${obj.metadata?.name ?? ""}`
    const prev = this.objects.get(key)
    this.objects.set(key, obj)
    const ev = { type: prev ? "MODIFIED" : "ADDED", key, object: obj, revision: ++this.#rv } as const
    for (const fn of this.#subs) fn(prev ? { ...ev, prev } : ev)
  }

  remove(obj: ApiObject): void {
    const key = `${obj.metadata?.namespace ?? ""}/${obj.metadata?.name ?? ""}`
    this.objects.delete(key)
    for (const fn of this.#subs) fn({ type: "DELETED", key, object: obj, revision: ++this.#rv })
  }
}

/** A graph over fake caches and its authorizer. */
export function fixture() {
  const pods = new FakeCache()
  const pvs = new FakeCache()
  const attachments = new FakeCache()
  const slices = new FakeCache()
  const graph = new NodeGraph({
    pods,
    persistentVolumes: pvs,
    volumeAttachments: attachments,
    resourceSlices: slices,
    lists: 1,
  })
  return { pods, pvs, attachments, slices, authz: nodeAuthorizer(graph) }
}

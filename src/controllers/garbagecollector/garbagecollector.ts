/**
 * The garbage collector: watches every deletable, listable and watchable resource (found by
 * discovery, re-read every 30 s so custom resources join), keeps a graph of ownerReferences,
 * and deletes objects whose owners are all gone (background), lets owners with the
 * foregroundDeletion finalizer wait for their blocking dependents, and orphans the dependents
 * of owners with the orphan finalizer. Queue keys are `delete:<uid>` and `orphan:<uid>`.
 */
import { type ApiObject, groupVersion, Namespaces, type ResourceRef } from "../../api/index.ts"
import {
  type Client,
  ClientEventRecorder,
  type ControllerDeps,
  type ControllerSpec,
  type Informers,
  type KeyQueue,
} from "../../client/index.ts"
import type { Clock, Logger } from "../../util/index.ts"
import { type DiscoveredResource, discoverResources, supportsVerbs } from "../discovery/index.ts"
import { Collector } from "./collector.ts"
import { DependencyGraph, type ObjectIdentity } from "./graph.ts"
import { GraphBuilder } from "./graph-builder.ts"

/** How often discovery is read again for new resources. */
export const DISCOVERY_RESYNC_MS = 30_000

/** Resources the collector never watches (upstream's defaults: events come and go on their own). */
const IGNORED = new Set(["/events", "events.k8s.io/events"])

const DELETE = "delete:"
const ORPHAN = "orphan:"

function identityOf(ref: ResourceRef, obj: ApiObject): ObjectIdentity {
  const m = obj.metadata ?? {}
  return {
    apiVersion: groupVersion(ref),
    kind: ref.kind,
    namespace: m.namespace ?? "",
    name: m.name ?? "",
    uid: m.uid ?? "",
  }
}

/** The collector's moving parts, built once per controller run. */
class GarbageCollector {
  readonly graph = new DependencyGraph()
  readonly builder: GraphBuilder
  readonly collector: Collector
  readonly #kinds = new Map<string, DiscoveredResource>()
  readonly #watched = new Set<string>()
  readonly #informers: Informers
  readonly #clock: Clock
  readonly #log: Logger
  #queue: KeyQueue | undefined
  readonly #client: Client

  constructor(deps: ControllerDeps) {
    this.#informers = deps.informers
    this.#clock = deps.clock
    this.#log = deps.log
    this.#client = deps.client
    const queues = {
      attemptToDelete: (n: { identity: ObjectIdentity }) => this.#queue?.add(DELETE + n.identity.uid),
      attemptToOrphan: (n: { identity: ObjectIdentity }) => this.#queue?.add(ORPHAN + n.identity.uid),
    }
    const lookup = (group: string, kind: string) => this.#kinds.get(`${group}/${kind}`)
    this.builder = new GraphBuilder(this.graph, queues, (g, k) => lookup(g, k)?.namespaced)
    this.collector = new Collector({
      client: deps.client,
      builder: this.builder,
      resourceOf: lookup,
      enqueue: (n) => queues.attemptToDelete(n),
      log: deps.log,
      recorder: new ClientEventRecorder(deps.client, {
        component: "garbage-collector-controller",
        clock: deps.clock,
        log: deps.log,
      }),
    })
  }

  async reconcile(key: string): Promise<void> {
    if (key.startsWith(DELETE)) {
      const node = this.graph.get(key.slice(DELETE.length))
      if (node) await this.collector.attemptToDelete(node)
    } else if (key.startsWith(ORPHAN)) {
      const node = this.graph.get(key.slice(ORPHAN.length))
      if (node) await this.collector.attemptToOrphan(node)
    }
    // Other keys are namespace events of the controller's `for`: nothing to do.
  }

  async run(queue: KeyQueue, signal: AbortSignal): Promise<void> {
    this.#queue = queue
    while (!signal.aborted) {
      await this.#resync(signal)
      try {
        await this.#clock.sleep(DISCOVERY_RESYNC_MS, signal)
      } catch {
        return
      }
    }
  }

  /** Reads discovery and starts watching resources not yet watched. */
  async #resync(signal: AbortSignal): Promise<void> {
    try {
      const found = await discoverResources(this.#client, signal)
      for (const r of found.resources) this.#kinds.set(`${r.group}/${r.kind}`, r)
      for (const r of found.resources) {
        const id = `${r.group}/${r.resource}`
        if (IGNORED.has(id) || this.#watched.has(id) || !supportsVerbs(r, ["delete", "list", "watch"]))
          continue
        this.#watched.add(id)
        this.#watch(r)
      }
      if (Object.keys(found.failed).length)
        this.#log.warn({ groups: found.failed }, "Failed to discover some groups")
    } catch (err) {
      if (!signal.aborted) this.#log.warn({ err: String(err) }, "Failed to discover resources")
    }
  }

  #watch(ref: DiscoveredResource): void {
    const b = this.builder
    this.#informers.get<ApiObject>(ref).addHandler({
      onAdd: (obj) => b.observe(identityOf(ref, obj), obj),
      onUpdate: (old, obj) => b.observe(identityOf(ref, obj), obj, old),
      onDelete: (obj) => b.remove(obj.metadata?.uid ?? ""),
    })
  }
}

/** Deletes objects whose owners are gone, and carries out foreground and orphan deletion. */
export const garbageCollectorController: ControllerSpec = {
  name: "garbage-collector",
  workers: 20,
  // The collector's keys come from its own graph (see run); namespaces only give it a queue.
  for: Namespaces,
  create: (deps) => {
    const gc = new GarbageCollector(deps)
    return {
      reconcile: (key) => gc.reconcile(key),
      run: (queue, signal) => gc.run(queue, signal),
    }
  },
}

/**
 * The relations the Node authorizer follows (upstream's node authorizer graph), kept from the
 * watch cache's pods, persistent volumes, volume attachments and resource slices: a pod bound
 * to a node relates the node to the pod and to the secrets, config maps, claims, service
 * account and resource claims it references (a mirror pod to itself only); a bound persistent
 * volume relates its claim to it and to the secrets its kubelet reads. Instead of upstream's
 * vertices and edges it keeps, per referenced object, how many pods on each node reference it.
 * The whole is rebuilt on the first question after the cache loaded a list.
 */
import type { PersistentVolume, Pod } from "kubernetes-types/core/v1.js"
import type { ApiObject } from "../../api/index.ts"
import type { CacheEvent } from "../watch-cache.ts"
import {
  podClaimNames,
  podConfigMapNames,
  podResourceClaimNames,
  podSecretNames,
  pvKubeletSecrets,
  sameExtendedResourceClaimStatus,
  sameResourceClaimStatuses,
} from "./references.ts"

/** The kinds of object the graph relates to nodes (upstream's vertex types). */
export type VertexType =
  | "configmap"
  | "pod"
  | "pvc"
  | "pv"
  | "resourceclaim"
  | "resourceslice"
  | "secret"
  | "serviceAccount"
  | "volumeattachment"

/** The objects of one resource as the watch cache keeps them, and its live events. */
export interface EventCache {
  readonly objects: ReadonlyMap<string, ApiObject>
  subscribe(fn: (ev: CacheEvent) => void): () => void
}

/** The watch cache's view of what the graph is built from. */
export interface NodeGraphCaches {
  readonly pods: EventCache
  readonly persistentVolumes: EventCache
  readonly volumeAttachments: EventCache
  readonly resourceSlices: EventCache
  /** How many lists the cache has loaded (each replaces its objects unannounced). */
  readonly lists: number
}

const MIRROR_POD = "kubernetes.io/config.mirror"

function key(type: VertexType, namespace: string, name: string): string {
  return `${type}/${namespace}/${name}`
}

interface PodEntry {
  readonly node: string
  /** The keys of what the pod references. */
  readonly refs: readonly string[]
}

interface PvEntry {
  readonly claim: string
  readonly secrets: readonly string[]
}

/** Everything the graph holds; replaced whole on a rebuild. */
class Relations {
  readonly pods = new Map<string, PodEntry>()
  /** Per referenced object, how many pods of each node reference it. */
  readonly refs = new Map<string, Map<string, number>>()
  readonly pvs = new Map<string, PvEntry>()
  /** Per secret, the persistent volumes whose kubelet reads it. */
  readonly secretPvs = new Map<string, Set<string>>()
  readonly attachments = new Map<string, string>()
  readonly slices = new Map<string, string>()

  addPod(pod: Pod): void {
    const ns = pod.metadata?.namespace ?? ""
    const podKey = `${ns}/${pod.metadata?.name ?? ""}`
    this.deletePod(podKey)
    const node = pod.spec?.nodeName ?? ""
    const refs: string[] = []
    // A node can create mirror pods: one must never grant it anything else.
    if (pod.metadata?.annotations?.[MIRROR_POD] === undefined) {
      const sa = pod.spec?.serviceAccountName
      if (sa) refs.push(key("serviceAccount", ns, sa))
      for (const n of podSecretNames(pod)) refs.push(key("secret", ns, n))
      for (const n of podConfigMapNames(pod)) refs.push(key("configmap", ns, n))
      for (const n of podClaimNames(pod)) refs.push(key("pvc", ns, n))
      for (const n of podResourceClaimNames(pod)) refs.push(key("resourceclaim", ns, n))
    }
    for (const r of refs) {
      let nodes = this.refs.get(r)
      if (!nodes) this.refs.set(r, (nodes = new Map()))
      nodes.set(node, (nodes.get(node) ?? 0) + 1)
    }
    this.pods.set(podKey, { node, refs })
  }

  deletePod(podKey: string): void {
    const entry = this.pods.get(podKey)
    if (!entry) return
    this.pods.delete(podKey)
    for (const r of entry.refs) {
      const nodes = this.refs.get(r)
      const n = nodes?.get(entry.node) ?? 0
      if (n > 1) nodes?.set(entry.node, n - 1)
      else nodes?.delete(entry.node)
      if (nodes?.size === 0) this.refs.delete(r)
    }
  }

  /** A volume without a claim relates nothing (upstream adds no vertex for it). */
  addPv(pv: PersistentVolume): void {
    const name = pv.metadata?.name ?? ""
    this.deletePv(name)
    const ref = pv.spec?.claimRef
    if (!ref) return
    const secrets = [...pvKubeletSecrets(pv)].map((s) => `secret/${s}`)
    this.pvs.set(name, { claim: key("pvc", ref.namespace ?? "", ref.name ?? ""), secrets })
    for (const s of secrets) {
      let pvs = this.secretPvs.get(s)
      if (!pvs) this.secretPvs.set(s, (pvs = new Set()))
      pvs.add(name)
    }
  }

  deletePv(name: string): void {
    const entry = this.pvs.get(name)
    if (!entry) return
    this.pvs.delete(name)
    for (const s of entry.secrets) {
      const pvs = this.secretPvs.get(s)
      pvs?.delete(name)
      if (pvs?.size === 0) this.secretPvs.delete(s)
    }
  }

  #referencedOn(k: string, node: string): boolean {
    return (this.refs.get(k)?.get(node) ?? 0) > 0
  }

  #pvOn(name: string, node: string): boolean {
    const pv = this.pvs.get(name)
    return !!pv && this.#referencedOn(pv.claim, node)
  }

  /** Whether `node` reaches the object (upstream's hasPathFrom). */
  hasPath(node: string, type: VertexType, namespace: string, name: string): boolean {
    switch (type) {
      case "pod":
        return this.pods.get(`${namespace}/${name}`)?.node === node
      case "pv":
        return this.#pvOn(name, node)
      case "volumeattachment":
        return this.attachments.get(name) === node
      case "resourceslice":
        return this.slices.get(name) === node
      case "secret": {
        const k = key(type, namespace, name)
        if (this.#referencedOn(k, node)) return true
        for (const pv of this.secretPvs.get(k) ?? []) if (this.#pvOn(pv, node)) return true
        return false
      }
      default:
        return this.#referencedOn(key(type, namespace, name), node)
    }
  }
}

function nameOf(obj: ApiObject): string {
  return obj.metadata?.name ?? ""
}

function nodeNameOf(obj: ApiObject): string {
  return ((obj as { spec?: { nodeName?: string } }).spec?.nodeName ?? "") as string
}

/** Whether a pod's change can change what it relates (upstream's graph populator's updatePod). */
function podChanged(pod: Pod, prev: Pod | undefined): boolean {
  if (!prev) return true
  // A bound pod's references are immutable, but for the claims its status resolves and the
  // ephemeral containers added to it (whose environment may name secrets and config maps).
  return (
    pod.spec?.nodeName !== prev.spec?.nodeName ||
    pod.metadata?.uid !== prev.metadata?.uid ||
    (pod.spec?.ephemeralContainers?.length ?? 0) > (prev.spec?.ephemeralContainers?.length ?? 0) ||
    !sameResourceClaimStatuses(pod, prev) ||
    !sameExtendedResourceClaimStatus(pod, prev)
  )
}

/** The Node authorizer's graph over the watch cache. */
export class NodeGraph {
  readonly #c: NodeGraphCaches
  #r: Relations
  /** The lists the cache had loaded when the relations were built; see PolicyIndex. */
  #lists: number

  constructor(caches: NodeGraphCaches) {
    this.#c = caches
    this.#lists = caches.lists
    this.#r = this.#rebuild()
    caches.pods.subscribe((ev) => this.#onPod(ev))
    caches.persistentVolumes.subscribe((ev) => {
      if (ev.type === "DELETED") this.#r.deletePv(nameOf(ev.object))
      else this.#r.addPv(ev.object as PersistentVolume)
    })
    caches.volumeAttachments.subscribe((ev) => setNode(this.#r.attachments, ev))
    caches.resourceSlices.subscribe((ev) => setNode(this.#r.slices, ev))
  }

  #onPod(ev: CacheEvent): void {
    const pod = ev.object as Pod
    const podKey = `${pod.metadata?.namespace ?? ""}/${pod.metadata?.name ?? ""}`
    if (ev.type === "DELETED") {
      this.#r.deletePod(podKey)
      return
    }
    if (!pod.spec?.nodeName) return // not bound: relates nothing yet
    if (podChanged(pod, ev.prev as Pod | undefined)) this.#r.addPod(pod)
  }

  #current(): Relations {
    if (this.#c.lists !== this.#lists) {
      this.#lists = this.#c.lists
      this.#r = this.#rebuild()
    }
    return this.#r
  }

  #rebuild(): Relations {
    const r = new Relations()
    for (const pod of this.#c.pods.objects.values()) if (nodeNameOf(pod)) r.addPod(pod as Pod)
    for (const pv of this.#c.persistentVolumes.objects.values()) r.addPv(pv as PersistentVolume)
    for (const va of this.#c.volumeAttachments.objects.values())
      if (nodeNameOf(va)) r.attachments.set(nameOf(va), nodeNameOf(va))
    for (const s of this.#c.resourceSlices.objects.values())
      if (nodeNameOf(s)) r.slices.set(nameOf(s), nodeNameOf(s))
    return r
  }

  /** Whether there is a path from the object to `node` (upstream's hasPathFrom). */
  hasPathFrom(node: string, type: VertexType, namespace: string, name: string): boolean {
    return this.#current().hasPath(node, type, namespace, name)
  }
}

/** Keeps the node of an object that names one in spec.nodeName (attachments, slices). */
function setNode(m: Map<string, string>, ev: CacheEvent): void {
  const name = nameOf(ev.object)
  const node = ev.type === "DELETED" ? "" : nodeNameOf(ev.object)
  if (node) m.set(name, node)
  else m.delete(name)
}

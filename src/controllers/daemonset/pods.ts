/**
 * A DaemonSet's pods (upstream's daemon util): the template with daemon tolerations and the
 * revision labels, pinned to one node by a required node affinity on `metadata.name` for the
 * scheduler to honour, and how to tell which node a pod is meant for and whether it is current.
 */
import type { Affinity, PodTemplateSpec } from "kubernetes-types/core/v1.js"
import { controllerRef, DaemonSets } from "../../api/index.ts"
import { podFromTemplate, type PodObject } from "../set-pods/index.ts"
import { daemonTolerations, type DaemonSetObject } from "./placement.ts"

/** The label with the hash of the revision a daemon pod was made from. */
export const HASH_LABEL = "controller-revision-hash"
/** The deprecated label with the template generation a daemon pod was made from. */
export const TEMPLATE_GENERATION_LABEL = "pod-template-generation"
/** The annotation where the API server keeps a DaemonSet's template generation. */
export const TEMPLATE_GENERATION_ANNOTATION = "deprecated.daemonset.template.generation"

/** The set's template generation, when the API server recorded one. */
export function templateGeneration(ds: DaemonSetObject): string | undefined {
  const v = ds.metadata?.annotations?.[TEMPLATE_GENERATION_ANNOTATION]
  return v && /^[0-9]+$/.test(v) ? v : undefined
}

/** The pod template every daemon pod of the current revision is made from. */
export function daemonPodTemplate(ds: DaemonSetObject, hash: string): PodTemplateSpec {
  const template = structuredClone(ds.spec?.template ?? {}) as { metadata?: any; spec?: any }
  const spec = (template.spec ??= { containers: [] })
  spec.tolerations = daemonTolerations(ds.spec?.template?.spec)
  const labels = { ...(template.metadata?.labels ?? {}) }
  const generation = templateGeneration(ds)
  if (generation) labels[TEMPLATE_GENERATION_LABEL] = generation
  if (hash) labels[HASH_LABEL] = hash
  template.metadata = { ...(template.metadata ?? {}), labels }
  return template as PodTemplateSpec
}

/** `affinity` with its required node selector replaced by one that names `node` alone. */
export function pinToNode(affinity: Affinity | undefined, node: string): Affinity {
  const required = {
    nodeSelectorTerms: [{ matchFields: [{ key: "metadata.name", operator: "In", values: [node] }] }],
  }
  const next = structuredClone(affinity ?? {}) as { nodeAffinity?: any }
  next.nodeAffinity = {
    ...(next.nodeAffinity ?? {}),
    requiredDuringSchedulingIgnoredDuringExecution: required,
  }
  return next as Affinity
}

/** A new daemon pod for `node`, made from `template` (see daemonPodTemplate). */
export function newDaemonPod(ds: DaemonSetObject, template: PodTemplateSpec, node: string): PodObject {
  const pod = podFromTemplate(template, ds.metadata?.name ?? "", controllerRef(ds, DaemonSets))
  const spec = pod.spec as { affinity?: Affinity }
  spec.affinity = pinToNode(spec.affinity, node)
  pod.metadata = { ...pod.metadata, namespace: ds.metadata?.namespace ?? "" }
  return pod
}

/**
 * The node a daemon pod is for: its spec.nodeName once bound, else the single node its required
 * affinity names by `metadata.name`; undefined when neither says.
 */
export function targetNodeName(pod: PodObject): string | undefined {
  if (pod.spec?.nodeName) return pod.spec.nodeName
  const terms =
    pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms
  for (const term of terms ?? []) {
    for (const f of term.matchFields ?? []) {
      if (f.key === "metadata.name" && f.operator === "In" && f.values?.length === 1) return f.values[0]
    }
  }
  return undefined
}

/** True when the pod was made from the set's current template (its hash or generation). */
export function isPodUpdated(pod: PodObject, hash: string, generation: string | undefined): boolean {
  const labels = pod.metadata?.labels ?? {}
  return (
    (!!hash && labels[HASH_LABEL] === hash) ||
    (!!generation && labels[TEMPLATE_GENERATION_LABEL] === generation)
  )
}

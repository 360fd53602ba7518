/**
 * What a write to a pod's own subresources keeps of its body (upstream's
 * podEphemeralContainersStrategy and podResizeStrategy): pods/ephemeralcontainers changes
 * spec.ephemeralContainers only, pods/resize its containers' and sidecars' resources and
 * resizePolicy only; the rest of the spec, the status and the metadata (but the uid written,
 * checked against the stored one, and managedFields) stay as stored.
 */
import type { Container } from "kubernetes-types/core/v1.js"
import type { ApiObject } from "../../api/index.ts"

type Obj = ApiObject & { spec?: any; status?: any }

/** The stored object with the written metadata's uid and managedFields, its top level and spec copied. */
function keptOf(next: Obj, copyOfOld: () => Obj): Obj {
  const managedFields = next.metadata?.managedFields
  const uid = next.metadata?.uid
  // copyOfOld may give the watch cache's object itself: its top level is copied before any change.
  const kept = { ...copyOfOld() }
  kept.spec = { ...(kept.spec ?? {}) }
  kept.metadata = { ...kept.metadata }
  if (uid) kept.metadata.uid = uid
  if (managedFields) kept.metadata.managedFields = managedFields
  else delete kept.metadata.managedFields
  return kept
}

/** A write to pods/ephemeralcontainers: the stored pod with the written spec.ephemeralContainers. */
export function onlyEphemeralContainers(next: Obj, copyOfOld: () => Obj): Obj {
  const ephemeral = next.spec?.ephemeralContainers
  const kept = keptOf(next, copyOfOld)
  if (ephemeral === undefined || ephemeral === null) delete kept.spec.ephemeralContainers
  else kept.spec.ephemeralContainers = ephemeral
  return kept
}

/**
 * The stored containers with the written ones' resources and resizePolicy, matched by position;
 * undefined when the written list adds, removes, renames or reorders containers (validation
 * then refuses the write, as upstream's dropNonResizeUpdates leaves such a list to it).
 */
function resizedContainers(written: unknown, stored: unknown): Container[] | undefined {
  const next = Array.isArray(written) ? (written as Container[]) : []
  const old = Array.isArray(stored) ? (stored as Container[]) : []
  if (next.length !== old.length) return undefined
  if (next.some((c, i) => c?.name !== old[i]?.name)) return undefined
  return old.map((c, i) => {
    const { resources, resizePolicy } = next[i] as Container
    const out: Container = { ...c }
    if (resources === undefined || resources === null) delete out.resources
    else out.resources = resources
    if (resizePolicy === undefined || resizePolicy === null) delete out.resizePolicy
    else out.resizePolicy = resizePolicy
    return out
  })
}

/** A write to pods/resize: the stored pod with the written containers' resources and resizePolicy. */
export function onlyResize(next: Obj, copyOfOld: () => Obj): Obj {
  const kept = keptOf(next, copyOfOld)
  for (const list of ["containers", "initContainers"] as const) {
    const written = next.spec?.[list]
    const stored = kept.spec[list]
    if (written === undefined && stored === undefined) continue
    // A list that does not line up is kept as written: validation says what is wrong with it.
    const resized = resizedContainers(written, stored) ?? written
    if (resized === undefined || resized === null) delete kept.spec[list]
    else kept.spec[list] = resized
  }
  return kept
}

/**
 * The conditions the namespace controller keeps on a terminating namespace, with upstream's
 * types, reasons and messages: each is True with the failure, or False with its "ok" text.
 */
import type { NamespaceCondition } from "kubernetes-types/core/v1.js"

/** The condition types the namespace controller maintains. */
export type NamespaceConditionType =
  | "NamespaceDeletionDiscoveryFailure"
  | "NamespaceDeletionGroupVersionParsingFailure"
  | "NamespaceDeletionContentFailure"
  | "NamespaceContentRemaining"
  | "NamespaceFinalizersRemaining"

const TYPES: readonly NamespaceConditionType[] = [
  "NamespaceDeletionDiscoveryFailure",
  "NamespaceDeletionGroupVersionParsingFailure",
  "NamespaceDeletionContentFailure",
  "NamespaceContentRemaining",
  "NamespaceFinalizersRemaining",
]

const OK: Readonly<Record<NamespaceConditionType, { reason: string; message: string }>> = {
  NamespaceDeletionDiscoveryFailure: {
    reason: "ResourcesDiscovered",
    message: "All resources successfully discovered",
  },
  NamespaceDeletionGroupVersionParsingFailure: {
    reason: "ParsedGroupVersions",
    message: "All legacy kube types successfully parsed",
  },
  NamespaceDeletionContentFailure: {
    reason: "ContentDeleted",
    message: "All content successfully deleted, may be waiting on finalization",
  },
  NamespaceContentRemaining: { reason: "ContentRemoved", message: "All content successfully removed" },
  NamespaceFinalizersRemaining: {
    reason: "ContentHasNoFinalizers",
    message: "All content-preserving finalizers finished",
  },
}

/** What one pass over a namespace's content found. */
export interface DeletionReport {
  /** The discovery failure message, if discovery was partial. */
  readonly discoveryError?: string
  /** One message per resource whose content could not be deleted. */
  readonly contentErrors: readonly string[]
  /** `<resource>.<group>` → instances left. */
  readonly remaining: ReadonlyMap<string, number>
  /** finalizer → instances waiting on it. */
  readonly finalizers: ReadonlyMap<string, number>
}

type Failure = { readonly reason: string; readonly message: string }

function listed(m: ReadonlyMap<string, number>, fmt: (k: string, n: number) => string): string {
  return [...m]
    .filter(([, n]) => n > 0)
    .map(([k, n]) => fmt(k, n))
    .sort()
    .join(", ")
}

function failures(r: DeletionReport): Partial<Record<NamespaceConditionType, Failure>> {
  const out: Partial<Record<NamespaceConditionType, Failure>> = {}
  if (r.discoveryError) {
    out.NamespaceDeletionDiscoveryFailure = { reason: "DiscoveryFailed", message: r.discoveryError }
  }
  if (r.contentErrors.length) {
    const msgs = [...r.contentErrors].sort()
    out.NamespaceDeletionContentFailure = {
      reason: "ContentDeletionFailed",
      message: `Failed to delete all resource types, ${msgs.length} remaining: ${msgs.join(", ")}`,
    }
  }
  if (r.remaining.size) {
    out.NamespaceContentRemaining = {
      reason: "SomeResourcesRemain",
      message: `Some resources are remaining: ${listed(r.remaining, (k, n) => `${k} has ${n} resource instances`)}`,
    }
  }
  if (r.finalizers.size) {
    out.NamespaceFinalizersRemaining = {
      reason: "SomeFinalizersRemain",
      message: `Some content in the namespace has finalizers remaining: ${listed(r.finalizers, (k, n) => `${k} in ${n} resource instances`)}`,
    }
  }
  return out
}

/** The conditions after `report`, or undefined when nothing changed. */
export function updatedConditions(
  current: readonly NamespaceCondition[] | undefined,
  report: DeletionReport,
  now: string,
): NamespaceCondition[] | undefined {
  const next = (current ?? []).map((c) => ({ ...c }))
  const failed = failures(report)
  let changed = false
  for (const type of TYPES) {
    const f = failed[type]
    const want = { status: f ? "True" : "False", ...(f ?? OK[type]) }
    const old = next.find((c) => c.type === type)
    if (!old) {
      next.push({ type, ...want, lastTransitionTime: now })
      changed = true
    } else if (old.status !== want.status || old.reason !== want.reason || old.message !== want.message) {
      if (old.status !== want.status) old.lastTransitionTime = now
      Object.assign(old, want)
      changed = true
    }
  }
  return changed ? next : undefined
}

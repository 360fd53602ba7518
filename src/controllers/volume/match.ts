/**
 * Which Available volume a claim gets (upstream's findMatchingVolume): a volume pre-bound to the
 * claim wins; otherwise the smallest volume with every requested access mode, enough capacity,
 * the same class and volume mode, labels the claim's selector matches, and (on the scheduler's
 * path) node affinity that admits the node.
 */
import type { Node } from "kubernetes-types/core/v1.js"
import { compareQuantity, parseQuantity, type Quantity, selectorMatcher } from "../../api/index.ts"
import { classOf, isVolumeBoundToClaim, type Pv, type Pvc, volumeFitsNode } from "./helpers.ts"

/** Options of findBestMatch. */
export interface MatchOptions {
  /** The claim's class is WaitForFirstConsumer: only pre-bound volumes, unless `node` is given. */
  readonly delayBinding?: boolean
  /** The node the claim's pod goes to (the scheduler's path). */
  readonly node?: Node | undefined
}

function storageOf(q: unknown): Quantity | undefined {
  return q === undefined ? undefined : parseQuantity(q)
}

/** Why `pv` cannot serve `claim` as asked (size, class, volume mode), or "" when it can. */
export function volumeMismatch(pv: Pv, claim: Pvc): string {
  const want = storageOf(claim.spec?.resources?.requests?.storage)
  const have = storageOf(pv.spec?.capacity?.storage)
  if (want && (!have || compareQuantity(have, want) < 0)) {
    return "requested PV is too small"
  }
  if (classOf(pv) !== classOf(claim)) return "storageClassName does not match"
  if ((pv.spec?.volumeMode ?? "Filesystem") !== (claim.spec?.volumeMode ?? "Filesystem")) {
    return "incompatible volumeMode"
  }
  return ""
}

/** True when the volume offers every access mode the claim asks for. */
export function hasAccessModes(pv: Pv, claim: Pvc): boolean {
  const have = new Set(pv.spec?.accessModes ?? [])
  return (claim.spec?.accessModes ?? []).every((m) => have.has(m))
}

function isCandidate(pv: Pv, claim: Pvc, node: Node | undefined): boolean {
  if (pv.status?.phase !== "Available" || pv.spec?.claimRef) return false
  const sel = claim.spec?.selector
  if (sel && !selectorMatcher(sel)(pv.metadata?.labels ?? {})) return false
  if (node && !volumeFitsNode(pv, node)) return false
  return hasAccessModes(pv, claim) && volumeMismatch(pv, claim) === ""
}

/** The volume `claim` should bind to, or undefined. */
export function findBestMatch(claim: Pvc, volumes: readonly Pv[], opts: MatchOptions = {}): Pv | undefined {
  let best: Pv | undefined
  let bestQty: Quantity | undefined
  for (const pv of volumes) {
    if (pv.metadata?.deletionTimestamp) continue
    if (isVolumeBoundToClaim(pv, claim)) {
      // Pre-bound to this claim: it is the answer, if it fits the node and the request.
      const ok = (!opts.node || volumeFitsNode(pv, opts.node)) && volumeMismatch(pv, claim) === ""
      return ok ? pv : undefined
    }
    // The scheduler binds unbound volumes of delayed claims, knowing the node.
    if (opts.delayBinding && !opts.node) continue
    if (!isCandidate(pv, claim, opts.node)) continue
    const qty = storageOf(pv.spec?.capacity?.storage)
    if (!qty) continue
    if (!bestQty || compareQuantity(qty, bestQty) < 0) {
      best = pv
      bestQty = qty
    }
  }
  return best
}

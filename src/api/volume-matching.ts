/**
 * Which Available volume a claim gets (upstream's findMatchingVolume): a volume pre-bound to the
 * claim wins; otherwise the smallest volume with every requested access mode, enough capacity,
 * the same class and volume mode, labels the claim's selector matches, and (on the scheduler's
 * path) node affinity that admits the node.
 */
import type {
  Node,
  ObjectReference,
  PersistentVolume,
  PersistentVolumeClaim,
} from "kubernetes-types/core/v1.js"
import { selectorMatcher } from "./labels.ts"
import { compareQuantity, parseQuantity, type Quantity } from "./quantity.ts"
import { nodeSelectorTermsMatch } from "./scheduling.ts"

type Pv = PersistentVolume
type Pvc = PersistentVolumeClaim

/** The deprecated class annotation, which wins over spec.storageClassName. */
const ANN_BETA_STORAGE_CLASS = "volume.beta.kubernetes.io/storage-class"

/** The claim's or volume's class: the beta annotation, else spec.storageClassName, else "". */
export function classOf(obj: Pv | Pvc): string {
  const beta = obj.metadata?.annotations?.[ANN_BETA_STORAGE_CLASS]
  return beta ?? obj.spec?.storageClassName ?? ""
}

/** True when the volume's claimRef names `claim` (by name, and by UID once it has one). */
export function isVolumeBoundToClaim(pv: Pv, claim: Pvc): boolean {
  const ref = pv.spec?.claimRef
  if (!ref || ref.name !== claim.metadata?.name || ref.namespace !== claim.metadata?.namespace) return false
  return !ref.uid || ref.uid === claim.metadata?.uid
}

/** The claimRef that binds a volume to `claim` (with its uid and resourceVersion once it has them). */
export function claimRefOf(claim: Pvc): ObjectReference {
  const m = claim.metadata ?? {}
  return {
    kind: "PersistentVolumeClaim",
    apiVersion: "v1",
    namespace: m.namespace ?? "",
    name: m.name ?? "",
    ...(m.uid ? { uid: m.uid } : {}),
    ...(m.resourceVersion ? { resourceVersion: m.resourceVersion } : {}),
  }
}

/** True when the volume's required node affinity (if any) admits `node`. */
export function volumeFitsNode(pv: Pv, node: Node): boolean {
  const terms = pv.spec?.nodeAffinity?.required?.nodeSelectorTerms
  return !terms || nodeSelectorTermsMatch(terms, node)
}

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
export function findBestMatch<V extends Pv>(
  claim: Pvc,
  volumes: readonly V[],
  opts: MatchOptions = {},
): V | undefined {
  let best: V | undefined
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

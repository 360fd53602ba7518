/**
 * The CertificateSigningRequest strategies (upstream's csrStrategy, csrStatusStrategy and
 * csrApprovalStrategy), called by the generic strategy after its own steps: create fills the
 * requesting user into spec; the main resource may change only metadata; status may change the
 * certificate and conditions other than Approved and Denied; approval only the conditions.
 * Condition timestamps the client left empty are filled.
 */
import type {
  CertificateSigningRequest,
  CertificateSigningRequestCondition,
} from "kubernetes-types/certificates/v1.js"
import type { UserInfo } from "../http.ts"

type Csr = CertificateSigningRequest
type Condition = CertificateSigningRequestCondition

/** Replaces the user fields of spec with the requesting user's (nothing a client sent survives). */
function fillRequestor(csr: Csr, user: UserInfo | undefined): void {
  const spec = (csr.spec ??= {} as Csr["spec"])
  delete spec.username
  delete spec.uid
  delete spec.groups
  delete spec.extra
  if (!user) return
  spec.username = user.name
  if (user.uid) spec.uid = user.uid
  if (user.groups.length) spec.groups = [...user.groups]
  if (user.extra && Object.keys(user.extra).length) {
    spec.extra = Object.fromEntries(Object.entries(user.extra).map(([k, v]) => [k, [...v]]))
  }
}

/** Sets lastUpdateTime and lastTransitionTime where missing (keeping an unchanged condition's transition). */
function populateConditionTimestamps(csr: Csr, old: Csr, now: string): void {
  for (const c of csr.status?.conditions ?? []) {
    c.lastUpdateTime ||= now
    if (c.lastTransitionTime) continue
    const same = (old.status?.conditions ?? []).find(
      (o) => o.type === c.type && o.status === c.status && o.lastTransitionTime,
    )
    c.lastTransitionTime = same?.lastTransitionTime ?? now
  }
}

/** Puts the old instances of `type` back where the new conditions have them, when their count is unchanged. */
function preserveConditionInstances(csr: Csr, old: Csr, type: string): void {
  const conditions = csr.status?.conditions ?? []
  const at = (list: readonly Condition[]) => list.flatMap((c, i) => (c.type === type ? [i] : []))
  const olds = old.status?.conditions ?? []
  const [was, now] = [at(olds), at(conditions)]
  if (was.length !== now.length) return // added or removed: validation refuses it
  now.forEach((ni, k) => (conditions[ni] = structuredClone(olds[was[k] as number] as Condition)))
}

function prepareStatusUpdate(csr: Csr, old: Csr, now: string): void {
  csr.spec = old.spec
  preserveConditionInstances(csr, old, "Approved")
  preserveConditionInstances(csr, old, "Denied")
  populateConditionTimestamps(csr, old, now)
}

function prepareApprovalUpdate(csr: Csr, old: Csr, now: string): void {
  populateConditionTimestamps(csr, old, now)
  const conditions = csr.status?.conditions
  csr.spec = old.spec
  csr.status = { ...(old.status ?? {}) }
  if (conditions) csr.status.conditions = conditions
  else delete csr.status.conditions
  // Like a status write: the rest of the object is the stored one.
  csr.metadata = { ...old.metadata, resourceVersion: csr.metadata?.resourceVersion }
}

/** Prepares a new request of `user`: an empty status (no pre-approved requests), its requestor. */
export function prepareCsrForCreate(csr: Csr, user: UserInfo | undefined): void {
  csr.status = {}
  fillRequestor(csr, user)
}

/**
 * Prepares an update of `old` to `csr` through `subresource` ("" for the main resource), `now`
 * the time of the write. Mutates `csr`.
 */
export function prepareCsrForUpdate(csr: Csr, old: Csr, subresource: string, now: () => string): void {
  if (subresource === "") {
    csr.spec = old.spec
    if (old.status === undefined) delete csr.status
    else csr.status = old.status
  } else if (subresource === "status") prepareStatusUpdate(csr, old, now())
  else if (subresource === "approval") prepareApprovalUpdate(csr, old, now())
}

/**
 * The CertificateSigningRequest strategies (upstream's csrStrategy, csrStatusStrategy and
 * csrApprovalStrategy), run as a mutating admission step so the generic registry stays generic:
 * create fills the requesting user into spec; the main resource may change only metadata; status
 * may change the certificate and conditions other than Approved and Denied; approval only the
 * conditions. Condition timestamps the client left empty are filled.
 */
import type {
  CertificateSigningRequest,
  CertificateSigningRequestCondition,
} from "kubernetes-types/certificates/v1.js"
import type { Clock } from "../../util/index.ts"
import type { AdmissionPlugin } from "../admission.ts"
import type { UserInfo } from "../http.ts"
import { timestamp } from "./context.ts"

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

/** The CertificateSigningRequest strategies, as an admission plugin that only mutates. */
export function certificateSigningRequestStrategy(clock: Clock): AdmissionPlugin {
  return {
    name: "CertificateSigningRequestStrategy",
    mutate(req) {
      if (req.info.group !== "certificates.k8s.io" || req.info.kind !== "CertificateSigningRequest") return
      const csr = req.object as Csr | undefined
      if (!csr) return
      const old = req.old as Csr | undefined
      if (req.operation === "CREATE") {
        csr.status = {} // users cannot create pre-approved requests
        return fillRequestor(csr, req.user)
      }
      if (req.operation !== "UPDATE" || !old) return
      const now = timestamp(clock.now())
      if (req.subresource === "") {
        csr.spec = old.spec
        if (old.status === undefined) delete csr.status
        else csr.status = old.status
      } else if (req.subresource === "status") prepareStatusUpdate(csr, old, now)
      else if (req.subresource === "approval") prepareApprovalUpdate(csr, old, now)
    },
  }
}

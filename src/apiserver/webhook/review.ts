/**
 * The AdmissionReview a webhook is sent (admission.k8s.io/v1, or v1beta1 when that is the first
 * version it lists that k8ts speaks) and the checks of the one it answers with, as upstream's
 * webhook/request package builds and verifies them.
 */
import type { ApiObject, Status } from "../../api/index.ts"
import type { UserInfo } from "../http.ts"
import type { Attributes, GroupVersionKind, GroupVersionResource, Invocation } from "./match.ts"

/** The AdmissionReview versions k8ts sends, by preference of the webhook's list. */
export const REVIEW_VERSIONS = ["v1", "v1beta1"] as const
export type ReviewVersion = (typeof REVIEW_VERSIONS)[number]

/** What a review is made of besides the attributes and the invocation. */
export interface ReviewInput {
  readonly uid: string
  readonly user?: UserInfo | undefined
  readonly dryRun: boolean
  readonly options?: Readonly<Record<string, unknown>> | undefined
  /** The object and old object as served at the invocation's version. */
  readonly object?: ApiObject | undefined
  readonly old?: ApiObject | undefined
}

/** The request half of an AdmissionReview, keys in upstream's order. */
export interface AdmissionReviewRequest {
  uid: string
  kind: GroupVersionKind
  resource: GroupVersionResource
  subResource?: string
  requestKind: GroupVersionKind
  requestResource: GroupVersionResource
  requestSubResource?: string
  name?: string
  namespace?: string
  operation: string
  userInfo: { username?: string; uid?: string; groups?: readonly string[]; extra?: object }
  object: ApiObject | null
  oldObject: ApiObject | null
  dryRun: boolean
  options: Readonly<Record<string, unknown>> | null
}

/** The first of a webhook's admissionReviewVersions k8ts speaks, if any. */
export function reviewVersionOf(versions: readonly string[] | undefined): ReviewVersion | undefined {
  return (versions ?? []).find((v): v is ReviewVersion => (REVIEW_VERSIONS as readonly string[]).includes(v))
}

function userInfoOf(user: UserInfo | undefined): AdmissionReviewRequest["userInfo"] {
  if (!user) return {}
  const extra = user.extra && Object.keys(user.extra).length ? { extra: user.extra } : {}
  return {
    ...(user.name ? { username: user.name } : {}),
    ...(user.uid ? { uid: user.uid } : {}),
    ...(user.groups.length ? { groups: user.groups } : {}),
    ...extra,
  }
}

/** The AdmissionReview sent for `a` to the webhook `inv` names (or a policy), at `version`. */
export function admissionReview(
  version: ReviewVersion,
  a: Attributes,
  inv: Pick<Invocation, "kind" | "resource" | "subresource">,
  input: ReviewInput,
): { apiVersion: string; kind: "AdmissionReview"; request: AdmissionReviewRequest } {
  const request: AdmissionReviewRequest = {
    uid: input.uid,
    kind: inv.kind,
    resource: inv.resource,
    ...(inv.subresource ? { subResource: inv.subresource } : {}),
    requestKind: a.kind,
    requestResource: a.resource,
    ...(a.subresource ? { requestSubResource: a.subresource } : {}),
    ...(a.name ? { name: a.name } : {}),
    ...(a.namespace ? { namespace: a.namespace } : {}),
    operation: a.operation,
    userInfo: userInfoOf(input.user),
    object: input.object ?? null,
    oldObject: input.old ?? null,
    dryRun: input.dryRun,
    options: input.options ?? null,
  }
  return { kind: "AdmissionReview", apiVersion: `admission.k8s.io/${version}`, request }
}

/** What a webhook answered, checked (upstream's AdmissionResponse). */
export interface AdmissionResult {
  readonly allowed: boolean
  /** The JSON patch, decoded from base64 (a mutating webhook's only). */
  readonly patch?: Buffer
  readonly patchType?: string
  readonly status?: Partial<Status> & Record<string, unknown>
  readonly warnings: readonly string[]
}

type Json = Record<string, unknown>

function isObject(v: unknown): v is Json {
  return typeof v === "object" && v !== null && !Array.isArray(v)
}

function strings(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((w): w is string => typeof w === "string") : []
}

function patchBytes(v: unknown): Buffer | undefined {
  if (typeof v !== "string" || v === "") return undefined
  return Buffer.from(v, "base64")
}

/** A v1 answer's uid and version must be the review's. */
function checkV1Identity(review: Json, res: Json, uid: string): void {
  if (res.uid !== uid) throw new Error(`expected response.uid=${goQuoted(uid)}, got ${goQuoted(res.uid)}`)
  const gv = typeof review.apiVersion === "string" ? review.apiVersion : ""
  const slash = gv.lastIndexOf("/")
  const group = slash < 0 ? "" : gv.slice(0, slash)
  const version = slash < 0 ? gv : gv.slice(slash + 1)
  const got = `${group}/${version}, Kind=${typeof review.kind === "string" ? review.kind : ""}`
  if (got !== "admission.k8s.io/v1, Kind=AdmissionReview")
    throw new Error(`expected webhook response of admission.k8s.io/v1, Kind=AdmissionReview, got ${got}`)
}

/** A v1 answer's patch and patch type: both or neither, and only from a mutating webhook. */
function checkV1Patch(res: Json, patch: Buffer | undefined, mutating: boolean): string | undefined {
  const hasType = res.patchType !== undefined && res.patchType !== null
  if (!mutating) {
    if (patch?.length) throw new Error("validating webhook may not return response.patch")
    if (hasType) throw new Error("validating webhook may not return response.patchType")
    return undefined
  }
  if (patch?.length && !hasType) throw new Error("webhook returned response.patch but not response.patchType")
  if (!patch?.length && hasType) throw new Error("webhook returned response.patchType but not response.patch")
  if (!hasType) return undefined
  const patchType = String(res.patchType)
  if (patchType === "") throw new Error(`webhook returned invalid response.patchType of ""`)
  return patchType
}

/**
 * Checks the review a webhook answered with. @throws Error with upstream's words when the answer
 * is not one (no response, another uid or version, a patch without its type, a validating
 * webhook's patch)
 */
export function verifyAdmissionResponse(
  version: ReviewVersion,
  uid: string,
  mutating: boolean,
  review: unknown,
): AdmissionResult {
  const r = isObject(review) ? review : {}
  const res = r.response
  if (!isObject(res)) throw new Error("webhook response was absent")
  const status = isObject(res.status) ? (res.status as AdmissionResult["status"]) : undefined
  const base = {
    allowed: res.allowed === true,
    warnings: strings(res.warnings),
    ...(status ? { status } : {}),
  }
  const patch = patchBytes(res.patch)
  if (version === "v1beta1") {
    // v1beta1 answers were never checked for uid, version or patch type: a patch is a JSON patch.
    return mutating && patch?.length ? { ...base, patch, patchType: "JSONPatch" } : base
  }
  checkV1Identity(r, res, uid)
  const patchType = checkV1Patch(res, patch, mutating)
  return patchType ? { ...base, patch: patch as Buffer, patchType } : base
}

function goQuoted(v: unknown): string {
  return JSON.stringify(typeof v === "string" ? v : "")
}

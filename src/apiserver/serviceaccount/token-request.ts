/**
 * POST serviceaccounts/<name>/token (authentication.k8s.io/v1 TokenRequest): a token for the
 * service account, optionally bound to a Pod, Secret or Node, as upstream's TokenREST.
 */
import type { BoundObjectReference, TokenRequest } from "kubernetes-types/authentication/v1.js"
import {
  type ApiObject,
  type FieldError,
  badRequest,
  conflict,
  fieldErrors,
  invalid,
  notFound,
} from "../../api/index.ts"
import type { ApiResponse } from "../http.ts"
import { dryRunOf } from "../dry-run.ts"
import { decodeBody } from "../negotiate.ts"
import { json } from "../output.ts"
import { timestamp } from "../registry/context.ts"
import type { ResourceRequest } from "../handlers/context.ts"
import { notesOf, writeOrigin } from "../handlers/admission-origin.ts"
import type { AdmissionRequest } from "../registry/context.ts"
import {
  type ClaimRef,
  type ClaimsInput,
  EXPIRATION_EXTENSION_SECONDS,
  WARN_ONLY_BOUND_TOKEN_EXPIRATION_SECONDS,
  claimsOf,
  signClaims,
} from "./claims.ts"
import { type ObjectLookup, type ServiceAccountTokenOptions, apiAudiences } from "./config.ts"

const GROUP = "authentication.k8s.io"
const MIN_SECONDS = 10 * 60
const MAX_SECONDS = 2 ** 32

type Obj = ApiObject & { spec?: any }

/** upstream's ValidateTokenRequest. */
export function validateTokenRequest(tr: TokenRequest): FieldError[] {
  const errs: FieldError[] = []
  const seconds = tr.spec.expirationSeconds ?? 0
  if (seconds < MIN_SECONDS)
    errs.push(
      fieldErrors.invalidValue(
        "spec.expirationSeconds",
        seconds,
        "may not specify a duration less than 10 minutes",
      ),
    )
  if (seconds > MAX_SECONDS)
    errs.push(
      fieldErrors.invalidValue(
        "spec.expirationSeconds",
        seconds,
        "may not specify a duration larger than 2^32 seconds",
      ),
    )
  return errs
}

function parseRequest(r: ResourceRequest, raw: unknown): TokenRequest {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw))
    throw badRequest("the body of the request is not a TokenRequest")
  const tr = raw as TokenRequest
  const spec = { ...(tr.spec ?? {}) }
  // authentication/v1 defaulting.
  if (spec.expirationSeconds === undefined || spec.expirationSeconds === null) spec.expirationSeconds = 3600
  const meta = tr.metadata ?? {}
  const name = r.ri.name
  const check = (field: string, have: string | undefined, want: string, what: string) => {
    if (have && have !== want)
      throw invalid(
        "TokenRequest",
        name,
        [fieldErrors.invalidValue(field, have, `must match the service account ${what} if specified`)],
        GROUP,
      )
  }
  check("metadata.name", meta.name, name, "name")
  check("metadata.namespace", meta.namespace, r.namespace, "namespace")
  return { ...tr, metadata: meta, spec: { ...spec, audiences: spec.audiences ?? [] } }
}

async function must(
  lookup: ObjectLookup,
  resource: "pods" | "secrets" | "nodes",
  ns: string,
  name: string,
): Promise<Obj> {
  const obj = await lookup(resource, ns, name)
  if (!obj) throw notFound({ group: "", resource }, name)
  return obj
}

/** What a bound object reference resolves to. */
interface Bound {
  readonly pod?: ClaimRef
  readonly secret?: ClaimRef
  readonly node?: ClaimRef
  readonly uid: string
}

async function boundPod(
  lookup: ObjectLookup,
  ns: string,
  saName: string,
  ref: BoundObjectReference,
): Promise<Bound> {
  const pod = await must(lookup, "pods", ns, ref.name ?? "")
  const podSa = (pod.spec?.serviceAccountName as string | undefined) ?? ""
  if (saName !== podSa) {
    throw badRequest(
      `cannot bind token for serviceaccount "${saName}" to pod running with different serviceaccount name.`,
    )
  }
  const uid = pod.metadata?.uid ?? ""
  const nodeName = (pod.spec?.nodeName as string | undefined) ?? ""
  let node: ClaimRef | undefined
  if (nodeName) {
    // A missing node still leaves its name in the claims.
    const n = await lookup("nodes", "", nodeName)
    node = { name: nodeName, ...(n?.metadata?.uid ? { uid: n.metadata.uid } : {}) }
  }
  return { pod: { name: pod.metadata?.name ?? "", uid }, uid, ...(node ? { node } : {}) }
}

function refOf(obj: Obj): ClaimRef & { uid: string } {
  return { name: obj.metadata?.name ?? "", uid: obj.metadata?.uid ?? "" }
}

/** How each bindable kind (core/v1) resolves. */
const BINDERS: Record<
  string,
  (lookup: ObjectLookup, ns: string, sa: string, ref: BoundObjectReference) => Promise<Bound>
> = {
  Pod: boundPod,
  async Secret(lookup, ns, _sa, ref) {
    const secret = refOf(await must(lookup, "secrets", ns, ref.name ?? ""))
    return { secret, uid: secret.uid }
  },
  async Node(lookup, _ns, _sa, ref) {
    const node = refOf(await must(lookup, "nodes", "", ref.name ?? ""))
    return { node, uid: node.uid }
  },
}

async function resolveBound(
  lookup: ObjectLookup,
  ns: string,
  saName: string,
  ref: BoundObjectReference,
): Promise<Bound> {
  const apiVersion = ref.apiVersion ?? ""
  const group = apiVersion.includes("/") ? (apiVersion.split("/")[0] ?? "") : ""
  const kind = ref.kind ?? ""
  const binder = group === "" ? BINDERS[kind] : undefined
  if (!binder) {
    const version = apiVersion.split("/").pop() ?? ""
    throw badRequest(`cannot bind token to object of type ${group}/${version}, Kind=${kind}`)
  }
  const bound = await binder(lookup, ns, saName, ref)
  if (ref.uid && ref.uid !== bound.uid) {
    throw conflict(
      { group, resource: kind },
      ref.name ?? "",
      `the UID in the bound object reference (${ref.uid}) does not match the UID in record. The object might have been deleted and then recreated`,
    )
  }
  return bound
}

/**
 * What the token says. Pod-bound tokens asked for 3607 s for the API's audiences live a year but
 * are logged as stale after 3607 s (upstream's --service-account-extend-token-expiration).
 */
function claimsInput(
  serviceAccount: ClaimsInput["serviceAccount"],
  audiences: readonly string[],
  seconds: number,
  apiAuds: readonly string[],
  bound: Bound | undefined,
): ClaimsInput {
  const extend =
    !!bound?.pod &&
    seconds === WARN_ONLY_BOUND_TOKEN_EXPIRATION_SECONDS &&
    audiences.every((a) => apiAuds.includes(a))
  return {
    serviceAccount,
    ...(bound?.pod ? { pod: bound.pod } : {}),
    ...(bound?.secret ? { secret: bound.secret } : {}),
    ...(bound?.node ? { node: bound.node } : {}),
    audiences,
    expirationSeconds: extend ? Math.max(seconds, EXPIRATION_EXTENSION_SECONDS) : seconds,
    warnAfterSeconds: extend ? seconds : 0,
  }
}

/** Handles POST serviceaccounts/<name>/token. */
export async function createToken(
  r: ResourceRequest,
  opts: ServiceAccountTokenOptions,
  lookup: ObjectLookup,
): Promise<ApiResponse> {
  // Upstream's create handler validates the create options before it decodes the body.
  const dryRun = dryRunOf(r.req.query.getAll("dryRun"), r.req.method)
  const tr = parseRequest(r, decodeBody(r.req.header("content-type"), await r.req.body()))
  const name = r.ri.name
  // Upstream's create handler admits (mutating) before TokenREST looks anything up.
  const admission = r.parts.registry.deps.admission
  const admit: AdmissionRequest = {
    operation: "CREATE",
    info: r.served.info,
    namespace: r.namespace,
    name,
    subresource: "token",
    object: tr as unknown as ApiObject,
    user: r.req.user,
    dryRun,
    origin: writeOrigin(r.req),
    notes: notesOf(r.req),
  }
  await admission.mutate(admit)
  const sa = await lookup("serviceaccounts", r.namespace, name)
  if (!sa) throw notFound({ group: "", resource: "serviceaccounts" }, name)
  const auds = apiAudiences(opts)
  const spec = { ...tr.spec, audiences: tr.spec.audiences?.length ? tr.spec.audiences : [...auds] }
  const nowMs = r.parts.clock.now()
  const req: TokenRequest = {
    ...tr,
    metadata: {
      ...tr.metadata,
      name: tr.metadata?.name || name,
      namespace: tr.metadata?.namespace || r.namespace,
      creationTimestamp: timestamp(nowMs),
    },
    spec,
  }
  const errs = validateTokenRequest(req)
  if (errs.length) throw invalid("TokenRequest", "", errs, GROUP)
  await admission.validate({ ...admit, object: structuredClone(req) as unknown as ApiObject })
  const bound = spec.boundObjectRef
    ? await resolveBound(lookup, r.namespace, name, spec.boundObjectRef)
    : undefined
  const seconds = spec.expirationSeconds as number
  const sub = { namespace: r.namespace, name, uid: sa.metadata?.uid ?? "" }
  const claims = claimsOf(claimsInput(sub, spec.audiences, seconds, auds, bound), opts.issuer, nowMs)
  const token = await signClaims(claims, opts.key)
  return json(201, {
    kind: "TokenRequest",
    apiVersion: `${GROUP}/v1`,
    metadata: req.metadata,
    spec: { ...spec, boundObjectRef: spec.boundObjectRef ?? null },
    status: { token, expirationTimestamp: timestamp(nowMs + seconds * 1000) },
  })
}

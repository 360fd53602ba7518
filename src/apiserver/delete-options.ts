/**
 * DeleteOptions as upstream's delete handlers read them: from the body when the request has one
 * (the query's options are then not read at all), else from the query by the parameter codec
 * (a malformed gracePeriodSeconds is a 400 in strconv's words); then validated as upstream's
 * ValidateDeleteOptions, every error in one 422 on DeleteOptions.meta.k8s.io.
 */
import { badRequest, type FieldError, fieldErrors, invalid, queryBool, queryInt64 } from "../api/index.ts"
import { decodeError } from "./decode-types.ts"

/** The options a delete was given, before validation. */
export interface GivenDeleteOptions {
  readonly gracePeriodSeconds?: number
  readonly orphanDependents?: boolean
  readonly propagationPolicy?: string
  readonly dryRun?: readonly string[]
  readonly preconditions?: { readonly uid?: string; readonly resourceVersion?: string }
}

const TYPE = "io.k8s.apimachinery.pkg.apis.meta.v1.DeleteOptions"
const POLICIES = ["Foreground", "Background", "Orphan"]

/** The options of a query (upstream's url.Values conversion, field by field). */
export function deleteOptionsFromQuery(q: URLSearchParams): GivenDeleteOptions {
  const gracePeriodSeconds = queryInt64(q, "gracePeriodSeconds")
  const dryRun = q.getAll("dryRun")
  return {
    ...(gracePeriodSeconds !== undefined ? { gracePeriodSeconds } : {}),
    ...(q.has("orphanDependents") ? { orphanDependents: queryBool(q, "orphanDependents") } : {}),
    ...(q.has("propagationPolicy") ? { propagationPolicy: q.get("propagationPolicy") as string } : {}),
    ...(dryRun.length > 0 ? { dryRun } : {}),
  }
}

/** The options of a decoded body; a value of the wrong type is the decoder's 400. */
export function deleteOptionsFromBody(body: unknown): GivenDeleteOptions {
  if (typeof body !== "object" || body === null || Array.isArray(body))
    throw badRequest("the body of the request is not DeleteOptions")
  const err = decodeError(body, TYPE)
  if (err !== undefined) throw badRequest(err)
  const b = body as Record<string, unknown>
  const given = <T>(v: unknown): T | undefined => (v === null ? undefined : (v as T | undefined))
  const out: Record<string, unknown> = {
    gracePeriodSeconds: given<number>(b.gracePeriodSeconds),
    orphanDependents: given<boolean>(b.orphanDependents),
    propagationPolicy: given<string>(b.propagationPolicy),
    dryRun: given<string[]>(b.dryRun),
    preconditions: given<GivenDeleteOptions["preconditions"]>(b.preconditions),
  }
  for (const k of Object.keys(out)) if (out[k] === undefined) delete out[k]
  return out as GivenDeleteOptions
}

/**
 * Values show as Go's json.Marshal shows them (the policy is a pointer, dryRun a list).
 * @throws ApiError Invalid `DeleteOptions.meta.k8s.io "" is invalid: ...` with every error */
export function validateDeleteOptions(o: GivenDeleteOptions): void {
  const errs: FieldError[] = []
  const policy = o.propagationPolicy
  if (o.orphanDependents !== undefined && policy !== undefined) {
    errs.push(
      fieldErrors.invalidValue(
        "propagationPolicy",
        policy,
        "orphanDependents and deletionPropagation cannot be both set",
      ),
    )
  }
  if (policy !== undefined && !POLICIES.includes(policy))
    errs.push(fieldErrors.notSupported("propagationPolicy", policy, [...POLICIES, "nil"]))
  if (o.dryRun?.some((v) => v !== "All")) errs.push(fieldErrors.notSupported("dryRun", o.dryRun, ["All"]))
  if (errs.length > 0) throw invalid("DeleteOptions", "", errs, "meta.k8s.io")
}

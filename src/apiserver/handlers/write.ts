/** CREATE, UPDATE (PUT), PATCH, DELETE and DELETECOLLECTION of a resource or its status. */
import { ApiError, type ApiObject, fieldErrors, invalid } from "../../api/index.ts"
import { managerFromUserAgent } from "../apply/index.ts"
import { APPLY_PATCH, applyPatch, checkPatchType } from "../patch.ts"
import { applyObject } from "./apply.ts"
import type { ApiResponse } from "../http.ts"
import { decodeBody, parseMediaTypes } from "../negotiate.ts"
import { decodePatchBody } from "../patch-body.ts"
import { json, successStatus } from "../output.ts"
import type { DeleteOptions } from "../registry/delete.ts"
import { returnsDeletedObject } from "../registry/strategy.ts"
import { refusesUnconditionalUpdate } from "../registry/unconditional-update.ts"
import { filterFor } from "../filter.ts"
import { listObjects } from "../list.ts"
import { outputOf, respondList, respondObject } from "./read.ts"
import { deleteOptionsFromBody, deleteOptionsFromQuery, validateDeleteOptions } from "../delete-options.ts"
import { listOptions } from "../list-options.ts"
import { dryRunOf } from "../dry-run.ts"
import type { ResourceRequest } from "./context.ts"
import { patchCheck, validatedBody, withWarnings } from "./validated-body.ts"
import { deleteOrigin, notesOf, writeOrigin } from "./admission-origin.ts"
import { createAuthorization } from "./authorize-create.ts"
import type { RequestNotes } from "../admission.ts"

/** Whether the request asks for a dry run (dryRun=All). */
export function isDryRun(r: ResourceRequest): boolean {
  return dryRunOf(r.req.query.getAll("dryRun"), r.req.method)
}

/**
 * The field manager of a write: the fieldManager parameter, else the user agent's first part.
 * @throws ApiError Invalid when the parameter is too long or not printable
 */
export function fieldManagerOf(r: ResourceRequest, options: string): string {
  const given = r.req.query.get("fieldManager") ?? ""
  if (given === "") return managerFromUserAgent(r.req.header("user-agent"))
  const errs = []
  if (given.length > 128) errs.push(fieldErrors.tooLong("fieldManager", 128))
  const bad = [...given].findIndex((ch) => !/\P{C}/u.test(ch))
  if (bad >= 0) {
    const cp = given.codePointAt(bad) as number
    const hex = cp.toString(16).toUpperCase().padStart(4, "0")
    errs.push(
      fieldErrors.invalidValue("fieldManager", given, `invalid character U+${hex} (at position ${bad})`),
    )
  }
  if (errs.length) throw invalid(options, "", errs, "meta.k8s.io")
  return given || managerFromUserAgent(r.req.header("user-agent"))
}

/** POST: create an object. */
export async function createObject(r: ResourceRequest): Promise<ApiResponse> {
  const out = outputOf(r)
  const fieldManager = fieldManagerOf(r, "CreateOptions")
  const { body, warnings } = await validatedBody(r, "CreateOptions")
  const notes = notesOf(r.req)
  const obj = await r.parts.registry.create(r.served, r.namespace, body, {
    dryRun: isDryRun(r),
    user: r.req.user,
    fieldManager,
    notes,
    origin: writeOrigin(r.req),
  })
  return withWarnings(respondObject(r, out, obj, 201), warnings, notes)
}

/** PUT: replace an object (or its status, with `subresource` "status"). */
export async function updateObject(r: ResourceRequest, subresource = ""): Promise<ApiResponse> {
  const out = outputOf(r)
  const fieldManager = fieldManagerOf(r, "UpdateOptions")
  const { body, warnings } = await validatedBody(r, "UpdateOptions")
  const notes = notesOf(r.req)
  // Each try of the update starts from the body as decoded, as upstream's copies it for each:
  // the write changes it in place (defaults, admission, the stored resourceVersion filled in).
  let next: unknown = body
  const { object, created } = await r.parts.registry.update(
    r.served,
    { namespace: r.namespace, name: r.ri.name },
    async () => {
      const decoded = next ?? (await validatedBody(r, "UpdateOptions")).body
      next = undefined
      return decoded
    },
    {
      subresource,
      versionRequired: refusesUnconditionalUpdate(r.served.info),
      dryRun: isDryRun(r),
      user: r.req.user,
      fieldManager,
      origin: writeOrigin(r.req),
      createIfMissing: subresource === "" && allowsCreateOnUpdate(r),
      authorizeCreate: createAuthorization(r),
      shallowCurrent: true,
      uidPrecondition: uidOf(body),
      notes,
    },
  )
  return withWarnings(respondObject(r, out, object, created ? 201 : 200), warnings, notes)
}

/** The uid a PUT's body names (upstream's update precondition), if any. */
export function uidOf(body: unknown): unknown {
  return (body as { metadata?: { uid?: unknown } } | null)?.metadata?.uid
}

function allowsCreateOnUpdate(r: ResourceRequest): boolean {
  const { group, kind } = r.served.info
  return (
    (group === "" && (kind === "Endpoints" || kind === "Event")) ||
    (group === "coordination.k8s.io" && kind === "Lease")
  )
}

/** PATCH: json patch, merge patch, strategic merge patch, or server-side apply. */
export async function patchObject(r: ResourceRequest, subresource = ""): Promise<ApiResponse> {
  const out = outputOf(r)
  const contentType = parseMediaTypes(r.req.header("content-type"))[0]?.type ?? ""
  const target = r.served.info
  checkPatchType(contentType, target)
  if (contentType === APPLY_PATCH) return applyObject(r, subresource)
  const fieldManager = fieldManagerOf(r, "PatchOptions")
  if (r.req.query.has("force")) {
    throw invalid(
      "PatchOptions",
      "",
      [fieldErrors.forbidden("force", "may not be specified for non-apply patch")],
      "meta.k8s.io",
    )
  }
  const raw = await r.req.body()
  const patch = decodePatchBody(contentType, raw)
  const fields = patchCheck(r, contentType, raw, patch)
  const notes = notesOf(r.req)
  const { object, created } = await r.parts.registry.update(
    r.served,
    { namespace: r.namespace, name: r.ri.name },
    (cur) => {
      if (!cur) throw new ApiError("NotFound", `${r.served.info.resource} "${r.ri.name}" not found`)
      const patched = fields.check(
        applyPatch(contentType, cur, patch, target, {
          ignoreUnknownFields: r.req.query.get("fieldValidation") === "Ignore",
        }),
        cur,
      ) as ApiObject
      // A resourceVersion the patch sets stays in the object: the update's precondition
      // (kubectl's managedFields upgrade sends one).
      return patched
    },
    {
      subresource,
      dryRun: isDryRun(r),
      user: r.req.user,
      fieldManager,
      origin: writeOrigin(r.req),
      // Every patch type copies what it changes, and a status write keeps only the patched
      // status (no defaulting or allocation fills in the values it shares with the stored object).
      shallowCurrent: subresource === "status",
      notes,
    },
  )
  return withWarnings(respondObject(r, out, object, created ? 201 : 200), fields.warnings, notes)
}

/**
 * The DeleteOptions of a request, from its body or else its query, validated; and whether they
 * asked for cascading with the older `orphanDependents: false` (the one case upstream answers 202
 * to a delete that has not finished).
 */
async function deleteOptions(
  r: ResourceRequest,
): Promise<DeleteOptions & { cascadeAsked: boolean; notes: RequestNotes }> {
  const raw = await r.req.body()
  const o = raw.length
    ? deleteOptionsFromBody(decodeBody(r.req.header("content-type"), raw))
    : deleteOptionsFromQuery(r.req.query)
  validateDeleteOptions(o)
  const orphan = o.orphanDependents
  const policy = (o.propagationPolicy ??
    (orphan === undefined
      ? undefined
      : orphan
        ? "Orphan"
        : "Background")) as DeleteOptions["propagationPolicy"]
  // As upstream's BeforeDelete, a negative grace period is one second.
  const grace = o.gracePeriodSeconds !== undefined && o.gracePeriodSeconds < 0 ? 1 : o.gracePeriodSeconds
  return {
    ...(grace !== undefined ? { gracePeriodSeconds: grace } : {}),
    ...(policy ? { propagationPolicy: policy } : {}),
    ...(o.preconditions ? { preconditions: o.preconditions } : {}),
    dryRun: (o.dryRun?.length ?? 0) > 0,
    ...(r.req.user ? { user: r.req.user } : {}),
    origin: deleteOrigin(r.req, o),
    notes: notesOf(r.req),
    cascadeAsked: orphan === false,
  }
}

/**
 * DELETE one object: 200, with the object while it terminates (a graceful pod, finalizers, a
 * foreground cascade) or a Status once gone. As upstream, 202 only for a terminating object whose
 * delete asked `orphanDependents: false`; any other pending delete is 200 for older clients' sake.
 */
export async function deleteOne(r: ResourceRequest): Promise<ApiResponse> {
  const out = outputOf(r)
  const { cascadeAsked, ...opts } = await deleteOptions(r)
  const { object, finished } = await r.parts.registry.delete(
    r.served,
    { namespace: r.namespace, name: r.ri.name },
    opts,
  )
  const res = !finished
    ? respondObject(r, out, object, cascadeAsked ? 202 : 200)
    : returnsDeletedObject(r.served.info)
      ? respondObject(r, out, object, 200)
      : json(200, successStatus(r.served.info, object))
  return withWarnings(res, [], opts.notes)
}

/**
 * DELETE a collection: every object the selectors match. The answer is the list of the objects
 * as they were listed, before their deletes, in the list's shape (a custom resource's as
 * upstream's unstructured list), as upstream's store answers its DeleteCollection.
 */
export async function deleteCollection(r: ResourceRequest): Promise<ApiResponse> {
  const out = outputOf(r)
  // The objects to delete are listed as the query's list would list them (no resourceVersion: a
  // consistent read), as upstream's. A limit asks one page: only its objects are deleted
  // (upstream's hasLimit).
  const query = listOptions(r.req.query)
  const filter = filterFor(r.served.info, r.namespace, query.selectors)
  const { cascadeAsked: _, ...opts } = await deleteOptions(r)
  const page = await listObjects(r.parts, r.served, filter, query)
  const { items, ...meta } = page
  const listed = items.map((o) => r.parts.registry.toServed(r.served, o))
  for (const obj of items) {
    const { namespace = "", name = "" } = obj.metadata ?? {}
    try {
      await r.parts.registry.delete(r.served, { namespace, name }, opts)
    } catch (err) {
      if (!(err instanceof ApiError && err.reason === "NotFound")) throw err
    }
  }
  return withWarnings(respondList(r, out, meta, listed), [], opts.notes)
}

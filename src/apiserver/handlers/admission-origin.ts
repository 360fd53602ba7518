/**
 * What admission learns of the API request a write came from: the operation's options as
 * upstream's handlers decode them (CreateOptions, UpdateOptions, DeleteOptions of meta.k8s.io/v1,
 * passed to admission webhooks as `request.options`), and the notes admission leaves on it.
 */
import type { GivenDeleteOptions } from "../delete-options.ts"
import type { ApiRequest } from "../http.ts"
import { RequestNotes } from "../admission.ts"
import type { AdmissionOrigin, AdmissionRequest } from "../registry/context.ts"
import type { ResourceRequest } from "./context.ts"

const META_V1 = "meta.k8s.io/v1"

/** The options' kind of each operation (a PATCH is an UPDATE, or a CREATE when it creates). */
const OPTIONS_KIND: Readonly<Record<AdmissionRequest["operation"], string | undefined>> = {
  CREATE: "CreateOptions",
  UPDATE: "UpdateOptions",
  DELETE: "DeleteOptions",
  CONNECT: undefined,
}

/** An origin made once per write; the options are only built when admission asks for them. */
class RequestOrigin implements AdmissionOrigin {
  readonly #req: ApiRequest
  readonly #deleteOptions: GivenDeleteOptions | undefined

  constructor(req: ApiRequest, deleteOptions?: GivenDeleteOptions) {
    this.#req = req
    this.#deleteOptions = deleteOptions
  }

  options(operation: AdmissionRequest["operation"]): Readonly<Record<string, unknown>> | undefined {
    const kind = OPTIONS_KIND[operation]
    if (!kind) return undefined
    if (operation === "DELETE") return deleteOptionsObject(this.#deleteOptions ?? {})
    // The query parameters CreateOptions and UpdateOptions decode (a patch's, but force).
    const q = this.#req.query
    const dryRun = q.getAll("dryRun")
    const fieldManager = q.get("fieldManager")
    const fieldValidation = q.get("fieldValidation")
    return {
      kind,
      apiVersion: META_V1,
      ...(dryRun.length ? { dryRun } : {}),
      ...(fieldManager ? { fieldManager } : {}),
      ...(fieldValidation ? { fieldValidation } : {}),
    }
  }
}

/** The origin of a create, update or patch made by `req`. */
export function writeOrigin(req: ApiRequest): AdmissionOrigin {
  return new RequestOrigin(req)
}

/** DeleteOptions as upstream encodes them: its fields in its order, only those given. */
function deleteOptionsObject(o: GivenDeleteOptions): Readonly<Record<string, unknown>> {
  const out: Record<string, unknown> = { kind: "DeleteOptions", apiVersion: META_V1 }
  if (o.gracePeriodSeconds !== undefined) out.gracePeriodSeconds = o.gracePeriodSeconds
  if (o.preconditions !== undefined) out.preconditions = o.preconditions
  if (o.orphanDependents !== undefined) out.orphanDependents = o.orphanDependents
  if (o.propagationPolicy !== undefined) out.propagationPolicy = o.propagationPolicy
  if (o.dryRun?.length) out.dryRun = o.dryRun
  return out
}

/** The origin of a delete made by `req` with the DeleteOptions it decoded (body or query). */
export function deleteOrigin(req: ApiRequest, options: GivenDeleteOptions): AdmissionOrigin {
  return new RequestOrigin(req, options)
}

/** New notes for a write of `req`, kept on it so a refusal carries their warnings too. */
export function notesOf(req: ApiRequest): RequestNotes {
  const notes = new RequestNotes()
  req.notes = notes
  return notes
}

/**
 * Admits in both phases what a handler admits itself (a subresource's own object), as upstream's
 * handler runs mutating admission and its REST storage validating admission before anything else;
 * `between` runs between them (the storage's own checks). Returns the notes admission left.
 */
export async function admitBoth(
  r: ResourceRequest,
  req: Omit<AdmissionRequest, "user" | "origin" | "notes">,
  between?: () => void,
): Promise<RequestNotes> {
  const admission = r.parts.registry.deps.admission
  const notes = notesOf(r.req)
  const full: AdmissionRequest = { ...req, user: r.req.user, origin: writeOrigin(r.req), notes }
  await admission.mutate(full)
  between?.()
  await admission.validate(full)
  return notes
}

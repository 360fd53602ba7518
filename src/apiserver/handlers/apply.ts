/** PATCH with `application/apply-patch+yaml`: server-side apply, creating the object when missing. */
import {
  ApiError,
  type ApiObject,
  badRequest,
  conflict,
  fieldErrors,
  invalid,
  queryBool,
} from "../../api/index.ts"
import { appliedObject } from "../apply/index.ts"
import type { ApiResponse } from "../http.ts"
import { decodeBody } from "../negotiate.ts"
import { dryRunOf } from "../dry-run.ts"
import type { ResourceRequest } from "./context.ts"
import { outputOf, respondObject } from "./read.ts"
import { withWarnings } from "./validated-body.ts"
import { notesOf, writeOrigin } from "./admission-origin.ts"
import { createAuthorization } from "./authorize-create.ts"

function isDryRun(r: ResourceRequest): boolean {
  return dryRunOf(r.req.query.getAll("dryRun"), r.req.method)
}

/** The body as YAML; a malformed one is refused with upstream's "error decoding YAML" prefix. */
export function applyConfiguration(body: Buffer): unknown {
  try {
    return decodeBody("application/apply-patch+yaml", body)
  } catch (err) {
    if (err instanceof ApiError && err.reason === "BadRequest")
      throw badRequest(`error decoding YAML: ${err.message}`)
    throw err
  }
}

/** An apply's fieldManager and force. @throws ApiError Invalid without a fieldManager (it is required) */
export function applyOptions(r: ResourceRequest): { manager: string; force: boolean } {
  const manager = r.req.query.get("fieldManager") ?? ""
  if (!manager) {
    throw invalid(
      "PatchOptions",
      "",
      [fieldErrors.required("fieldManager", "is required for apply patch")],
      "meta.k8s.io",
    )
  }
  return { manager, force: queryBool(r.req.query, "force") }
}

/** Applies the request's configuration as its fieldManager (required); 201 when it created the object. */
export async function applyObject(r: ResourceRequest, subresource: string): Promise<ApiResponse> {
  const { manager, force } = applyOptions(r)
  const config = applyConfiguration(await r.req.body())
  const rv = (config as ApiObject | null)?.metadata?.resourceVersion
  const notes = notesOf(r.req)
  const { object, created } = await r.parts.registry.update(
    r.served,
    { namespace: r.namespace, name: r.ri.name },
    (cur) => {
      const uid = (config as ApiObject | null)?.metadata?.uid
      if (!cur && uid) {
        const { resource, group } = r.served.info
        throw conflict(
          { resource, group },
          r.ri.name,
          `uid mismatch: the provided object specified uid ${uid}, and no existing object was found`,
        )
      }
      const obj = appliedObject(
        cur,
        config,
        { manager, force },
        {
          info: r.served.info,
          subresource,
          nowMs: r.parts.clock.now(),
          customShape: r.parts.registry.deps.customShape,
        },
      )
      const meta = (obj.metadata ??= {})
      meta.name ??= r.ri.name
      if (r.namespace) meta.namespace ??= r.namespace
      return obj
    },
    {
      subresource,
      clientResourceVersion: typeof rv === "string" ? rv : "",
      dryRun: isDryRun(r),
      user: r.req.user,
      origin: writeOrigin(r.req),
      createIfMissing: subresource === "",
      authorizeCreate: createAuthorization(r),
      notes,
    },
  )
  return withWarnings(respondObject(r, outputOf(r), object, created ? 201 : 200), [], notes)
}

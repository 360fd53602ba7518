/**
 * Request rules special to custom resources and their definitions: no creates while the CRD
 * terminates, strategic merge patches refused with 415 as upstream, and a CRD delete that
 * first takes the customresourcecleanup finalizer.
 */
import type { CustomResourceDefinition } from "kubernetes-types/apiextensions/v1.js"
import { ApiError, type ApiObject } from "../../api/index.ts"
import type { ApiResponse } from "../http.ts"
import type { ResourceRequest } from "../handlers/context.ts"
import { deleteOne } from "../handlers/write.ts"
import { parseMediaTypes } from "../negotiate.ts"
import { CLEANUP_FINALIZER } from "./controller.ts"
import type { CustomResourceHandling } from "./resource-table.ts"

/** Throws for requests upstream refuses on custom resources. */
export function checkCustomResourceRequest(r: ResourceRequest, h: CustomResourceHandling): void {
  if (r.ri.verb === "create" && h.terminating) {
    throw new ApiError(
      "MethodNotAllowed",
      "create not allowed while custom resource definition is terminating",
    )
  }
  if (r.ri.verb !== "patch") return
  const type = parseMediaTypes(r.req.header("content-type"))[0]?.type ?? ""
  if (type === "application/strategic-merge-patch+json") {
    throw new ApiError(
      "UnsupportedMediaType",
      `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml`,
    )
  }
}

/** True for a DELETE of one CustomResourceDefinition. */
export function isCrdDelete(r: ResourceRequest): boolean {
  const info = r.served.info
  const crd = info.group === "apiextensions.k8s.io" && info.kind === "CustomResourceDefinition"
  return crd && r.ri.verb === "delete" && r.ri.subresource === "" && !!r.ri.name
}

/** DELETE of a CRD: the cleanup finalizer goes on first, so its objects are deleted before it. */
export async function deleteCrd(r: ResourceRequest): Promise<ApiResponse> {
  if (!r.req.query.has("dryRun")) {
    await r.parts.registry.update(
      r.served,
      { namespace: "", name: r.ri.name },
      (cur) => {
        const crd = cur as CustomResourceDefinition & ApiObject
        const meta = crd.metadata ?? {}
        if (meta.deletionTimestamp || (meta.finalizers ?? []).includes(CLEANUP_FINALIZER)) return crd
        return { ...crd, metadata: { ...meta, finalizers: [...(meta.finalizers ?? []), CLEANUP_FINALIZER] } }
      },
      { user: r.req.user },
    )
  }
  return deleteOne(r)
}

/**
 * The Warning upstream's API server adds to every request for a deprecated resource version
 * (KEP-1693 warnings; e.g. `v1 Endpoints is deprecated in v1.33+; use discovery.k8s.io/v1
 * EndpointSlice`), which kubectl prints as `Warning: ...`. A CRD version marked deprecated carries
 * its own text (see crd/resource-table.ts). Also the warnings admission noted on a refused request.
 */
import { type ResourceInfo, groupVersion } from "../api/index.ts"
import type { ApiResponse } from "./http.ts"
import { warningHeader } from "./field-validation.ts"

/** The warning text for a request to `info`, or undefined when it is not deprecated. */
export function deprecationWarning(info: ResourceInfo | undefined): string | undefined {
  const d = info?.deprecated
  if (!info || !d) return undefined
  if ("warning" in d) return d.warning
  const text = `${groupVersion(info)} ${info.kind} is deprecated in v${d.since}+`
  return d.replacement ? `${text}; use ${groupVersion(d.replacement)} ${d.replacement.kind}` : text
}

/** `res` with the deprecation warning of `info` before any warnings it already carries. */
export function withDeprecationWarning(res: ApiResponse, info: ResourceInfo | undefined): ApiResponse {
  const text = deprecationWarning(info)
  if (!text) return res
  const own = warningHeader([text]) as string
  const warning = res.headers.warning ? `${own}, ${res.headers.warning}` : own
  return { ...res, headers: { ...res.headers, warning } }
}

/**
 * `res` with the warnings admission noted on its request after the ones it carries, each text
 * once, as upstream's warning recorder keeps them.
 */
export function withRequestWarnings(res: ApiResponse, warnings: readonly string[]): ApiResponse {
  const unique = [...new Set(warnings)]
  const own = warningHeader(unique)
  if (!own) return res
  const warning = res.headers.warning ? `${res.headers.warning}, ${own}` : own
  return { ...res, headers: { ...res.headers, warning } }
}

/** Paths that name no resource: version, health, and discovery. */
import { ApiError, KUBE_VERSION, type ResourceInfo } from "../../api/index.ts"
import type { ApiRequest, ApiResponse } from "../http.ts"
import type { RequestInfo } from "../request-info.ts"
import { chooseOutput } from "../negotiate.ts"
import { json } from "../output.ts"
import {
  aggregatedContentType,
  aggregatedDiscovery,
  apiGroup,
  apiGroupList,
  apiResourceList,
  apiVersions,
} from "../discovery.ts"

/** GET /version. */
export function versionInfo() {
  return {
    ...KUBE_VERSION,
    gitCommit: "0000000000000000000000000000000000000000",
    gitTreeState: "clean",
    buildDate: "2026-11-24T00:00:00Z",
    goVersion: `node${process.versions.node}`,
    compiler: "k8ts",
    platform: `${process.platform}/${process.arch === "x64" ? "amd64" : process.arch}`,
  }
}

/** /openapi/…, its code loaded on first use so that it stays out of the server's start. */
async function serveOpenApi(
  req: ApiRequest,
  path: string,
  resources: readonly ResourceInfo[],
  custom?: (r: ResourceInfo) => Record<string, Record<string, unknown>> | undefined,
): Promise<ApiResponse | undefined> {
  if (!path.startsWith("/openapi/")) return undefined
  return (await import("../openapi/serve.ts")).serveOpenApi(req, path, resources, custom)
}

function text(body: string): ApiResponse {
  return { status: 200, headers: { "content-type": "text/plain; charset=utf-8" }, body }
}

/** Handles a non-resource path, or returns undefined for resource paths. */
export function routeNonResource(
  req: ApiRequest,
  ri: RequestInfo,
  ctx: {
    resources: readonly ResourceInfo[]
    advertiseAddress: string
    /** The OpenAPI component schemas of custom resources. */
    customSchemas?: (r: ResourceInfo) => Record<string, Record<string, unknown>> | undefined
  },
): Promise<ApiResponse> | undefined {
  if (ri.isResource && ri.resource) return undefined
  return (async () => {
    const path = req.path.replace(/\/+$/, "") || "/"
    if (req.method !== "GET" && req.method !== "HEAD") {
      throw new ApiError(
        "MethodNotAllowed",
        "the server does not allow this method on the requested resource",
      )
    }
    if (path === "/version") return json(200, versionInfo())
    const openapi = await serveOpenApi(req, path, ctx.resources, ctx.customSchemas)
    if (openapi) return openapi
    if (/^\/(healthz|livez|readyz)(\/.*)?$/.test(path)) return text("ok")
    if (path === "/api" || path === "/apis") {
      const out = chooseOutput(req.header("accept"), { discovery: true })
      if (out?.kind === "discovery") {
        return json(
          200,
          aggregatedDiscovery(ctx.resources, path === "/api", out.version),
          aggregatedContentType(out.version),
        )
      }
      return json(200, path === "/api" ? apiVersions(ctx.advertiseAddress) : apiGroupList(ctx.resources))
    }
    if (ri.isResource && ri.version) {
      const list = apiResourceList(ctx.resources, ri.group, ri.version)
      if (list) return json(200, list)
    } else if (ri.isResource && ri.prefix === "apis" && ri.group) {
      const g = apiGroup(ctx.resources, ri.group)
      if (g) return json(200, g)
    } else if (path === "/") {
      return json(200, { paths: ["/api", "/api/v1", "/apis", "/healthz", "/livez", "/readyz", "/version"] })
    }
    throw new ApiError("NotFound", "the server could not find the requested resource")
  })()
}

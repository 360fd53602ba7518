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

/** The checks each health endpoint lists, by upstream's names (all pass while the server answers). */
const HEALTH_CHECKS: Record<string, readonly string[]> = {
  healthz: ["ping", "log"],
  livez: ["ping", "log"],
  readyz: ["ping", "log", "informer-sync", "shutdown"],
}

/**
 * GET /healthz, /livez, /readyz: "ok", with `?verbose` each check and "<name> check passed";
 * /<name>/<check> answers for one check, an unknown check is not found.
 */
function healthCheck(req: ApiRequest, name: string, check: string | undefined): ApiResponse {
  const checks = HEALTH_CHECKS[name] ?? []
  if (check !== undefined) {
    if (!checks.includes(check))
      throw new ApiError("NotFound", "the server could not find the requested resource")
    return text("ok")
  }
  if (!req.query.has("verbose")) return text("ok")
  const excluded = new Set(req.query.getAll("exclude"))
  const lines = checks.map((c) => (excluded.has(c) ? `[+]${c} excluded: ok` : `[+]${c} ok`))
  return text(`${lines.join("\n")}\n${name} check passed\n`)
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
    const health = /^\/(healthz|livez|readyz)(?:\/(.*))?$/.exec(path)
    if (health) return healthCheck(req, health[1]!, health[2])
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

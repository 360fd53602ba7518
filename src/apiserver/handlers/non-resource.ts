/** Paths that name no resource: version, health, and discovery. */
import { ApiError, KUBE_VERSION, type ResourceInfo } from "../../api/index.ts"
import type { ApiRequest, ApiResponse } from "../http.ts"
import type { RequestInfo } from "../request-info.ts"
import { chooseOutput } from "../negotiate.ts"
import { goQuote } from "../../util/index.ts"
import type { HealthCheck as Check } from "../post-start-hooks.ts"
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

function text(body: string, status = 200): ApiResponse {
  return {
    status,
    headers: { "content-type": "text/plain; charset=utf-8", "x-content-type-options": "nosniff" },
    body,
  }
}

const PASSES: Check = async () => undefined

/** The checks every health endpoint has and those of the server's start, by their names. */
interface Checks {
  /** The store's health (the `etcd` checks); healthy when absent. */
  readonly storeHealth?: Check
  /** The checks of the server's start (post-start hooks, autoregister-completion), in order. */
  readonly bootChecks?: () => [string, Check][]
}

/**
 * The checks of each health endpoint, in upstream's order and by its names: the store's `etcd`
 * check on all three, its `etcd-readiness` on /readyz, then the start's checks on all three
 * (upstream adds them with AddBootSequenceHealthChecks), `shutdown` last on /readyz; the others
 * pass while the server answers.
 */
function healthChecks(name: string, checks: Checks): [string, Check][] {
  const store = checks.storeHealth ?? PASSES
  const live: [string, Check][] = [
    ["ping", PASSES],
    ["log", PASSES],
    ["etcd", store],
  ]
  const boot = checks.bootChecks?.() ?? []
  if (name !== "readyz") return [...live, ...boot]
  return [...live, ["etcd-readiness", store], ["informer-sync", PASSES], ...boot, ["shutdown", PASSES]]
}

/**
 * GET /healthz, /livez, /readyz as upstream's handlers: "ok", with `?verbose` each check and
 * "<name> check passed"; a failing check makes it a 500 listing every check (the reason
 * withheld). /<name>/<check> answers for one check (500 with its error when it fails); an
 * unknown check is not found.
 */
async function healthCheck(
  req: ApiRequest,
  name: string,
  check: string | undefined,
  all: Checks,
): Promise<ApiResponse> {
  const checks = healthChecks(name, all)
  if (check !== undefined) {
    const one = checks.find(([n]) => n === check)
    if (!one) throw new ApiError("NotFound", "the server could not find the requested resource")
    const why = await one[1]()
    return why === undefined ? text("ok") : text(`internal server error: ${why}\n`, 500)
  }
  const excluded = new Set(req.query.getAll("exclude"))
  const unknown = new Set(excluded)
  let out = ""
  let failed = false
  for (const [n, run] of checks) {
    if (excluded.has(n)) {
      unknown.delete(n)
      out += `[+]${n} excluded: ok\n`
    } else if ((await run()) !== undefined) {
      failed = true
      out += `[-]${n} failed: reason withheld\n`
    } else out += `[+]${n} ok\n`
  }
  if (unknown.size > 0) {
    const names = [...unknown].sort().map((n) => goQuote(n))
    out += `warn: some health checks cannot be excluded: no matches for ${names.join(",")}\n`
  }
  if (failed) return text(`${out}${name} check failed\n`, 500)
  if (!req.query.has("verbose")) return text("ok")
  return text(`${out}${name} check passed\n`)
}

/** Handles a non-resource path, or returns undefined for resource paths. */
export function routeNonResource(
  req: ApiRequest,
  ri: RequestInfo,
  ctx: {
    resources: readonly ResourceInfo[]
    advertiseAddress: string
    /** The store's health (the `etcd` checks); healthy when absent. */
    storeHealth?: Check
    /** The checks of the server's start, in order (post-start hooks, autoregister-completion). */
    bootChecks?: () => [string, Check][]
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
    if (health) return healthCheck(req, health[1]!, health[2], ctx)
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

/**
 * The header work of the proxy subresources, as upstream's reverse proxy and its rewriting
 * transport do it: hop-by-hop headers dropped both ways, the caller's credentials never passed
 * on, X-Forwarded-For and X-Forwarded-Uri added, CORS headers of the backend removed, and a
 * redirect's Location that points back at the backend turned into a path through the proxy.
 */
import type { IncomingHttpHeaders } from "node:http"
import { posix } from "node:path"

/** Headers that describe one connection, never forwarded (RFC 7230 and Go's ReverseProxy). */
const HOP_BY_HOP = new Set([
  "connection",
  "proxy-connection",
  "keep-alive",
  "proxy-authenticate",
  "proxy-authorization",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
])

/** Response headers the API server's proxy transport removes. */
const CORS = new Set([
  "access-control-allow-credentials",
  "access-control-allow-headers",
  "access-control-allow-methods",
  "access-control-allow-origin",
])

function connectionTokens(value: string | string[] | undefined): Set<string> {
  const v = Array.isArray(value) ? value.join(",") : (value ?? "")
  return new Set(
    v
      .split(",")
      .map((t) => t.trim().toLowerCase())
      .filter((t) => t !== ""),
  )
}

/** What the request to the backend carries besides the caller's own headers. */
export interface Forwarding {
  /** The upgrade path keeps Connection and Upgrade (the backend answers the upgrade). */
  readonly upgrade: boolean
  /** The path the caller asked the API server for. */
  readonly forwardedUri: string
  readonly remoteAddress?: string
}

/** The caller's headers as the backend sees them. */
export function requestHeaders(
  entries: Iterable<readonly [string, string]>,
  f: Forwarding,
): [string, string][] {
  const list = [...entries].map(([k, v]) => [k.toLowerCase(), v] as [string, string])
  const named = connectionTokens(list.find(([k]) => k === "connection")?.[1])
  const out = list.filter(([k]) => {
    // Authentication consumed these; impersonation headers were acted on already.
    if (k === "authorization" || k.startsWith("impersonate-")) return false
    if (f.upgrade && (k === "connection" || k === "upgrade")) return true
    return !HOP_BY_HOP.has(k) && !named.has(k)
  })
  if (f.remoteAddress) {
    const i = out.findIndex(([k]) => k === "x-forwarded-for")
    if (i >= 0) out[i] = ["x-forwarded-for", `${out[i]![1]}, ${f.remoteAddress}`]
    else out.push(["x-forwarded-for", f.remoteAddress])
  }
  const uri = out.findIndex(([k]) => k === "x-forwarded-uri")
  if (uri >= 0) out.splice(uri, 1)
  out.push(["x-forwarded-uri", f.forwardedUri])
  return out
}

function sameHost(a: string, b: string): boolean {
  const norm = (h: string) => h.toLowerCase().replace(/:(80|443)$/, "")
  return norm(a) === norm(b)
}

/**
 * A redirect target as the caller should follow it: an absolute path, or a URL of the backend
 * (or of the host the caller asked), becomes a path under `prefix` (`.../pods/p/proxy`);
 * relative references and other hosts stay as they are.
 */
export function rewriteLocation(
  target: string,
  backendHost: string,
  requestHost: string,
  prefix: string,
): string {
  const absolute = /^[a-z][a-z0-9+.-]*:\/\//i.test(target) || target.startsWith("//")
  let u: URL
  try {
    u = new URL(target, "http://relative.invalid")
  } catch {
    return target
  }
  const host = absolute
    ? target
        .replace(/^[a-z][a-z0-9+.-]*:/i, "")
        .slice(2)
        .split(/[/?#]/)[0]!
    : ""
  const differentHost = host !== "" && !sameHost(host, backendHost) && !sameHost(host, requestHost)
  const relative = !absolute && !target.startsWith("/")
  if (differentHost || relative) return target
  const keepOrigin = host !== "" && sameHost(host, requestHost)
  const origin = keepOrigin ? `${u.protocol}//${host}` : ""
  let path = u.pathname
  if (!path.startsWith(prefix)) {
    const joined = posix.join(prefix, path)
    path = path.endsWith("/") && !joined.endsWith("/") ? `${joined}/` : joined
  }
  return `${origin}${path}${u.search}${u.hash}`
}

/** The backend's response headers as the caller sees them. */
export function responseHeaders(
  headers: IncomingHttpHeaders,
  location: (target: string) => string,
): Record<string, string> {
  const named = connectionTokens(headers.connection)
  const out: Record<string, string> = {}
  for (const [k, v] of Object.entries(headers)) {
    if (v === undefined || HOP_BY_HOP.has(k) || named.has(k) || CORS.has(k)) continue
    // An array (set-cookie) stays one: node:http writes a line per value (fetch joins them).
    out[k] = v as string
  }
  if (typeof out.location === "string" && out.location !== "") out.location = location(out.location)
  return out
}

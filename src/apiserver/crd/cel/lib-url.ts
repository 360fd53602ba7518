/**
 * Kubernetes' URL library: `url(<string>)` (an absolute URI or absolute path, as Go's
 * url.ParseRequestURI takes it), `isURL`, and the getters getScheme, getHost, getHostname,
 * getPort, getEscapedPath and getQuery. Parsing follows Go's net/url for the common shapes.
 */
import type { Environment } from "@marcbachmann/cel-js"
import type { CelComparable } from "./equality.ts"

/** A parsed URL as Go's url.URL holds its parts. */
export class CelUrl implements CelComparable {
  readonly celType = "kubernetes.URL"
  constructor(
    readonly text: string,
    readonly scheme: string,
    readonly host: string,
    readonly path: string,
    readonly rawQuery: string,
  ) {}

  equals(other: unknown): boolean {
    return other instanceof CelUrl && other.text === this.text
  }
}

const SCHEME = /^([a-zA-Z][a-zA-Z0-9+.-]*):/

function hostname(host: string): string {
  if (host.startsWith("[")) {
    const end = host.indexOf("]")
    return end < 0 ? host.slice(1) : host.slice(1, end)
  }
  const colon = host.indexOf(":")
  return colon < 0 ? host : host.slice(0, colon)
}

function port(host: string): string {
  const from = host.startsWith("[") ? host.indexOf("]") + 1 : 0
  const colon = host.indexOf(":", from)
  return colon < 0 ? "" : host.slice(colon + 1)
}

function checkAuthority(authority: string): string {
  const host = authority.slice(authority.lastIndexOf("@") + 1)
  const p = port(host)
  if (p && !/^[0-9]*$/.test(p)) throw new Error(`invalid port ${JSON.stringify(`:${p}`)} after host`)
  if (host.startsWith("[") && !host.includes("]")) throw new Error("missing ']' in host")
  return host
}

/** Go's url.ParseRequestURI, then url.Parse for the parts (the fragment cut off). */
export function parseUrl(text: string): CelUrl {
  const fail = (why: string): never => {
    throw new Error(`parse ${JSON.stringify(text)}: ${why}`)
  }
  // Control characters are refused before anything else.
  if ([...text].some((c) => c < " " || c === "\x7f")) fail("net/url: invalid control character in URL")
  if (text === "") fail("empty url")
  if (text.startsWith(":")) fail("missing protocol scheme")
  const m = SCHEME.exec(text)
  const scheme = m?.[1]?.toLowerCase() ?? ""
  let rest = m ? text.slice(m[0].length) : text
  rest = rest.split("#")[0] ?? ""
  const q = rest.indexOf("?")
  const rawQuery = q < 0 ? "" : rest.slice(q + 1)
  if (q >= 0) rest = rest.slice(0, q)
  if (!rest.startsWith("/")) {
    if (scheme) return new CelUrl(text, scheme, "", "", rawQuery)
    fail("invalid URI for request")
  }
  let host = ""
  if (scheme && rest.startsWith("//")) {
    const slash = rest.indexOf("/", 2)
    const authority = slash < 0 ? rest.slice(2) : rest.slice(2, slash)
    rest = slash < 0 ? "" : rest.slice(slash)
    try {
      host = checkAuthority(authority)
    } catch (err) {
      fail((err as Error).message)
    }
  }
  return new CelUrl(text, scheme, host, rest, rawQuery)
}

function unescapeQuery(s: string): string {
  try {
    return decodeURIComponent(s.replace(/\+/g, " "))
  } catch {
    return s
  }
}

/** Go's url.ParseQuery, keeping what parses (u.Query() drops the rest). */
function query(raw: string): Map<string, string[]> {
  const out = new Map<string, string[]>()
  for (const part of raw.split("&")) {
    if (!part || part.includes(";")) continue
    const eq = part.indexOf("=")
    const key = unescapeQuery(eq < 0 ? part : part.slice(0, eq))
    const value = eq < 0 ? "" : unescapeQuery(part.slice(eq + 1))
    out.set(key, [...(out.get(key) ?? []), value])
  }
  return out
}

function isUrl(s: string): boolean {
  try {
    parseUrl(s)
    return true
  } catch {
    return false
  }
}

/** Adds the URL type and functions to `env`. */
export function registerUrls(env: Environment): void {
  env
    .registerType("kubernetes.URL", { ctor: CelUrl, fields: {} })
    .registerFunction("url(string): kubernetes.URL", (s: string) => {
      try {
        return parseUrl(s)
      } catch (err) {
        throw new Error(`URL parse error during conversion from string: ${(err as Error).message}`)
      }
    })
    .registerFunction("isURL(string): bool", isUrl)
    .registerFunction("kubernetes.URL.getScheme(): string", (u: CelUrl) => u.scheme)
    .registerFunction("kubernetes.URL.getHost(): string", (u: CelUrl) => u.host)
    .registerFunction("kubernetes.URL.getHostname(): string", (u: CelUrl) => hostname(u.host))
    .registerFunction("kubernetes.URL.getPort(): string", (u: CelUrl) => port(u.host))
    .registerFunction("kubernetes.URL.getEscapedPath(): string", (u: CelUrl) => u.path)
    .registerFunction("kubernetes.URL.getQuery(): map<string, list<string>>", (u: CelUrl) =>
      query(u.rawQuery),
    )
    .registerOperator("kubernetes.URL == kubernetes.URL", (a: CelUrl, b: CelUrl) => a.equals(b))
}

/**
 * LIST: served from the watch cache at a fresh enough revision, or from the store when the
 * client asks for an exact past revision or continues a list whose snapshot the cache has left.
 */
import { goJsonSyntaxError } from "./go-json-syntax.ts"
import { ApiError, type ApiObject, badRequest, type Status } from "../api/index.ts"
import { CompactedError, type Entry, type Store } from "../storage/index.ts"
import { goCleanRooted } from "../util/index.ts"
import type { WatchCache } from "./watch-cache.ts"
import { type PackedObject, matchingKept } from "./cache-objects.ts"
import type { ObjectFilter } from "./filter.ts"
import { decode, type Served } from "./registry/context.ts"
import type { ListOptions } from "./list-options.ts"
import { listResourceVersion, waitFresh } from "./resource-version.ts"

/** A page of a list: of objects, or (listRaw) of objects and the JSON of those the cache packed. */
export interface ListPage<T = ApiObject> {
  readonly items: T[]
  readonly resourceVersion: string
  readonly continue?: string
  readonly remainingItemCount?: number
}

interface ContinueToken {
  /** The revision the list continues at; -1: the latest (a token handed out for an expired one). */
  readonly rv: number
  readonly start: string
}

/** An expired continue token refused with a token to go on at the latest revision (as etcd3's store). */
class ExpiredContinue extends ApiError {
  readonly #token: string

  constructor(start: string) {
    super("Expired", INCONSISTENT_CONTINUE)
    this.#token = encodeContinue({ rv: -1, start })
  }

  override toStatus(): Status {
    return { ...super.toStatus(), metadata: { continue: this.#token } }
  }
}

function encodeContinue(t: ContinueToken): string {
  return Buffer.from(JSON.stringify({ v: "meta.k8s.io/v1", rv: t.rv, start: t.start })).toString("base64url")
}

/**
 * Go's error for `s` decoded as unpadded URL-safe base64 (base64.RawURLEncoding), or undefined:
 * the first byte outside the alphabet, else a lone last character. Line breaks are skipped.
 */
function goBase64UrlError(s: string): string | undefined {
  const at = (i: number) => `illegal base64 data at input byte ${i}`
  const bad = s.search(/[^A-Za-z0-9_\-\r\n]/)
  if (bad >= 0) return at(bad)
  const chars = s.replace(/[\r\n]/g, "").length
  if (chars % 4 === 1) return at(s.search(/[^\r\n][\r\n]*$/))
  return undefined
}

/** Reads a continue token; 400 with upstream's messages for one it cannot use. */
function decodeContinue(raw: string): ContinueToken {
  const invalid = (why: string) => badRequest(`invalid continue token: continue key is not valid${why}`)
  const base64 = goBase64UrlError(raw)
  if (base64 !== undefined) throw invalid(`: ${base64}`)
  const bytes = Buffer.from(raw.replace(/[\r\n]/g, ""), "base64url")
  // Go's scanner reads bytes: an invalid one is quoted as that byte's character ('\u0081').
  const syntax = goJsonSyntaxError(bytes.toString("latin1"))
  if (syntax !== undefined) throw invalid(`: ${syntax}`)
  const t = JSON.parse(bytes.toString("utf8")) as { v?: unknown; rv?: unknown; start?: unknown } | null
  if (typeof t !== "object" || t === null || Array.isArray(t)) {
    const type = Array.isArray(t) ? "array" : t === null ? "" : typeof t === "boolean" ? "bool" : typeof t
    // Go reads null into the token as nothing: its version is then the unrecognized "".
    if (type === "") throw invalid(": server does not recognize this encoded version ")
    throw invalid(`: json: cannot unmarshal ${type} into Go value of type storage.continueToken`)
  }
  if (t.v !== "meta.k8s.io/v1")
    throw invalid(`: server does not recognize this encoded version ${String(t.v ?? "")}`)
  if (typeof t.rv !== "number" || !Number.isInteger(t.rv) || t.rv === 0)
    throw invalid(": incorrect encoded start resourceVersion (version meta.k8s.io/v1)")
  if (typeof t.start !== "string" || t.start === "")
    throw invalid(": encoded start key empty (version meta.k8s.io/v1)")
  // A start key that path cleaning would change (`../x`, `a//b`, `a/`) could reach keys outside
  // the listed prefix: refused, as upstream refuses it.
  const rooted = t.start.startsWith("/") ? t.start : `/${t.start}`
  if (goCleanRooted(rooted) !== rooted) throw invalid(`: ${t.start}`)
  return { rv: t.rv, start: t.start }
}

const EXPIRED_LIST = "The resourceVersion for the provided list is too old."
const INCONSISTENT_CONTINUE =
  "The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list."

interface ListParams {
  readonly limit: number
  /** The revision asked for (0: any), or undefined for "" (as fresh as the store). */
  readonly rv: bigint | undefined
  readonly match: string
  readonly cont: string | null
}

/**
 * What the storage reads of the options, checked in its order: a continue token (with which a
 * resourceVersion other than "" or "0" is refused unread), else the resourceVersion.
 */
function listParams(o: ListOptions): ListParams {
  const cont = o.continue === "" ? null : o.continue
  let rv: bigint | undefined
  if (cont !== null) {
    decodeContinue(cont)
    if (o.resourceVersion !== "" && o.resourceVersion !== "0")
      throw badRequest("specifying resource version is not allowed when using continue")
    rv = o.resourceVersion === "" ? undefined : 0n
  } else rv = o.resourceVersion === "" ? undefined : listResourceVersion(o.resourceVersion)
  return { limit: Math.max(0, o.limit), rv, match: o.resourceVersionMatch, cont }
}

/**
 * The revision to list at: the continue token's, an exact one, or the cache's once fresh enough.
 * As upstream, a limited list at a resourceVersion without resourceVersionMatch is an exact one.
 */
async function listRevision(deps: { store: Store; cache: WatchCache }, p: ListParams): Promise<number> {
  const contRV = p.cont ? decodeContinue(p.cont).rv : undefined
  if (contRV !== undefined && contRV > 0) return contRV
  const legacyExact = p.match === "" && p.limit > 0 && p.rv !== undefined && p.rv > 0n
  if ((p.match === "Exact" || legacyExact) && p.rv !== undefined) {
    // A revision still to come is waited for as any other, and is then past or a 504 (never a
    // list claiming a revision nothing reached).
    await waitFresh(deps.cache, p.rv)
    return Number(p.rv)
  }
  // Fresh enough: "" means as fresh as the store, N means not older than N, 0 means anything.
  await waitFresh(deps.cache, p.rv ?? BigInt(await deps.store.revision()))
  return deps.cache.revision
}

interface Collected {
  items: (ApiObject | PackedObject)[]
  lastKey: string
  more: boolean
  remaining: number
}

/** `raw`: a packed object that matches is listed as the cache keeps it (its JSON), not parsed. */
function fromCache(
  cache: WatchCache,
  s: Served,
  scope: string,
  after: string,
  filter: ObjectFilter,
  limit: number,
  raw: boolean,
): Collected {
  const rc = cache.resource(s.prefix)
  const keys = rc.sortedKeys()
  const out: Collected = { items: [], lastKey: "", more: false, remaining: 0 }
  let i = lowerBoundKey(keys, after)
  if (keys[i] === after) i++
  for (; i < keys.length; i++) {
    const k = keys[i] as string
    if (!k.startsWith(scope)) break
    const obj = matchingKept(rc.objects.raw(k) as ApiObject | PackedObject, filter, raw)
    if (obj === undefined) continue
    if (limit > 0 && out.items.length === limit) {
      out.more = true
      if (!filter.selective) out.remaining = countFrom(keys, i, scope)
      break
    }
    out.items.push(obj)
    out.lastKey = k
  }
  return out
}

async function fromStore(
  store: Store,
  scope: string,
  after: string,
  at: number,
  filter: ObjectFilter,
  limit: number,
): Promise<Collected> {
  const out: Collected = { items: [], lastKey: "", more: false, remaining: 0 }
  let start = after
  for (;;) {
    const page = await store.list(scope, {
      revision: at,
      ...(start === scope ? {} : { after: start }),
      limit: limit > 0 ? Math.max(limit, 500) : 0,
    })
    for (let i = 0; i < page.entries.length; i++) {
      const e = page.entries[i] as Entry
      const obj = decode(e.value, e.revision)
      if (!filter.matches(obj)) continue
      if (limit > 0 && out.items.length === limit) {
        out.more = true
        // As etcd's count gives it: the keys from this one on, matching or not.
        out.remaining = page.entries.length - i + page.remaining
        return out
      }
      out.items.push(obj)
      out.lastKey = e.key
    }
    const last = page.entries[page.entries.length - 1]
    if (!page.more || !last) return out
    start = last.key
  }
}

/** Serves one LIST request. */
export async function listObjects(
  deps: { store: Store; cache: WatchCache },
  s: Served,
  filter: ObjectFilter,
  opts: ListOptions,
): Promise<ListPage> {
  return (await collect(deps, s, filter, opts, false)) as ListPage
}

/**
 * listObjects for a list whose objects are only encoded, as stored: those the watch cache keeps
 * as their JSON (PackedObject) are listed so, not parsed.
 */
export function listRaw(
  deps: { store: Store; cache: WatchCache },
  s: Served,
  filter: ObjectFilter,
  opts: ListOptions,
): Promise<ListPage<ApiObject | PackedObject>> {
  return collect(deps, s, filter, opts, true)
}

async function collect(
  deps: { store: Store; cache: WatchCache },
  s: Served,
  filter: ObjectFilter,
  opts: ListOptions,
  raw: boolean,
): Promise<ListPage<ApiObject | PackedObject>> {
  const p = listParams(opts)
  const scope = s.info.namespaced && filter.namespace ? `${s.prefix}${filter.namespace}/` : s.prefix
  const start = p.cont ? decodeContinue(p.cont).start : undefined
  const after = start !== undefined ? scope + start : scope
  const at = await listRevision(deps, p)
  const cached = at === deps.cache.revision
  let got: Collected
  try {
    got = cached
      ? fromCache(deps.cache, s, scope, after, filter, p.limit, raw)
      : await fromStore(deps.store, scope, after, at, filter, p.limit)
  } catch (err) {
    if (err instanceof CompactedError) {
      throw start !== undefined ? new ExpiredContinue(start) : new ApiError("Expired", EXPIRED_LIST)
    }
    throw err
  }
  const resourceVersion = String(at)
  if (!got.more) return { items: got.items, resourceVersion }
  return {
    items: got.items,
    resourceVersion,
    continue: encodeContinue({ rv: at, start: got.lastKey.slice(scope.length) }),
    ...(!filter.selective ? { remainingItemCount: got.remaining } : {}),
  }
}

function lowerBoundKey(keys: readonly string[], target: string): number {
  let lo = 0
  let hi = keys.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if ((keys[mid] as string) < target) lo = mid + 1
    else hi = mid
  }
  return lo
}

function countFrom(keys: readonly string[], i: number, scope: string): number {
  let n = 0
  for (; i < keys.length && (keys[i] as string).startsWith(scope); i++) n++
  return n
}

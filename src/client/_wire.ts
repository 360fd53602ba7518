/**
 * What both transports share, so they stay identical: the request and response shapes on the
 * wire, URL paths, query strings, response decoding and the line-by-line watch parser.
 */
import { ApiError, type ApiObject, type ResourceRef, type Status, type WatchEvent } from "../api/index.ts"
import { type Batched, deepFreeze } from "../util/index.ts"
import type { LabelSelector, QueryValue } from "./client.ts"

/** One request as a transport sends it. */
export interface WireRequest {
  readonly method: string
  /** The path without the query string, e.g. `/api/v1/namespaces/default/pods`. */
  readonly path: string
  readonly query: URLSearchParams
  /** Lower-case header names. */
  readonly headers: Readonly<Record<string, string>>
  readonly body?: string
  readonly signal?: AbortSignal
}

/** One response as a transport receives it. */
export interface WireResponse {
  readonly status: number
  readonly contentType: string
  /** The body chunk by chunk; iterate it once. */
  readonly body: AsyncIterable<string | Uint8Array>
  /**
   * The whole body, when the transport has it at once (a response that is not streamed): readers
   * take it here, without iterating `body` (which yields the same).
   */
  readonly whole?: string | Uint8Array
  /**
   * A watch's events as objects instead of a body (the in-process transport): deeply frozen and
   * shared by every watcher of the event, as the API server's watch cache holds them.
   */
  readonly events?: AsyncIterable<WatchEvent<ApiObject>>
}

/** Sends one request. Rejects only when no response arrives (network failure, abort). */
export type Transport = (req: WireRequest) => Promise<WireResponse>

/** The parts of a resource path. */
export interface PathParts {
  readonly namespace?: string | undefined
  readonly name?: string | undefined
  readonly subresource?: string | undefined
}

/**
 * The URL path of a resource, object or subresource:
 * `/api/v1/namespaces/default/pods/web/status`, `/apis/apps/v1/deployments`.
 * @throws TypeError when a namespaced object is named without a namespace
 */
export function resourcePath(ref: ResourceRef, parts: PathParts = {}): string {
  const root = ref.group ? `/apis/${ref.group}/${ref.version}` : `/api/${ref.version}`
  const { namespace, name, subresource } = parts
  if (ref.namespaced && name !== undefined && !namespace) {
    throw new TypeError(`Cannot address ${ref.resource} "${name}": a namespace is required`)
  }
  if (name === "") throw new TypeError(`Cannot address ${ref.resource}: the name is empty`)
  const ns = ref.namespaced && namespace ? `/namespaces/${encodeURIComponent(namespace)}` : ""
  const obj = name !== undefined ? `/${encodeURIComponent(name)}` : ""
  const sub = subresource ? `/${subresource}` : ""
  return `${root}${ns}/${ref.resource}${obj}${sub}`
}

/** A query string from values, leaving out undefined ones. */
export function queryOf(values: Readonly<Record<string, QueryValue>>): URLSearchParams {
  const q = new URLSearchParams()
  for (const [k, v] of Object.entries(values)) if (v !== undefined) q.set(k, String(v))
  return q
}

/** A label selector in upstream's string form. */
export function labelSelectorString(sel: LabelSelector | undefined): string | undefined {
  if (sel === undefined || typeof sel === "string") return sel || undefined
  const pairs = Object.entries(sel).map(([k, v]) => `${k}=${v}`)
  return pairs.length ? pairs.join(",") : undefined
}

/** Decodes whole bodies (one call each, so one decoder serves every response). */
const utf8 = new TextDecoder()

/**
 * The whole body as text. A body in one chunk (every in-process response) is decoded at once:
 * a streaming decoder of its own cost a response ten times as much as the decoding.
 */
export async function readText(res: WireResponse): Promise<string> {
  if (res.whole !== undefined) return textOf(res.whole)
  const chunks: (string | Uint8Array)[] = []
  for await (const chunk of res.body) chunks.push(chunk)
  if (chunks.length === 1) return textOf(chunks[0] as string | Uint8Array)
  // A character may span chunks: decode them as one stream.
  const dec = new TextDecoder()
  let text = ""
  for (const chunk of chunks) text += typeof chunk === "string" ? chunk : dec.decode(chunk, { stream: true })
  return text + dec.decode()
}

/** A body in one piece as text. */
function textOf(whole: string | Uint8Array): string {
  return typeof whole === "string" ? whole : utf8.decode(whole)
}

function isJson(contentType: string): boolean {
  return /[/+]json\b/i.test(contentType)
}

/** The ApiError a failed response stands for, rebuilt from its Status body when it has one. */
export function errorOf(status: number, text: string): ApiError {
  let body: Partial<Status> | undefined
  try {
    const parsed = JSON.parse(text) as unknown
    if (parsed && typeof parsed === "object" && (parsed as Partial<Status>).kind === "Status") {
      body = parsed as Partial<Status>
    }
  } catch {
    // Not JSON (a proxy's error page): the HTTP code alone decides the reason.
  }
  return ApiError.fromStatus(body ?? { message: text.trim() || `HTTP ${status}` }, status)
}

/**
 * Decodes a response: JSON (or the text for other content types) on success.
 * @throws ApiError for a status of 400 and above
 */
export async function decode<R>(res: WireResponse): Promise<R> {
  const text = res.whole !== undefined ? textOf(res.whole) : await readText(res)
  if (res.status >= 400) throw errorOf(res.status, text)
  if (text === "") return undefined as R
  return (isJson(res.contentType) || /^\s*[{[]/.test(text) ? JSON.parse(text) : text) as R
}

/**
 * Consumes a response whose body the caller does not use (a delete's): read to the end but not
 * decoded on success, as parsing the object only to drop it costs a delete as much again.
 * @throws ApiError for a status of 400 and above
 */
export async function discard(res: WireResponse): Promise<void> {
  if (res.status >= 400) throw errorOf(res.status, await readText(res))
  if (res.whole === undefined) for await (const chunk of res.body) void chunk
}

/**
 * Watch lines a transport hands to every watcher as the same bytes (the in-process transport,
 * which gets one buffer per event from the API server): each is parsed once and the event shared
 * by all of its watchers, which must not change it. Informers freeze what they cache (after
 * their transform, which may drop half the object); the event as parsed is frozen only where
 * mutations are hunted (see FREEZE_SHARED_EVENTS), as freezing a pod costs as much as parsing it.
 */
const SHARED = Symbol("sharedWatchLine")
/** A shared line's bytes, carrying its parsed event once a watcher parsed it. */
interface SharedLine extends Uint8Array {
  [SHARED]?: WatchEvent<ApiObject> | null
}

/** Marks `chunk` as one whole watch line shared by the watchers it reaches (see above). */
export function shareWatchLine(chunk: Uint8Array): void {
  ;(chunk as SharedLine)[SHARED] = null
}

/**
 * Splits chunks into their non-empty lines across chunk boundaries: strings, or a shared line's
 * own bytes (a chunk marked by shareWatchLine while no partial line is pending).
 */
class LineSplitter {
  readonly #dec = new TextDecoder()
  #buf = ""
  /** The decoder may hold part of a character. */
  #decoding = false

  /** Adds `chunk` and hands `emit` each line it completes. */
  push(chunk: string | Uint8Array, emit: (line: string | Uint8Array) => void): void {
    if (typeof chunk === "string") this.#buf += chunk
    else if (this.#buf === "" && !this.#decoding && (chunk as SharedLine)[SHARED] !== undefined) {
      return emit(chunk)
    } else {
      this.#decoding = true
      this.#buf += this.#dec.decode(chunk, { stream: true })
    }
    let nl: number
    while ((nl = this.#buf.indexOf("\n")) >= 0) {
      const line = this.#buf.slice(0, nl).trim()
      this.#buf = this.#buf.slice(nl + 1)
      if (line) emit(line)
    }
  }

  /** Hands `emit` the last line, when the body did not end with a newline. */
  end(emit: (line: string | Uint8Array) => void): void {
    const rest = (this.#buf + this.#dec.decode()).trim()
    this.#buf = ""
    if (rest) emit(rest)
  }
}

/** Splits a chunked body into its non-empty lines (see LineSplitter). */
export async function* lines(
  chunks: AsyncIterable<string | Uint8Array>,
): AsyncGenerator<string | Uint8Array> {
  const splitter = new LineSplitter()
  const out: (string | Uint8Array)[] = []
  const emit = (line: string | Uint8Array) => void out.push(line)
  for await (const chunk of chunks) {
    splitter.push(chunk, emit)
    yield* out.splice(0)
  }
  splitter.end(emit)
  yield* out
}

const lineDecoder = new TextDecoder()

/**
 * Whether shared watch events are deeply frozen as parsed, so a watcher that changes one fails
 * at once: under the test runner (`node --test` sets NODE_TEST_CONTEXT) and with client-go's
 * KUBE_CACHE_MUTATION_DETECTOR=true; elsewhere informers freeze only what they cache.
 */
export const FREEZE_SHARED_EVENTS =
  process.env.NODE_TEST_CONTEXT !== undefined || process.env.KUBE_CACHE_MUTATION_DETECTOR === "true"

/** The event of one line; a shared line's is parsed once (see shareWatchLine). */
function parseLine<T extends ApiObject>(line: string | Uint8Array): WatchEvent<T> {
  if (typeof line === "string") return JSON.parse(line) as WatchEvent<T>
  const shared = line as SharedLine
  let ev = shared[SHARED]
  if (!ev) {
    ev = JSON.parse(lineDecoder.decode(line)) as WatchEvent<ApiObject>
    if (FREEZE_SHARED_EVENTS) deepFreeze(ev)
    shared[SHARED] = ev
  }
  return ev as WatchEvent<T>
}

/**
 * Parses a watch stream (one JSON WatchEvent per line).
 * @throws ApiError for an ERROR event, rebuilt from its Status object
 */
export async function* watchEvents<T extends ApiObject>(
  chunks: AsyncIterable<string | Uint8Array>,
): AsyncGenerator<WatchEvent<T>> {
  // Split in place rather than through lines(): one generator less for every event of a watch.
  const splitter = new LineSplitter()
  const out: (string | Uint8Array)[] = []
  const emit = (line: string | Uint8Array) => void out.push(line)
  for await (const chunk of chunks) {
    splitter.push(chunk, emit)
    // A shared line (the in-process case) is one event alone: no array to copy.
    if (out.length === 1) yield eventOf<T>(out.pop() as string | Uint8Array)
    else for (const line of out.splice(0)) yield eventOf<T>(line)
  }
  splitter.end(emit)
  for (const line of out) yield eventOf<T>(line)
}

/**
 * The events of a watch handed over as objects (WireResponse.events), as an iterator that also
 * hands over at once every event already queued behind the one next() gave (`takeAll`), as the
 * API server's watch does: a watcher woken for a batch of writes takes them with one promise, not
 * several per event. An ERROR event is thrown by the next() after the events before it.
 * A plain iterator rather than a generator: it sits under every event of every in-process watch.
 */
export function objectEvents<T extends ApiObject>(
  events: AsyncIterable<WatchEvent<ApiObject>>,
): Batched<WatchEvent<T>> {
  const it = events[Symbol.asyncIterator]() as Batched<WatchEvent<T>>
  /** An ERROR event takeAll() met, thrown by the next next(). */
  let failed: WatchEvent<T> | undefined
  const step = (r: IteratorResult<WatchEvent<T>>) =>
    r.done ? r : { done: false as const, value: raised(r.value) }
  return {
    next: () => (failed ? Promise.resolve({ done: false as const, value: failed }) : it.next()).then(step),
    takeAll: (max?: number) => {
      if (failed || !it.takeAll) return []
      const out = it.takeAll(max)
      const at = out.findIndex((ev) => ev.type === "ERROR")
      if (at < 0) return out
      failed = out[at]
      return out.slice(0, at)
    },
    return: async () => (await it.return?.()) ?? { done: true, value: undefined },
  }
}

/**
 * The event of one watch line.
 * @throws ApiError for an ERROR event, rebuilt from its Status object
 */
function eventOf<T extends ApiObject>(line: string | Uint8Array): WatchEvent<T> {
  return raised(parseLine<T>(line))
}

/**
 * `ev`, unless it is an ERROR event.
 * @throws ApiError for an ERROR event, rebuilt from its Status object
 */
function raised<T extends ApiObject>(ev: WatchEvent<T>): WatchEvent<T> {
  if (ev.type === "ERROR") {
    const status = ev.object as unknown as Partial<Status>
    throw ApiError.fromStatus(status, status.code)
  }
  return ev
}

/**
 * Ends an iteration as soon as `signal` aborts, even while a `next()` is pending, and tells
 * the source to stop (its `return()`), so a stalled stream never holds its consumer. One abort
 * listener serves the whole iteration: racing each item against a promise of the abort would
 * leave a reaction on that promise per item until the stream ends (a watch's thousands).
 */
export function abortable<T>(src: AsyncIterable<T>, signal: AbortSignal): AsyncIterable<T> {
  return {
    [Symbol.asyncIterator](): Batched<T> {
      const it: Batched<T> = src[Symbol.asyncIterator]()
      const done: IteratorResult<T> = { done: true, value: undefined }
      /** Settles the pending next() (for-await never has two). */
      let settle: ((r: IteratorResult<T>) => void) | undefined
      const onAbort = () => settle?.(done)
      signal.addEventListener("abort", onAbort, { once: true })
      const stop = async (): Promise<IteratorResult<T>> => {
        signal.removeEventListener("abort", onAbort)
        // Not awaited: a generator busy in an await would only return once that await settles.
        Promise.resolve(it.return?.()).catch(() => {})
        return done
      }
      return {
        next: async () => {
          if (signal.aborted) return stop()
          let r: IteratorResult<T>
          try {
            r = await new Promise<IteratorResult<T>>((resolve, reject) => {
              settle = resolve
              it.next().then(resolve, reject)
            })
          } catch (err) {
            await stop()
            // A transport torn down by our own abort fails its read: that is the end, not an error.
            if (signal.aborted) return done
            throw err
          } finally {
            settle = undefined
          }
          return r.done ? stop() : r
        },
        return: stop,
        // What the source holds queued passes through at once, until the signal aborts.
        ...(it.takeAll
          ? { takeAll: (max?: number) => (signal.aborted ? [] : (it.takeAll as (max?: number) => T[])(max)) }
          : {}),
      }
    },
  }
}

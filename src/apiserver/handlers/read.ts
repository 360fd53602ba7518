/** GET, LIST and WATCH of a resource. */
import { type ApiObject, ApiError, type ResourceInfo, type WatchEvent } from "../../api/index.ts"
import type { ApiResponse } from "../http.ts"
import { chooseOutput, JSON_TYPE, type Output } from "../negotiate.ts"
import {
  apiErrorOf,
  errorResponse,
  listChunks,
  type ListMetaOut,
  objectBody,
  partialMetadata,
  watchEventBytes,
  YAML_TYPE,
  yamlOfJson,
} from "../output.ts"
import { filterFor } from "../filter.ts"
import { objectEvent } from "../object-events.ts"
import { type ListPage, listObjects, listRaw } from "../list.ts"
import { PackedObject } from "../cache-objects.ts"
import { type ListOptions, listOptions } from "../list-options.ts"
import { parseResourceVersion, waitFresh } from "../resource-version.ts"
import { type OutEvent, startWatch, watchParams } from "../watch.ts"
import { tableOf, tableContentType } from "../table.ts"
import type { Printer } from "../table/index.ts"
import type { ResourceRequest } from "./context.ts"
import type { Batched } from "../../util/index.ts"

/**
 * The representation a request accepts (Table included); 406 when none is served, or when a
 * watch (`stream`) asks YAML, which upstream's serializers have no stream form of. Write handlers
 * ask it first, as upstream's do: a response no client accepts is a 406 before anything is written.
 */
export function outputOf(r: ResourceRequest, stream = false): Output {
  const out = chooseOutput(r.req.header("accept"), { table: true })
  if (!out || (stream && out.kind === "yaml"))
    throw new ApiError(
      "NotAcceptable",
      `only the following media types are accepted: application/json, application/yaml, application/vnd.kubernetes.protobuf`,
    )
  return out
}

/**
 * Waits for the revision a GET asks for (its `resourceVersion`), as upstream's cacher: until the
 * watch cache reaches it, else a 504.
 */
export async function requestedRevision(r: ResourceRequest): Promise<void> {
  await waitFresh(r.parts.cache, parseResourceVersion(r.req.query.get("resourceVersion") ?? ""))
}

/** GET one object. */
export async function getObject(r: ResourceRequest): Promise<ApiResponse> {
  const out = outputOf(r)
  await requestedRevision(r)
  const kept = await r.parts.registry.read(r.served, r.namespace, r.ri.name)
  if (kept instanceof PackedObject && out.kind === "json")
    return { status: 200, headers: { "content-type": JSON_TYPE }, body: kept.bytes() }
  return respondObject(r, out, kept instanceof PackedObject ? kept.unpack() : kept, 200)
}

/** Whose Table printer prints a response's object: a subresource's kind (Scale) may differ. */
export interface PrintedAs {
  readonly info: ResourceInfo
  readonly printer?: Printer | undefined
}

/** Encodes one object for its request's output (Table included, as the served kind's unless `as`). */
export function respondObject(
  r: ResourceRequest,
  out: Output,
  obj: ApiObject,
  status: number,
  as?: PrintedAs,
): ApiResponse {
  if (out.kind === "table") {
    const info = as?.info ?? r.served.info
    const t = tableOf(info, [obj], {
      query: r.req.query,
      printer: as ? as.printer : r.parts.resources.handling(info)?.printer,
      now: r.parts.clock.now(),
      resourceVersion: obj.metadata?.resourceVersion,
    })
    return { status, headers: { "content-type": tableContentType(out.version) }, body: JSON.stringify(t) }
  }
  const { body, contentType } = objectBody(out, obj)
  return { status, headers: { "content-type": contentType }, body }
}

/** LIST (or WATCH when ?watch=true). */
export async function listOrWatch(r: ResourceRequest): Promise<ApiResponse> {
  // Upstream decodes and validates the options before it negotiates the output.
  const opts = listOptions(r.req.query)
  const out = outputOf(r, r.ri.verb === "watch")
  const filter = filterFor(r.served.info, r.namespace, opts.selectors)
  if (r.ri.verb === "watch") return watch(r, out, filter, opts)
  // JSON of objects served as stored: copied as it is, packed objects' too.
  const raw = out.kind === "json" && r.parts.registry.servesStored(r.served)
  const page = raw
    ? await listRaw(r.parts, r.served, filter, opts)
    : await listObjects(r.parts, r.served, filter, opts)
  const meta = {
    resourceVersion: page.resourceVersion,
    ...(page.continue ? { continue: page.continue } : {}),
    ...(page.remainingItemCount !== undefined ? { remainingItemCount: page.remainingItemCount } : {}),
  }
  if (raw) {
    const items = page.items.map((o) => (o instanceof PackedObject ? o.bytes() : o))
    return {
      status: 200,
      headers: { "content-type": JSON_TYPE },
      chunks: listChunks(r.served.info, meta, items),
    }
  }
  const items = (page as ListPage).items.map((o) => r.parts.registry.toServed(r.served, o))
  return respondList(r, out, meta, items)
}

/**
 * A list of `items` (objects as served) in the representation `out`: JSON, YAML, a Table or
 * PartialObjectMetadataList. A LIST answers so, and a DELETE of a collection with what it deleted.
 */
export function respondList(
  r: ResourceRequest,
  out: Output,
  meta: ListMetaOut,
  items: readonly ApiObject[],
): ApiResponse {
  if (out.kind === "table") {
    const t = tableOf(r.served.info, items, {
      query: r.req.query,
      printer: r.parts.resources.handling(r.served.info)?.printer,
      now: r.parts.clock.now(),
      listMeta: meta,
    })
    return {
      status: 200,
      headers: { "content-type": tableContentType(out.version) },
      body: JSON.stringify(t),
    }
  }
  if (out.kind === "partial") {
    const body = JSON.stringify({
      kind: "PartialObjectMetadataList",
      apiVersion: `meta.k8s.io/${out.version}`,
      metadata: meta,
      items: items.map((o) => partialMetadata(o, out.version)),
    })
    return {
      status: 200,
      headers: {
        "content-type": `application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=${out.version}`,
      },
      body,
    }
  }
  const chunks = listChunks(r.served.info, meta, items)
  if (out.kind === "yaml")
    return { status: 200, headers: { "content-type": YAML_TYPE }, body: yamlOfJson(chunks) }
  return { status: 200, headers: { "content-type": JSON_TYPE }, chunks }
}

async function watch(
  r: ResourceRequest,
  out: Output,
  filter: ReturnType<typeof filterFor>,
  opts: ListOptions,
): Promise<ApiResponse> {
  const params = watchParams(opts)
  const ac = new AbortController()
  r.req.signal.addEventListener("abort", () => ac.abort(), { once: true })
  const events = await startWatch(r.parts, r.served, filter, params, ac.signal)
  const { registry, clock } = r.parts
  if (r.req.watchObjects && out.kind === "json") {
    const served = (ev: OutEvent): WatchEvent =>
      objectEvent(
        ev.type,
        ev.type === "BOOKMARK" || ev.type === "ERROR" ? ev.object : registry.toServed(r.served, ev.object),
      )
    const failed = (err: unknown): WatchEvent =>
      objectEvent("ERROR", apiErrorOf(err).toStatus() as unknown as ApiObject)
    return {
      status: 200,
      headers: { "content-type": JSON_TYPE },
      objects: lines(events, served, failed, () => ac.abort()),
    }
  }
  let first = true
  const encode = (ev: OutEvent): string | Buffer => {
    if (ev.type === "ERROR" || ev.type === "BOOKMARK")
      return `{"type":"${ev.type}","object":${JSON.stringify(ev.object)}}\n`
    const obj = registry.toServed(r.served, ev.object)
    if (out.kind === "table") {
      const t = tableOf(r.served.info, [obj], {
        query: r.req.query,
        printer: r.parts.resources.handling(r.served.info)?.printer,
        now: clock.now(),
        noHeaders: !first,
        resourceVersion: obj.metadata?.resourceVersion,
      })
      first = false
      return `{"type":"${ev.type}","object":${JSON.stringify(t)}}\n`
    }
    if (out.kind === "partial")
      return `{"type":"${ev.type}","object":${JSON.stringify(partialMetadata(obj, out.version))}}\n`
    return watchEventBytes(ev.type, obj)
  }
  const contentType = out.kind === "table" ? tableContentType(out.version) : JSON_TYPE
  return {
    status: 200,
    headers: { "content-type": contentType },
    stream: lines(events, encode, errorLine, () => ac.abort()),
  }
}

/** A failure of a watch as its ERROR event's line. */
function errorLine(err: unknown): string {
  return `{"type":"ERROR","object":${errorResponse(err).body as string}}\n`
}

/** A watch's lines, which can also hand over at once every line already waiting. */
interface Lines<L> extends AsyncIterableIterator<L> {
  takeAll(max?: number): L[]
}

/**
 * The lines of a watch (or its events as objects): each event encoded; a failure of the watch
 * (or of an encoding) as an ERROR event ending it; `end` called once when it ends either way or
 * is returned early. A plain iterator rather than a generator: it sits under every event of
 * every watch.
 */
function lines<L>(
  events: AsyncIterable<OutEvent>,
  encode: (ev: OutEvent) => L,
  encodeError: (err: unknown) => L,
  end: () => void,
): Lines<L> {
  const it: Batched<OutEvent> = events[Symbol.asyncIterator]()
  let ended = false
  const finish = () => {
    if (ended) return
    ended = true
    end()
  }
  const errorOf = (err: unknown): L => {
    finish()
    return encodeError(err)
  }
  const failed = (err: unknown): IteratorResult<L> => ({ done: false, value: errorOf(err) })
  const step = (n: IteratorResult<OutEvent>): IteratorResult<L> => {
    if (n.done) {
      finish()
      return { done: true, value: undefined }
    }
    try {
      return { done: false, value: encode(n.value) }
    } catch (err) {
      return failed(err)
    }
  }
  return {
    next: () => (ended ? Promise.resolve({ done: true, value: undefined }) : it.next().then(step, failed)),
    // The events queued behind the one next() gave: encoded now, with no promise per event.
    takeAll: (max) => {
      const out: L[] = []
      if (ended || !it.takeAll) return out
      for (const ev of it.takeAll(max)) {
        try {
          out.push(encode(ev))
        } catch (err) {
          out.push(errorOf(err))
          break
        }
      }
      return out
    },
    return: async () => {
      finish()
      await it.return?.()
      return { done: true, value: undefined }
    },
    [Symbol.asyncIterator]() {
      return this
    },
  }
}

/**
 * EtcdStore: the Store contract mapped straight onto an etcd v3 cluster (the etcd3 package's
 * gRPC clients). Revisions are etcd's: an entry's revision is its mod_revision. Guarded writes
 * are single transactions that compare create_revision or mod_revision and, when the compare
 * fails, read the key in the same transaction to build the typed error. Watches are etcd
 * watches from `from + 1` with prev_kv, one gRPC stream each. Several stores (or clusters) can
 * share one etcd through distinct key prefixes. A broken watch stream ends that watch with the
 * gRPC error (no silent resume); its consumer re-watches from its last revision or re-lists.
 * The raw `kv` and `watchClient` of etcd3 are used (not its builders) because only they expose
 * a range's `count` and a watch's `compact_revision`.
 */
import { Etcd3, type ICompare, type IDuplexStream, type IEvent, type IKeyValue } from "etcd3"
import type { IRangeRequest, IRangeResponse, ITxnRequest, IWatchRequest, IWatchResponse } from "etcd3"
import { AsyncQueue } from "../util/index.ts"
import {
  CompactedError,
  KeyExistsError,
  KeyNotFoundError,
  RevisionConflictError,
  StoreClosedError,
} from "./errors.ts"
import type { StoreUrl } from "./open.ts"
import type { Entry, ListOptions, ListResult, Store, StoreEvent } from "./store.ts"

/** Options of EtcdStore.open. */
export interface EtcdOptions {
  /**
   * Prepended to every key in etcd, so several stores can share one etcd. Stores sharing one etcd
   * need prefixes that are not prefixes of each other ("/a" and "/b", not "/a" and "/ab").
   * Default "".
   */
  readonly prefix?: string
  /** A watch whose consumer lags this many events is ended with a CompactedError. */
  readonly maxWatchBacklog?: number
}

type WatchStream = IDuplexStream<IWatchRequest, IWatchResponse>

/** A single zero byte: as a range end, "no upper bound"; as a key, the smallest key. */
const ALL = Buffer.from([0])
/** Watched only to learn etcd's compacted revision; never written. */
const PROBE_PREFIX = "\u0000k8ts-compaction-probe/"
const COMPACTED = "required revision has been compacted"
const FUTURE = "required revision is a future revision"

/** Whether `err` is etcd's error with this text (etcd3 does not type these). */
function isEtcdError(err: unknown, text: string): boolean {
  return err instanceof Error && err.message.includes(text)
}

/** The smallest key greater than every key starting with `prefix` ("\0": no upper bound). */
function rangeEnd(prefix: Buffer): Buffer {
  const end = Buffer.from(prefix)
  for (let i = end.length - 1; i >= 0; i--) {
    if ((end[i] as number) < 0xff) {
      end[i] = (end[i] as number) + 1
      return end.subarray(0, i + 1)
    }
  }
  return ALL
}

/** EtcdStore: see the module comment. */
export class EtcdStore implements Store {
  readonly #client: Etcd3
  readonly #prefix: string
  readonly #maxBacklog: number
  /** The highest compaction seen: our own compact() calls and etcd's reports. */
  #compacted = 0
  #closed = false
  /** Ends each open watch. */
  readonly #watches = new Set<() => void>()

  private constructor(client: Etcd3, opts: EtcdOptions) {
    this.#client = client
    this.#prefix = opts.prefix ?? ""
    this.#maxBacklog = opts.maxWatchBacklog ?? 250_000
  }

  /**
   * Connects to etcd at `endpoints` (e.g. `http://127.0.0.1:2379`) and checks that it answers.
   * @throws Error (its cause the etcd3 client's error) when no endpoint answers
   */
  static async open(endpoints: string[], opts: EtcdOptions = {}): Promise<EtcdStore> {
    if (endpoints.length === 0) throw new TypeError("Cannot open etcd: no endpoints given")
    const client = new Etcd3({
      hosts: endpoints,
      grpcOptions: { "grpc.max_receive_message_length": -1, "grpc.max_send_message_length": -1 },
    })
    const store = new EtcdStore(client, opts)
    try {
      await store.revision()
    } catch (err) {
      await store.close()
      const why = err instanceof Error ? err.message : String(err)
      throw new Error(`Cannot open etcd at "${endpoints.join(",")}": ${why}`, { cause: err })
    }
    return store
  }

  #check(): void {
    if (this.#closed) throw new StoreClosedError()
  }

  #key(key: string): Buffer {
    return Buffer.from(this.#prefix + key, "utf8")
  }

  #entry(kv: IKeyValue): Entry {
    return {
      key: kv.key.toString("utf8").slice(this.#prefix.length),
      value: kv.value.toString("utf8"),
      revision: Number(kv.mod_revision),
      createRevision: Number(kv.create_revision),
    }
  }

  #noteCompacted(revision: number): void {
    if (revision > this.#compacted) this.#compacted = revision
  }

  async #range(req: IRangeRequest): Promise<IRangeResponse> {
    this.#check()
    return this.#client.kv.range(req)
  }

  /** Runs a guarded write; on a failed compare, returns the key's current entry (if any). */
  async #txn(key: string, compare: ICompare[], success: ITxnRequest["success"]) {
    this.#check()
    const k = this.#key(key)
    const res = await this.#client.kv.txn({
      compare: compare.map((c) => ({ ...c, key: k })),
      success,
      failure: [{ request_range: { key: k } }],
    })
    const revision = Number(res.header.revision)
    const kv = res.succeeded ? undefined : res.responses[0]?.response_range?.kvs[0]
    return { res, revision, current: kv && this.#entry(kv) }
  }

  async get(key: string): Promise<Entry | undefined> {
    const kv = (await this.#range({ key: this.#key(key) })).kvs[0]
    return kv && this.#entry(kv)
  }

  async list(prefix: string, opts: ListOptions = {}): Promise<ListResult> {
    const full = this.#key(prefix)
    const end = rangeEnd(full)
    let start = full.length ? full : ALL
    if (opts.after !== undefined) {
      const after = Buffer.concat([this.#key(opts.after), ALL])
      if (Buffer.compare(after, start) > 0) start = after
    }
    const at = opts.revision && opts.revision > 0 ? opts.revision : 0
    const limit = opts.limit && opts.limit > 0 ? opts.limit : 0
    if (end !== ALL && Buffer.compare(start, end) >= 0) {
      return { entries: [], revision: at || (await this.revision()), more: false, remaining: 0 }
    }
    let res: IRangeResponse
    try {
      res = await this.#range({ key: start, range_end: end, limit, revision: at })
    } catch (err) {
      if (isEtcdError(err, COMPACTED)) throw new CompactedError(at, await this.#probeCompacted(at))
      // Asked for a revision not written yet: read the current one, as the other backends do.
      if (isEtcdError(err, FUTURE)) return this.list(prefix, { ...opts, revision: 0 })
      throw err
    }
    const entries = res.kvs.map((kv) => this.#entry(kv))
    const remaining = res.more ? Number(res.count) - entries.length : 0
    return { entries, revision: at || Number(res.header.revision), more: remaining > 0, remaining }
  }

  async create(key: string, value: string): Promise<Entry> {
    const { res, revision } = await this.#txn(
      key,
      [{ target: "Create", result: "Equal", create_revision: 0 }],
      [{ request_put: { key: this.#key(key), value: Buffer.from(value, "utf8") } }],
    )
    if (!res.succeeded) throw new KeyExistsError(key)
    return { key, value, revision, createRevision: revision }
  }

  async update(key: string, value: string, expectedRevision: number): Promise<Entry> {
    const { res, revision, current } = await this.#txn(
      key,
      [
        { target: "Create", result: "Greater", create_revision: 0 },
        { target: "Mod", result: "Equal", mod_revision: expectedRevision },
      ],
      [{ request_put: { key: this.#key(key), value: Buffer.from(value, "utf8"), prev_kv: true } }],
    )
    if (!res.succeeded) {
      if (!current) throw new KeyNotFoundError(key)
      throw new RevisionConflictError(key, expectedRevision, current)
    }
    const prev = res.responses[0]?.response_put?.prev_kv
    return { key, value, revision, createRevision: prev ? Number(prev.create_revision) : revision }
  }

  async delete(key: string, expectedRevision?: number): Promise<Entry> {
    const compare: ICompare[] = [{ target: "Create", result: "Greater", create_revision: 0 }]
    if (expectedRevision !== undefined) {
      compare.push({ target: "Mod", result: "Equal", mod_revision: expectedRevision })
    }
    const { res, revision, current } = await this.#txn(key, compare, [
      { request_delete_range: { key: this.#key(key), prev_kv: true } },
    ])
    const prev = res.responses[0]?.response_delete_range?.prev_kvs[0]
    if (!res.succeeded || !prev) {
      if (!current) throw new KeyNotFoundError(key)
      throw new RevisionConflictError(key, expectedRevision ?? 0, current)
    }
    return { ...this.#entry(prev), revision }
  }

  watch(prefix: string, from: number, signal: AbortSignal): AsyncIterable<StoreEvent> {
    return { [Symbol.asyncIterator]: () => this.#watch(prefix, from, signal) }
  }

  #watch(prefix: string, from: number, signal: AbortSignal): AsyncIterator<StoreEvent> {
    const queue = new AsyncQueue<StoreEvent>()
    if (this.#closed) {
      queue.fail(new StoreClosedError())
      return queue
    }
    if (signal.aborted) {
      queue.close()
      return queue
    }
    let stream: WatchStream | undefined
    let ended = false
    let last = from
    const end = (err?: unknown) => {
      if (ended) return
      ended = true
      signal.removeEventListener("abort", onAbort)
      this.#watches.delete(onAbort)
      stream?.cancel() // the stream's CANCELLED error then finds `ended` set and is dropped
      if (err === undefined) queue.close()
      else queue.fail(err)
    }
    const onAbort = () => end()
    signal.addEventListener("abort", onAbort, { once: true })
    this.#watches.add(onAbort)
    const onResponse = (res: IWatchResponse) => {
      const compacted = Number(res.compact_revision)
      if (compacted > 0) {
        this.#noteCompacted(compacted)
        return end(new CompactedError(last, compacted))
      }
      if (res.canceled) return end(new Error(`etcd canceled the watch on "${prefix}": ${res.cancel_reason}`))
      for (const ev of res.events) queue.push(this.#event(ev))
      last = Number(res.events[res.events.length - 1]?.kv.mod_revision ?? last)
      if (queue.size > this.#maxBacklog) {
        end(new CompactedError(last, last, `Watch on "${prefix}" fell too far behind; re-list`))
      }
    }
    const key = this.#key(prefix)
    this.#client.watchClient.watch().then(
      (s) => {
        stream = s
        if (ended) return s.cancel()
        s.on("data", onResponse)
        s.on("error", (err: unknown) => end(err))
        s.on("end", () => end(new Error(`etcd ended the watch stream on "${prefix}"`)))
        s.write({
          create_request: {
            key: key.length ? key : ALL,
            range_end: rangeEnd(key),
            start_revision: from + 1,
            prev_kv: true,
          },
        })
      },
      (err: unknown) => end(err),
    )
    const ret = queue.return.bind(queue)
    queue.return = () => {
      end()
      return ret()
    }
    return queue
  }

  #event(ev: IEvent): StoreEvent {
    const prev = ev.prev_kv ? this.#entry(ev.prev_kv) : undefined
    const entry = this.#entry(ev.kv)
    if (ev.type === "Delete") {
      // etcd's delete event has an empty value: the deleted value is the previous one.
      return {
        type: "delete",
        entry: { ...entry, value: prev?.value ?? "", createRevision: prev?.createRevision ?? 0 },
        ...(prev ? { prev } : {}),
      }
    }
    return { type: "put", entry, ...(prev ? { prev } : {}) }
  }

  /** Learns etcd's compacted revision (known to be > `at`): a watch from `at` reports it. */
  async #probeCompacted(at: number): Promise<number> {
    const ac = new AbortController()
    const timer = setTimeout(() => ac.abort(), 2000)
    try {
      for await (const _ of this.watch(PROBE_PREFIX, Math.max(at - 1, 0), ac.signal)) break
    } catch (err) {
      if (err instanceof CompactedError) return err.compacted
    } finally {
      clearTimeout(timer)
      ac.abort()
    }
    return Math.max(this.#compacted, at + 1)
  }

  async compact(revision: number): Promise<void> {
    const target = Math.min(revision, await this.revision())
    if (target <= this.#compacted) return
    try {
      await this.#client.kv.compact({ revision: target, physical: true })
    } catch (err) {
      // Someone compacted at or past `target` already: the goal holds.
      if (!isEtcdError(err, COMPACTED)) throw err
    }
    this.#noteCompacted(target)
  }

  async revision(): Promise<number> {
    // A count of one key: the cheapest read that carries the header revision.
    const res = await this.#range({ key: this.#prefix ? this.#key("") : ALL, count_only: true })
    return Number(res.header.revision)
  }

  async compactedRevision(): Promise<number> {
    return this.#compacted
  }

  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    for (const end of [...this.#watches]) end()
    this.#client.close()
  }
}

/**
 * The StoreDriver for `etcd://host:port[,host:port][?prefix=/k8ts]` URLs: each host becomes the
 * endpoint `http://host:port`. Register it as `{ etcd: openEtcdStore }`.
 */
export async function openEtcdStore(url: StoreUrl): Promise<Store> {
  if (url.hosts.length === 0) {
    throw new TypeError(`Cannot open etcd: the URL names no endpoint (use etcd://host:port[,host:port])`)
  }
  return EtcdStore.open(
    url.hosts.map((h) => `http://${h}`),
    { prefix: url.params.get("prefix") ?? "" },
  )
}

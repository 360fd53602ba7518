/**
 * The registry's update path (PUT, patches, status and other subresource writes, server-side
 * apply): read, transform, check, admit and compare-and-swap the object, retrying on concurrent
 * writes unless the client named the resourceVersion it expects, and creating the object where
 * the write may.
 */
import { ApiError, type ApiObject, defaultsStatus, notFound } from "../../api/index.ts"
import {
  cachedEntry,
  decode,
  keyFor,
  readStored,
  type Served,
  shallowCopy,
  storedRevision,
} from "./context.ts"
import { hasStatus } from "./strategy.ts"
import { checkBody, nameMismatch, qualified } from "./write.ts"
import { checkUidPrecondition } from "./uid-precondition.ts"
import type {
  Attempt,
  Current,
  UpdateHost,
  UpdateOptions,
  UpdateResult,
  UpdateTransform,
} from "./update-attempt.ts"
import { admittedUpdate, preparedUpdate } from "./update-admit.ts"
import { writeUpdate } from "./update-commit.ts"

export type { UpdateHost, UpdateOptions, UpdateResult, UpdateTransform } from "./update-attempt.ts"

/**
 * Reads, transforms and writes back an object, retrying on concurrent writes unless the
 * client named the resourceVersion it expects (then a mismatch is a 409 Conflict).
 *
 * As upstream's GuaranteedUpdate, the retries have no cap: an attempt is retried only when
 * another write changed (or removed) the object since it was read, or when it started from the
 * watch cache's object and the store holds another, and each retry reads the store again. So
 * every retry follows another writer's progress, never a spin on the same value; and a request
 * naming a resourceVersion conflicts on the retry after a lost race (the stored one moved on).
 */
export async function updateObject(
  reg: UpdateHost,
  s: Served,
  ref: { namespace: string; name: string },
  transform: UpdateTransform,
  opts: UpdateOptions,
): Promise<UpdateResult> {
  const key = keyFor(s, ref.namespace, ref.name)
  // The first attempt starts from the watch cache's object when its stored value is known,
  // without reading the store (not for a dry run: it writes nothing that would check it).
  let cached: Current | undefined = opts.dryRun ? undefined : cachedEntry(reg.deps, s, key)
  for (;;) {
    const fromCache = cached !== undefined
    const cur = cached ?? (await readStored(reg.deps, s, key))
    cached = undefined
    if (!cur) {
      const created = await createMissing(reg, s, ref, transform, opts)
      if (created) return { object: created, created: true }
      continue // lost a race with another create: read again
    }
    const a: Attempt = { reg, s, key, cur, opts, fromCache, started: false }
    try {
      const done = await updateAttempt(a, ref, transform)
      if (done) return done
    } catch (err) {
      // From the cache's object the error may be a stale object's (the cache lags the store): it
      // stands when the store still holds that object, else the next attempt reads the store's.
      if (!fromCache || a.started || (await storedRevision(reg.deps, key)) === cur.revision) throw err
    }
  }
}

/**
 * One attempt of updateObject from `a.cur`; undefined when another write won the race (or
 * `a.cur`, the cache's, was stale).
 */
async function updateAttempt(
  a: Attempt,
  ref: { namespace: string; name: string },
  transform: UpdateTransform,
): Promise<UpdateResult | undefined> {
  const { reg, s, cur, opts } = a
  const sub = opts.subresource ?? ""
  // Deep copies of the current object are made by parsing it again: cheaper than structuredClone.
  const copyOfOld = () => reg.toServed(s, decode(cur.value, cur.revision))
  // The watch cache's object when it is this revision (never changed here: only copies are), for
  // the kinds whose defaults leave status alone: a status write of another kind (or a custom
  // resource) defaults the whole object, whose spec and metadata would be the shared object's.
  const shared = sharesCurrent(s) ? cur.obj : undefined
  const old = shared ?? copyOfOld()
  const current = opts.shallowCurrent ? shallowCopy(old) : copyOfOld()
  const next = checkBody(s, await transform(current), ref.namespace, keptBy(s, sub))
  const meta = next.metadata as NonNullable<ApiObject["metadata"]>
  if (meta.name !== ref.name) throw nameMismatch(meta.name, ref.name)
  // Checked on the object read (`old`, which the transform leaves alone), once the transform has
  // made the written object and before defaults and admission change it. Upstream's store checks
  // it before its transformers run: a transform that can refuse (scale's) checks it itself first.
  checkUidPrecondition(s, ref, { wanted: opts.uidPrecondition, found: old.metadata?.uid ?? "" })
  // A status write keeps the old object but its status: the shared one's top level is copied.
  const base = shared ? () => shared : copyOfOld
  const d = reg.deps
  // Defaulted as it comes, before mutating admission, as upstream defaults every body it decodes
  // or patches ahead of its transformers: admission sees an ephemeral container or a status
  // with their defaults, and what the strategy compares with the stored object (the spec a
  // generation counts, a DaemonSet's template) is defaulted on both sides. Some subresource
  // writes have nothing to default (see needsDefaults); they are left as they are.
  if (sub === "" || needsDefaults(s, sub)) d.defaults(s.info, next)
  const admitted = await admittedUpdate(a, ref, next, old)
  // What the object needs from a shared pool (a Service's ClusterIP and NodePorts) is reserved
  // before the strategy prepares it, as upstream's BeginUpdate comes before BeforeUpdate, and
  // given back if the write does not happen. Only a main-resource write may change what it needs.
  const undo = sub === "" ? await d.allocate?.(s, next, old, !!opts.dryRun) : undefined
  let done: UpdateResult | undefined
  try {
    const req = preparedUpdate(a, admitted, old, base)
    done = await writeUpdate(a, req.object as ApiObject, old, req)
  } catch (err) {
    await undo?.()
    throw err
  }
  if (!done) await undo?.() // lost a race: the next attempt allocates again
  return done
}

/** Creates the object `transform` makes from nothing, or undefined when another create won. */
async function createMissing(
  reg: UpdateHost,
  s: Served,
  ref: { namespace: string; name: string },
  transform: UpdateTransform,
  opts: UpdateOptions,
): Promise<ApiObject | undefined> {
  // Upstream's store checks the precondition on the empty object it starts from, even where the
  // update may not create.
  checkUidPrecondition(s, ref, { wanted: opts.uidPrecondition, found: "" })
  if (!opts.createIfMissing) throw notFound(qualified(s), ref.name)
  const body = await transform(undefined)
  return reg.create(s, ref.namespace, body, { ...opts, createOnUpdate: true }).catch((err) => {
    if (err instanceof ApiError && err.reason === "AlreadyExists") return undefined
    throw err
  })
}

/**
 * Whether an update of subresource `sub` has anything to default: a binding sets spec.nodeName
 * and a condition, and a status write changes status alone (the rest is the stored object,
 * defaulted when written), which most kinds' defaults leave alone.
 */
function needsDefaults(s: Served, sub: string): boolean {
  if (sub === "binding") return false
  return sub !== "status" || !!s.info.custom || defaultsStatus(s.info)
}

/**
 * Whether an update may build on the watch cache's object itself rather than a copy: only where
 * defaulting, which runs on the whole object written, never reaches the parts kept from it (the
 * status a spec write keeps, the rest a status write keeps): the kinds whose status writes need
 * no defaults.
 */
function sharesCurrent(s: Served): boolean {
  return !needsDefaults(s, "status")
}

/** The top-level fields of a status write's body that it keeps (see statusWrite): the rest is the stored object's. */
const STATUS_WRITE_KEEPS = ["metadata", "status"] as const

/** The top-level fields of the body an update of subresource `sub` keeps; undefined for all of them. */
function keptBy(s: Served, sub: string): readonly string[] | undefined {
  return sub === "status" && hasStatus(s.info) ? STATUS_WRITE_KEEPS : undefined
}

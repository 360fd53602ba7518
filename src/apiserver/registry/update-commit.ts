/**
 * The write of a prepared update (the registry's update path, update.ts): validated and through
 * validating admission, compared with the stored object, and compare-and-swapped into the store
 * (or deleted, once nothing holds it any more).
 */
import type { ApiObject } from "../../api/index.ts"
import { KeyNotFoundError, RevisionConflictError } from "../../storage/index.ts"
import { jsonEqual } from "../../util/index.ts"
import {
  type AdmissionRequest,
  type MarkedValue,
  decode,
  encode,
  encodeMarkedRewrite,
  needsConversion,
  rememberWritten,
  stampRevision,
  storedRevision,
  withResourceVersion,
} from "./context.ts"
import { setObjectJson } from "../output.ts"
import { shouldDeleteDuringUpdate } from "./strategy.ts"
import { checkValid, storedForm, written } from "./write.ts"
import type { Attempt, UpdateResult } from "./update-attempt.ts"

/**
 * Checks and writes one prepared update; undefined when another write won the race, or when
 * `a.cur` was the cache's object (`a.fromCache`) and the store no longer holds it.
 */
export async function writeUpdate(
  a: Attempt,
  admitted: ApiObject,
  old: ApiObject,
  req: AdmissionRequest,
): Promise<UpdateResult | undefined> {
  const { reg, s, cur, opts } = a
  const revision = cur.revision
  if (opts.subresource !== "binding") checkValid(reg.deps, s, admitted, old, opts.subresource)
  if (!opts.admitted) await reg.deps.admission.validate(req)
  // Compared, stored and answered as the store reads it back: a [] written over a stored null is no change.
  const prepared = storedForm(s, admitted)
  // Served and stored forms are one when nothing converts: compare with the stored value as is.
  const marked =
    needsConversion(s) || s.info.custom
      ? undefined
      : encodeMarkedRewrite(prepared, { obj: old, value: cur.value })
  if (unchanged(marked?.value ?? encode(prepared), marked ? cur.value : encode(old), prepared, old)) {
    // No write: from the cache's object, only once the store is seen to hold it still.
    if (a.fromCache && (await storedRevision(reg.deps, a.key)) !== revision) return undefined
    return { object: old, created: false }
  }
  if (opts.dryRun) return { object: prepared, created: false }
  a.started = true
  return commit(a, prepared, old, marked)
}

/**
 * Whether an update, encoded `next`, leaves the object encoded `prev` as it was. Go encodes
 * fields in a fixed order, so upstream compares encodings; here a client's body may put the
 * same keys in another order (encodings of the same length then), so those are compared as
 * values.
 */
function unchanged(next: string, prev: string, obj: ApiObject, old: ApiObject): boolean {
  return next === prev || (next.length === prev.length && jsonEqual(obj, old))
}

/** Writes a checked update (see writeUpdate). */
async function commit(
  a: Attempt,
  prepared: ApiObject,
  old: ApiObject,
  marked: MarkedValue | undefined,
): Promise<UpdateResult | undefined> {
  const { reg, s, key } = a
  const revision = a.cur.revision
  const d = reg.deps
  if (shouldDeleteDuringUpdate(prepared)) {
    const e = await d.store.delete(key, revision).catch((err) => {
      if (err instanceof RevisionConflictError || err instanceof KeyNotFoundError) return undefined
      throw err
    })
    if (!e) return undefined
    await d.released?.(s, old, undefined)
    return { object: reg.toServed(s, decode(encode(prepared), e.revision)), created: false }
  }
  try {
    const e = await d.store.update(...written(d, key, s, prepared, marked?.value), revision)
    if (marked) rememberWritten(prepared, marked)
    await d.released?.(s, old, prepared)
    const rv = stampRevision(prepared, e.revision)
    // The response and watch event reuse the stored value, with the new resourceVersion spliced in.
    const json = marked && withResourceVersion(marked, rv)
    if (json) setObjectJson(prepared, json)
    return { object: prepared, created: false }
  } catch (err) {
    // Another write won the race: the next attempt starts again from what it wrote, as upstream's
    // GuaranteedUpdate does; a resourceVersion the request requires is then a Conflict there.
    if (err instanceof KeyNotFoundError || err instanceof RevisionConflictError) return undefined
    throw err
  }
}

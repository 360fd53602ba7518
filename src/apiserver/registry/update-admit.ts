/**
 * An update admitted and prepared (the registry's update path, update.ts): recorded in
 * managedFields, through mutating admission and the storage's guard, its resourceVersion
 * checked against the stored one, then prepared by the kind's strategy with the system fields
 * the stored object keeps.
 */
import { type ApiObject, conflict, type ObjectMeta } from "../../api/index.ts"
import { type AdmissionRequest, type RegistryDeps, type Served, timestamp } from "./context.ts"
import { namesNoRevision, sameRevision } from "../resource-version.ts"
import { prepareForUpdate } from "./strategy.ts"
import { recordUpdate, writeContext } from "../apply/index.ts"
import { qualified } from "./write.ts"
import { resourceVersionRequired } from "./unconditional-update.ts"
import type { Attempt, UpdateOptions } from "./update-attempt.ts"

/** The subresources whose writes managedFields record here (others are the server's own; a /scale write records its Scale's in its handler). */
const TRACKED_SUBRESOURCES = new Set(["", "status", "ephemeralcontainers", "resize"])

/**
 * The update of `old` to `next` as upstream's update handler's transformers make it: recorded
 * in managedFields and changed by mutating admission as written (the resourceVersion, uid and
 * creationTimestamp the client sent, or none), then checked against the stored resourceVersion
 * as Store.Update checks the object admission returned. Returns the admission request.
 */
export async function admittedUpdate(
  a: Attempt,
  ref: { namespace: string; name: string },
  next: ApiObject,
  old: ApiObject,
): Promise<AdmissionRequest> {
  const { reg, s, opts } = a
  const d = reg.deps
  const sub = opts.subresource ?? ""
  // A resize's managedFields count the resources admission set, once its strategy kept only
  // them (preparedUpdate): what admission changes elsewhere (LimitRanger's annotation, a
  // webhook's labels) is not stored.
  if (sub !== "resize") recordManagedUpdate(d, s, old, next, opts)
  // Mutating admission changes `next` in place (a webhook's patch replaces its contents).
  const req = updateRequest(a, ref, next, old)
  if (!opts.admitted) await d.admission.mutate(req)
  // The storage's own check, as upstream's storage wrappers add theirs after the update's
  // transformers and before their store reads the resourceVersion.
  await d.guard?.(req, ref.name)
  checkResourceVersion(a, ref.name, next, old)
  return req
}

/**
 * Checks the resourceVersion of an admitted update as upstream's Store.Update does: one that
 * is not the stored object's (the object's, or the one the request names elsewhere, a Scale's
 * or an eviction's) is a 409 Conflict; none (or "0") updates whatever is stored, the stored
 * one filled in. The Conflict names `name`, the URL's, as upstream's (admission may have
 * renamed the object: validation refuses that later).
 * @throws ApiError Conflict; a malformed one as upstream's versioner, a 500
 */
function checkResourceVersion(a: Attempt, name: string, next: ApiObject, old: ApiObject): void {
  const meta = (next.metadata ??= {})
  const stored = old.metadata?.resourceVersion
  // Kinds whose upstream strategy refuses unconditional updates want the object to name one.
  if (a.opts.versionRequired && namesNoRevision(meta.resourceVersion ?? "")) {
    throw resourceVersionRequired(a.s.info, name)
  }
  for (const rv of [meta.resourceVersion, a.opts.clientResourceVersion]) {
    if (!rv || namesNoRevision(rv)) continue
    if (!sameRevision(rv, stored)) {
      throw conflict(
        qualified(a.s),
        name,
        "the object has been modified; please apply your changes to the latest version and try again",
      )
    }
  }
  meta.resourceVersion = stored
}

/**
 * The object an admitted update writes, as upstream's BeforeUpdate prepares it: the kind's
 * strategy first, then the uid (when none was written), creationTimestamp and deletion fields
 * the stored object has; the admission request validation gets, its object the prepared one.
 */
export function preparedUpdate(
  a: Attempt,
  req: AdmissionRequest,
  old: ApiObject,
  base: () => ApiObject,
): AdmissionRequest {
  const { reg, s, opts } = a
  const d = reg.deps
  const sub = opts.subresource ?? ""
  const next = req.object as ApiObject
  const now = () => timestamp(d.clock.now())
  const prepared = prepareForUpdate(s.info, next as never, old as never, sub, now, base as never)
  keepSystemFields((prepared.metadata ??= {}), old.metadata as ObjectMeta)
  // A custom resource gets its schema's defaults again where the strategy kept the stored
  // object, as upstream's are applied again to the object it reads from storage.
  if (s.info.custom) d.defaults(s.info, prepared)
  if (sub === "resize") recordManagedUpdate(d, s, old, prepared, opts)
  return prepared === next ? req : { ...req, object: prepared }
}

/** The admission request of an update of `old` to `object`. */
function updateRequest(
  a: Attempt,
  ref: { namespace: string; name: string },
  object: ApiObject,
  old: ApiObject,
): AdmissionRequest {
  const { s, opts } = a
  return {
    operation: "UPDATE",
    info: s.info,
    namespace: ref.namespace,
    name: ref.name,
    subresource: opts.subresource ?? "",
    object,
    old,
    user: opts.user,
    dryRun: !!opts.dryRun,
    notes: opts.notes,
    origin: opts.origin,
  }
}

/** Records an update in managedFields when the write names a manager. */
function recordManagedUpdate(
  deps: RegistryDeps,
  s: Served,
  old: ApiObject,
  next: ApiObject,
  opts: UpdateOptions,
): void {
  const sub = opts.subresource ?? ""
  if (opts.fieldManager === undefined || !TRACKED_SUBRESOURCES.has(sub)) return
  recordUpdate(old, next, opts.fieldManager, writeContext(s.info, sub, deps.clock.now(), deps.customShape))
}

/**
 * Fills in what an update leaves to the stored object, as upstream's BeforeUpdate: the uid when
 * none was written, the creationTimestamp and deletionTimestamp, and the grace period when none
 * was written. Any other change to them is validation's to refuse (they are immutable).
 */
function keepSystemFields(meta: ObjectMeta, old: ObjectMeta): void {
  if (!meta.uid) meta.uid = old.uid
  if (old.creationTimestamp) meta.creationTimestamp = old.creationTimestamp
  if (old.deletionTimestamp) meta.deletionTimestamp = old.deletionTimestamp
  if (old.deletionGracePeriodSeconds !== undefined && meta.deletionGracePeriodSeconds === undefined) {
    meta.deletionGracePeriodSeconds = old.deletionGracePeriodSeconds
  }
}

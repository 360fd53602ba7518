/**
 * The generic registry: create, read, update and delete any resource on the store, with
 * upstream's metadata rules, optimistic concurrency, admission, defaulting and validation.
 * Creates are here; updates are in update.ts, deletes in delete.ts, the steps every write
 * shares in write.ts.
 */
import {
  ApiError,
  type ApiObject,
  alreadyExists,
  notFound,
  type ObjectMeta,
  unknownReason,
} from "../../api/index.ts"
import { goParseUint } from "../../util/index.ts"
import { KeyExistsError } from "../../storage/index.ts"
import {
  type AdmissionRequest,
  type RegistryDeps,
  keptAt,
  decode,
  encodeMarked,
  generateName,
  keyFor,
  needsConversion,
  newUid,
  rememberWritten,
  resourceVersionParts,
  stampRevision,
  timestamp,
  type Served,
} from "./context.ts"
import { setObjectJsonParts } from "../output.ts"
import type { PackedObject } from "../cache-objects.ts"
import { hasStatus, isService, nameFromGenerateName, prepareForCreate } from "./strategy.ts"
import { deleteObject, type DeleteOptions, type DeleteResult } from "./delete.ts"
import { recordUpdate, writeContext } from "../apply/index.ts"
import { updateObject, type UpdateOptions, type UpdateResult, type UpdateTransform } from "./update.ts"
import { type WriteOptions, checkBody, checkValid, qualified, storedForm, written } from "./write.ts"

/** How many names a create with generateName tries (upstream's maxNameGenerationCreateAttempts). */
const GENERATE_NAME_ATTEMPTS = 8

/**
 * Refuses the resourceVersion of a create an update makes when it does not parse, once
 * admitted and before it is prepared, as upstream's Store.Update reads it (its versioner) ahead
 * of BeginCreate: that error, a 500 without reason, before validation.
 */
function checkParses(rv: string | undefined): void {
  const parsed = rv ? goParseUint(rv) : undefined
  if (parsed?.error !== undefined) throw unknownReason(parsed.error)
}

/** The generic registry over one store. */
export class Registry {
  readonly #d: RegistryDeps

  constructor(deps: RegistryDeps) {
    this.#d = deps
  }

  /** The deps, for operations kept in other files. */
  get deps(): RegistryDeps {
    return this.#d
  }

  /** Reads the current object from the store, converted to the served version. */
  async get(s: Served, namespace: string, name: string): Promise<ApiObject> {
    const e = await this.#d.store.get(keyFor(s, namespace, name))
    if (!e) throw notFound(qualified(s), name)
    return this.toServed(s, decode(e.value, e.revision))
  }

  /**
   * get for a reader that only encodes the object: the watch cache's object when it is at the
   * revision the store holds (shared with every reader, so never to be changed; its JSON is
   * usually known already), as the cache keeps it (a packed one as its JSON, not parsed), else
   * the stored value parsed as get does.
   */
  async read(s: Served, namespace: string, name: string): Promise<ApiObject | PackedObject> {
    const key = keyFor(s, namespace, name)
    const e = await this.#d.store.get(key)
    if (!e) throw notFound(qualified(s), name)
    return keptAt(this.#d, s, key, e.revision) ?? this.toServed(s, decode(e.value, e.revision))
  }

  /** Converts a stored object to the served version. */
  toServed(s: Served, obj: ApiObject): ApiObject {
    return this.servesStored(s) ? obj : this.#d.convert(obj, s.info, s.info.version)
  }

  /** Whether objects are served as stored (toServed gives them back unchanged). */
  servesStored(s: Served): boolean {
    // Custom resources may still be stored at a CRD's former storage version: always converted.
    return !(needsConversion(s) || s.info.custom)
  }

  /**
   * Creates an object, in upstream's order: the decoded object, defaulted, is recorded in
   * managedFields and goes through mutating admission as its client wrote it (no uid, no
   * creationTimestamp, a generateName without a name); then it gets its name, uid and
   * creationTimestamp and the kind's strategy prepares it (status, generation and the like);
   * then it is validated, goes through validating admission and is stored.
   * @throws ApiError AlreadyExists, Invalid, BadRequest
   */
  async create(s: Served, namespace: string, body: unknown, opts: WriteOptions = {}): Promise<ApiObject> {
    const obj = checkBody(s, body, namespace)
    const d = this.#d
    d.defaults(s.info, obj)
    if (opts.fieldManager !== undefined) {
      const ctx = writeContext(s.info, "", d.clock.now(), d.customShape)
      recordUpdate(undefined, obj, opts.fieldManager, ctx)
    }
    const req = {
      operation: "CREATE" as const,
      info: s.info,
      namespace,
      name: obj.metadata?.name ?? "",
      subresource: "",
      object: obj,
      user: opts.user,
      dryRun: !!opts.dryRun,
      notes: opts.notes,
      origin: opts.origin,
    }
    await d.admission.mutate(req)
    // Read here, after admission: a webhook's patch replaces the metadata.
    const meta = (obj.metadata ??= {})
    // A POST names nothing on its URL; a create an update makes names the object it creates.
    // Awaited only when it answers with a promise, as the allocation and the authorization below:
    // a pod's create has none of them to wait for.
    const guarded = d.guard?.(req, opts.createOnUpdate ? (meta.name ?? "") : "")
    if (guarded) await guarded
    if (opts.createOnUpdate) checkParses(meta.resourceVersion)
    if (meta.name || !meta.generateName) return this.#createNamed(s, namespace, obj, req, 0, opts)
    // Most kinds: a generated name already taken when stored is replaced by another and the
    // object stored again. Not a Service, whose addresses are reserved under its name: its
    // create runs again from the admitted object under another name, as upstream's
    // createWithGenerateNameRetry reruns its create (name and uid, allocation, strategy,
    // validation, validating admission, storage) on a copy. Copying every generated-name
    // object (each pod a ReplicaSet creates) would cost a fifth of its create for a collision
    // that almost never happens.
    if (!isService(s.info)) return this.#createNamed(s, namespace, obj, req, GENERATE_NAME_ATTEMPTS - 1, opts)
    const admitted = structuredClone(obj)
    for (let attempt = 1; ; attempt++) {
      const o = attempt === 1 ? obj : structuredClone(admitted)
      try {
        return await this.#createNamed(s, namespace, o, { ...req, object: o }, 0, opts, true)
      } catch (err) {
        if (
          !(err instanceof ApiError && err.reason === "AlreadyExists") ||
          attempt >= GENERATE_NAME_ATTEMPTS
        ) {
          throw err
        }
      }
    }
  }

  /**
   * Creates an admitted object once (a `generated` name is generated first): upstream's
   * Store.create from BeginCreate to storage. `renames`: how many other generated names the
   * prepared object is stored under, one after the other, while its name is taken.
   * @throws ApiError AlreadyExists, Invalid
   */
  async #createNamed(
    s: Served,
    namespace: string,
    obj: ApiObject,
    req: AdmissionRequest,
    renames: number,
    opts: WriteOptions,
    generated = renames > 0,
  ): Promise<ApiObject> {
    const d = this.#d
    const managed = this.#fillSystemFields(s, obj.metadata as ObjectMeta, generated)
    // What the object needs from a shared pool (a Service's ClusterIP and NodePorts) is reserved
    // once it has its name, before the strategy prepares it, as upstream's BeginCreate comes
    // before BeforeCreate: validation and validating admission see it, and it is given back if
    // the create does not happen.
    const allocating = d.allocate?.(s, obj, undefined, !!opts.dryRun)
    const undo = allocating && (await allocating)
    try {
      this.#prepare(s, obj, managed, opts)
      checkValid(d, s, obj)
      if (opts.authorizeCreate) await opts.authorizeCreate()
      // Validating admission sees the generated name, as upstream's names an unnamed request.
      await d.admission.validate(req.name ? req : { ...req, name: obj.metadata?.name ?? "" })
      const stored = storedForm(s, obj)
      if (opts.dryRun) {
        // Nothing is written, but a name already taken is refused, as upstream's dry-run storage
        // looks the key up before answering with the object.
        const name = stored.metadata?.name as string
        if (await d.store.get(keyFor(s, namespace, name))) throw alreadyExists(qualified(s), name)
        return stored
      }
      for (let attempt = 0; ; attempt++) {
        try {
          return await this.#store(s, namespace, stored, !!opts.createOnUpdate)
        } catch (err) {
          if (attempt >= renames || !(err instanceof ApiError && err.reason === "AlreadyExists")) throw err
          const meta = stored.metadata as ObjectMeta
          meta.name = nameFromGenerateName(s.info, meta.generateName as string, generateName)
        }
      }
    } catch (err) {
      await undo?.()
      throw err
    }
  }

  /**
   * Gives the metadata of an admitted object to be created its name (`generated` from its
   * generateName) and uid, without the fields a client may not set (upstream's
   * FillObjectMetaSystemFields and generated name). Returns its managedFields, taken out until
   * #prepare puts them back last.
   */
  #fillSystemFields(s: Served, meta: ObjectMeta, generated: boolean): ObjectMeta["managedFields"] {
    if (generated) meta.name = nameFromGenerateName(s.info, meta.generateName as string, generateName)
    // The server's fields follow the client's in Go's ObjectMeta order (uid, generation,
    // creationTimestamp, managedFields last), whatever place the client (kubectl's
    // `creationTimestamp: null`) or a webhook's patch gave the ones set again here.
    const managed = meta.managedFields
    if (managed !== undefined) delete meta.managedFields
    if (meta.creationTimestamp !== undefined) delete meta.creationTimestamp
    if (meta.generation !== undefined) delete meta.generation
    meta.uid = newUid()
    delete meta.deletionTimestamp
    delete meta.deletionGracePeriodSeconds
    delete meta.selfLink
    return managed
  }

  /**
   * Prepares a named object to be created as upstream's BeforeCreate: the strategy's
   * PrepareForCreate (status, generation), its creationTimestamp, and `managed` back last.
   */
  #prepare(s: Served, obj: ApiObject, managed: ObjectMeta["managedFields"], opts: WriteOptions): void {
    const d = this.#d
    const meta = obj.metadata as ObjectMeta
    const now = timestamp(d.clock.now())
    // The strategy sets generation; it reads the create's time from its context, not the object.
    prepareForCreate(s.info, obj, { now, user: opts.user })
    meta.creationTimestamp = now
    // A custom resource's status the strategy reset gets its schema's defaults again, as
    // upstream's are applied again when the created object is read back from storage.
    if (s.info.custom && hasStatus(s.info)) d.defaults(s.info, obj)
    if (managed !== undefined) meta.managedFields = managed
  }

  /** Stores a prepared object. @throws ApiError AlreadyExists when its name is taken */
  async #store(s: Served, namespace: string, obj: ApiObject, onUpdate: boolean): Promise<ApiObject> {
    const meta = obj.metadata as NonNullable<ApiObject["metadata"]>
    // A resourceVersion the client or admission left is the storage's to refuse, as upstream's
    // etcd store refuses it once everything else passed (a plain error: 500, no reason); "0" or
    // one that does not parse is dropped, as its versioner reads them as none. A create an
    // update makes drops any (its storage's update prepares the object so; one that does not
    // parse was refused before, see create).
    const rv = meta.resourceVersion
    if (rv && !onUpdate) {
      const p = goParseUint(rv)
      if (p.error === undefined && p.value !== 0n) {
        throw unknownReason("resourceVersion should not be set on objects to be created")
      }
    }
    // A custom resource's keeps its place for the revision (customStoredForm), JSON leaves it out.
    if (s.info.custom) meta.resourceVersion = undefined
    else delete meta.resourceVersion
    // Stored as served (most kinds): the response's JSON is the value with its resourceVersion
    // (last in metadata, not a custom resource's in its sorted place).
    const marked = needsConversion(s) || s.info.custom ? undefined : encodeMarked(obj)
    const key = keyFor(s, namespace, meta.name as string)
    const e = await this.#d.store.create(...written(this.#d, key, s, obj, marked?.value)).catch((err) => {
      throw err instanceof KeyExistsError ? alreadyExists(qualified(s), meta.name as string) : err
    })
    // The object as written, with its new resourceVersion: no need to parse it back.
    const stamped = stampRevision(obj, e.revision)
    // As bytes laid out as its ADDED event: the response, the event and lists share them.
    const parts = marked && resourceVersionParts(marked, stamped)
    if (parts) setObjectJsonParts(obj, "ADDED", parts)
    if (marked) rememberWritten(obj, marked)
    return obj
  }

  /**
   * Reads, transforms and writes back an object, retrying on concurrent writes unless the
   * client named the resourceVersion it expects (see update.ts).
   */
  update(
    s: Served,
    ref: { namespace: string; name: string },
    transform: UpdateTransform,
    opts: UpdateOptions = {},
  ): Promise<UpdateResult> {
    return updateObject(this, s, ref, transform, opts)
  }

  /** Deletes an object gracefully or at once (see delete.ts). */
  delete(s: Served, ref: { namespace: string; name: string }, opts: DeleteOptions): Promise<DeleteResult> {
    return deleteObject(this, s, ref, opts)
  }
}

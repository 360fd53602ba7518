/**
 * Metadata validation on create and update (apimachinery `api/validation/objectmeta.go` plus
 * the core group's finalizer rule): name format per kind, namespace presence, labels,
 * annotations, owner references, finalizers and the fields an update may not change.
 */
import type { ObjectMeta, OwnerReference } from "kubernetes-types/meta/v1.js"
import type { FieldError } from "../errors.ts"
import { forbidden, invalidValue, required, tooLong } from "../field-errors.ts"
import { child, immutable, index, list, pushInvalid } from "./_field.ts"
import { validateLabelName, validateLabels } from "./labels.ts"
import { isDns1123Label, isQualifiedName, nameIsPathSegment, type NameValidator } from "./names.ts"

/** The most bytes all annotation keys and values of one object may take together. */
export const TOTAL_ANNOTATION_SIZE_LIMIT = 256 * 1024

const STANDARD_FINALIZERS = new Set(["kubernetes", "orphan", "foregroundDeletion"])

/** How a kind's metadata is checked. */
export interface MetaOptions {
  readonly namespaced: boolean
  readonly name: NameValidator
}

/** Annotation keys (checked lower-cased) and their total size. */
export function validateAnnotations(
  annotations: Readonly<Record<string, string>> | undefined,
  field: string,
): FieldError[] {
  const errs: FieldError[] = []
  let size = 0
  if (!annotations || typeof annotations !== "object") return errs
  for (const k in annotations) {
    const v = annotations[k]
    pushInvalid(errs, field, k, isQualifiedName(k.toLowerCase()))
    size += Buffer.byteLength(k) + Buffer.byteLength(String(v))
  }
  if (size > TOTAL_ANNOTATION_SIZE_LIMIT) errs.push(tooLong(field, TOTAL_ANNOTATION_SIZE_LIMIT))
  return errs
}

function versionOf(apiVersion: string): string {
  const parts = apiVersion.split("/")
  if (parts.length === 1) return parts[0] ?? ""
  return parts.length === 2 ? (parts[1] ?? "") : ""
}

/** Owner references: required fields, banned owners and at most one controller. */
export function validateOwnerReferences(
  refs: readonly OwnerReference[] | undefined,
  field: string,
): FieldError[] {
  const errs: FieldError[] = []
  let firstController = ""
  for (const ref of list(refs)) {
    const apiVersion = ref.apiVersion ?? ""
    const version = versionOf(apiVersion)
    if (!version) errs.push(invalidValue(child(field, "apiVersion"), apiVersion, "version must not be empty"))
    if (!ref.kind) errs.push(invalidValue(child(field, "kind"), ref.kind ?? "", "must not be empty"))
    if (!ref.name) errs.push(invalidValue(child(field, "name"), ref.name ?? "", "must not be empty"))
    if (!ref.uid) errs.push(invalidValue(child(field, "uid"), ref.uid ?? "", "must not be empty"))
    if (apiVersion === "v1" && ref.kind === "Event") {
      errs.push(invalidValue(field, ref, "/v1, Kind=Event is disallowed from being an owner"))
    }
    if (ref.controller) {
      const current = `${ref.kind}/${ref.name}`
      if (firstController) {
        errs.push(
          invalidValue(
            field,
            refs,
            `Only one reference can have Controller set to true. Found "true" in references for ${firstController} and ${current}`,
          ),
        )
      } else firstController = current
    }
  }
  return errs
}

/** Finalizer names: qualified names, not both orphan and foregroundDeletion, and unprefixed ones standard. */
export function validateFinalizers(finalizers: readonly string[] | undefined, field: string): FieldError[] {
  const errs: FieldError[] = []
  const all = list(finalizers)
  for (const f of all) errs.push(...validateLabelName(f, field))
  if (all.includes("orphan") && all.includes("foregroundDeletion")) {
    errs.push(invalidValue(field, all, "finalizer orphan and foregroundDeletion cannot be both set"))
  }
  all.forEach((f, i) => errs.push(...validateKubeFinalizerName(f, index(field, i))))
  return errs
}

/** An unprefixed finalizer must be one Kubernetes defines. */
export function validateKubeFinalizerName(name: string, field: string): FieldError[] {
  if (name.includes("/") || STANDARD_FINALIZERS.has(name)) return []
  return [invalidValue(field, name, "name is neither a standard finalizer name nor is it fully qualified")]
}

function validateCommon(meta: ObjectMeta, namespaced: boolean | undefined, field: string): FieldError[] {
  const errs: FieldError[] = []
  if (namespaced !== undefined) {
    const ns = meta.namespace ?? ""
    if (namespaced) {
      if (!ns) errs.push(required(child(field, "namespace"), ""))
      else {
        const msgs = isDns1123Label(ns)
        if (msgs.length) pushInvalid(errs, child(field, "namespace"), ns, msgs)
      }
    } else if (ns) {
      errs.push(forbidden(child(field, "namespace"), "not allowed on this type"))
    }
  }
  if ((meta.generation ?? 0) < 0) {
    errs.push(invalidValue(child(field, "generation"), meta.generation, "must be greater than or equal to 0"))
  }
  errs.push(...validateLabels(meta.labels, child(field, "labels")))
  errs.push(...validateAnnotations(meta.annotations, child(field, "annotations")))
  errs.push(...validateOwnerReferences(meta.ownerReferences, child(field, "ownerReferences")))
  return errs
}

/** Metadata of an object being created (its name already generated). */
export function validateObjectMeta(
  meta: ObjectMeta | undefined,
  opts: MetaOptions,
  field = "metadata",
): FieldError[] {
  const m = meta ?? {}
  const errs: FieldError[] = []
  if (m.generateName) {
    const msgs = opts.name(m.generateName, true)
    if (msgs.length) pushInvalid(errs, child(field, "generateName"), m.generateName, msgs)
  }
  if (!m.name) errs.push(required(child(field, "name"), "name or generateName is required"))
  else {
    const msgs = opts.name(m.name, false)
    if (msgs.length) pushInvalid(errs, child(field, "name"), m.name, msgs)
  }
  errs.push(...validateCommon(m, opts.namespaced, field))
  errs.push(...validateFinalizers(m.finalizers, child(field, "finalizers")))
  return errs
}

/** Metadata of an update: what may not change, plus the checks every write gets. */
export function validateObjectMetaUpdate(
  meta: ObjectMeta | undefined,
  old: ObjectMeta | undefined,
  field = "metadata",
): FieldError[] {
  const m = meta ?? {}
  const o = old ?? {}
  const errs: FieldError[] = []
  if (o.deletionTimestamp) {
    const added = [...new Set(list(m.finalizers))].filter((f) => !list(o.finalizers).includes(f)).sort()
    if (added.length) {
      errs.push(
        forbidden(
          child(field, "finalizers"),
          `no new finalizers can be added if the object is being deleted, found new finalizers []string{${added.map((f) => JSON.stringify(f)).join(", ")}}`,
        ),
      )
    }
  }
  if (!m.resourceVersion) {
    errs.push(
      invalidValue(
        child(field, "resourceVersion"),
        m.resourceVersion ?? "",
        "must be specified for an update",
      ),
    )
  }
  if ((m.generation ?? 0) < (o.generation ?? 0)) {
    errs.push(invalidValue(child(field, "generation"), m.generation ?? 0, "must not be decremented"))
  }
  for (const f of [
    "name",
    "namespace",
    "uid",
    "creationTimestamp",
    "deletionTimestamp",
    "deletionGracePeriodSeconds",
  ] as const) {
    // Go prints a zero time or a nil pointer as null, an empty string as ""
    const fallback = f === "name" || f === "namespace" || f === "uid" ? "" : null
    errs.push(...immutable(child(field, f), m[f] ?? fallback, o[f] ?? fallback))
  }
  errs.push(...validateLabels(m.labels, child(field, "labels")))
  errs.push(...validateAnnotations(m.annotations, child(field, "annotations")))
  errs.push(...validateOwnerReferences(m.ownerReferences, child(field, "ownerReferences")))
  list(m.finalizers).forEach((f, i) =>
    errs.push(...validateKubeFinalizerName(f, index(child(field, "finalizers"), i))),
  )
  return errs
}

/**
 * The generic metadata check upstream's registry runs on every object (rest.BeforeCreate and
 * BeforeUpdate), for kinds whose own validation leaves metadata out: on create, once the kind's
 * errors `errs` are none, path-segment names; on update, the immutable fields, before `errs`.
 */
export function genericObjectMeta(
  meta: ObjectMeta | undefined,
  old: ObjectMeta | undefined,
  namespaced: boolean,
  errs: FieldError[],
): FieldError[] {
  if (old) return [...validateObjectMetaUpdate(meta, old), ...errs]
  return errs.length ? errs : validateObjectMeta(meta, { namespaced, name: nameIsPathSegment })
}

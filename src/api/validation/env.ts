/**
 * Container environment (core validation's env rules): variable names, valueFrom sources
 * and downward API field references, and envFrom sources.
 */
import type { EnvFromSource, EnvVar, ObjectFieldSelector } from "kubernetes-types/core/v1.js"
import type { FieldError } from "../errors.ts"
import { invalidValue, notSupported, required } from "../field-errors.ts"
import { child, index, list } from "./_field.ts"
import { isConfigMapKey, isEnvVarName } from "./formats.ts"
import { isDns1123Subdomain, isQualifiedName } from "./names.ts"

const ENV_FIELD_PATHS = [
  "metadata.name",
  "metadata.namespace",
  "metadata.uid",
  "spec.nodeName",
  "spec.serviceAccountName",
  "status.hostIP",
  "status.hostIPs",
  "status.podIP",
  "status.podIPs",
]
const RESOURCE_FIELDS = [
  "limits.cpu",
  "limits.ephemeral-storage",
  "limits.memory",
  "requests.cpu",
  "requests.ephemeral-storage",
  "requests.memory",
]

/** A downward API field reference: a supported path, or a label or annotation by key. */
function validateFieldRef(ref: ObjectFieldSelector, field: string): FieldError[] {
  if (!ref.apiVersion) return [required(child(field, "apiVersion"), "")]
  if (!ref.fieldPath) return [required(child(field, "fieldPath"), "")]
  const m = /^(metadata\.(?:labels|annotations))\['(.*)'\]$/.exec(ref.fieldPath)
  if (m) {
    const k = m[1] === "metadata.annotations" ? (m[2] ?? "").toLowerCase() : (m[2] ?? "")
    return isQualifiedName(k).map((msg) => invalidValue(field, k, msg))
  }
  return ENV_FIELD_PATHS.includes(ref.fieldPath)
    ? []
    : [notSupported(child(field, "fieldPath"), ref.fieldPath, ENV_FIELD_PATHS)]
}

function validateKeySelector(sel: { name?: string; key?: string }, field: string): FieldError[] {
  const errs = isDns1123Subdomain(sel.name ?? "").map((m) =>
    invalidValue(child(field, "name"), sel.name ?? "", m),
  )
  if (!sel.key) errs.push(required(child(field, "key"), ""))
  else errs.push(...isConfigMapKey(sel.key).map((m) => invalidValue(child(field, "key"), sel.key, m)))
  return errs
}

/** A container's env: names, and exactly one valueFrom source when no value is given. */
export function validateEnv(env: readonly EnvVar[] | undefined, field: string): FieldError[] {
  const errs: FieldError[] = []
  const vars = list(env)
  // A loop, paths spelled out only for an error: pods often have dozens of variables.
  for (let i = 0; i < vars.length; i++) {
    const ev = vars[i] as EnvVar
    if (!ev.name) errs.push(required(child(index(field, i), "name"), ""))
    else {
      const bad = isEnvVarName(ev.name)
      if (bad.length) errs.push(...bad.map((m) => invalidValue(child(index(field, i), "name"), ev.name, m)))
    }
    if (ev.valueFrom) errs.push(...validateValueFrom(ev, child(index(field, i), "valueFrom")))
  }
  return errs
}

/** An env var's valueFrom (at `vf`): exactly one source, and no value beside it. */
function validateValueFrom(ev: EnvVar, vf: string): FieldError[] {
  const errs: FieldError[] = []
  const from = ev.valueFrom as NonNullable<EnvVar["valueFrom"]>
  let sources = 0
  if (from.fieldRef) {
    sources++
    errs.push(...validateFieldRef(from.fieldRef, child(vf, "fieldRef")))
  }
  if (from.resourceFieldRef) {
    sources++
    const res = from.resourceFieldRef.resource ?? ""
    const path = child(vf, "resourceFieldRef", "resource")
    if (!res) errs.push(required(path, ""))
    else if (!RESOURCE_FIELDS.includes(res) && !/^(requests|limits)\.hugepages-/.test(res)) {
      errs.push(notSupported(path, res, RESOURCE_FIELDS))
    }
  }
  if (from.configMapKeyRef) {
    sources++
    errs.push(...validateKeySelector(from.configMapKeyRef, child(vf, "configMapKeyRef")))
  }
  if (from.secretKeyRef) {
    sources++
    errs.push(...validateKeySelector(from.secretKeyRef, child(vf, "secretKeyRef")))
  }
  if (sources === 0) {
    errs.push(
      invalidValue(
        vf,
        "",
        "must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`",
      ),
    )
  } else if (ev.value) {
    errs.push(invalidValue(vf, "", "may not be specified when `value` is not empty"))
  } else if (sources > 1) {
    errs.push(invalidValue(vf, "", "may not have more than one field specified at a time"))
  }
  return errs
}

/** A container's envFrom: prefixes and exactly one ConfigMap or Secret reference. */
export function validateEnvFrom(envFrom: readonly EnvFromSource[] | undefined, field: string): FieldError[] {
  const errs: FieldError[] = []
  list(envFrom).forEach((src, i) => {
    const p = index(field, i)
    if (src.prefix)
      errs.push(...isEnvVarName(src.prefix).map((m) => invalidValue(child(p, "prefix"), src.prefix, m)))
    let sources = 0
    for (const k of ["configMapRef", "secretRef"] as const) {
      const ref = src[k]
      if (!ref) continue
      sources++
      const namePath = child(p, k, "name")
      if (!ref.name) errs.push(required(namePath, ""))
      else errs.push(...isDns1123Subdomain(ref.name).map((m) => invalidValue(namePath, ref.name, m)))
    }
    if (sources === 0)
      errs.push(invalidValue(field, "", "must specify one of: `configMapRef` or `secretRef`"))
    else if (sources > 1)
      errs.push(invalidValue(field, "", "may not have more than one field specified at a time"))
  })
  return errs
}

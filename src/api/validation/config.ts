/**
 * ConfigMaps and Secrets (core validation): keys, the 1 MiB size limit, per-type required
 * Secret keys, and what `immutable: true` and the Secret type freeze on update.
 */
import type { ConfigMap, Secret } from "kubernetes-types/core/v1.js"
import type { FieldError } from "../errors.ts"
import { forbidden, invalidValue, required, tooLong } from "../field-errors.ts"
import { deepEqual, entries, immutable, key } from "./_field.ts"
import { nameIsDnsSubdomain } from "./names.ts"
import { isConfigMapKey } from "./formats.ts"
import { validateObjectMeta, validateObjectMetaUpdate } from "./object-meta.ts"

/** The most bytes of data one ConfigMap or Secret may hold. */
export const MAX_DATA_SIZE = 1024 * 1024

/** The decoded size of a base64 value. */
function base64Size(value: string): number {
  const s = value.replace(/\s/g, "")
  const pad = s.endsWith("==") ? 2 : s.endsWith("=") ? 1 : 0
  return Math.floor((s.length * 3) / 4) - pad
}

function decode(value: string | undefined): string {
  return Buffer.from(value ?? "", "base64").toString("utf8")
}

/** A ConfigMap on create, or on update when `old` is given. */
export function validateConfigMap(cm: ConfigMap, old?: ConfigMap): FieldError[] {
  const errs: FieldError[] = []
  if (old) {
    errs.push(...validateObjectMetaUpdate(cm.metadata, old.metadata))
    if (old.immutable) {
      const detail = "field is immutable when `immutable` is set"
      if (!cm.immutable) errs.push(forbidden("immutable", detail))
      if (!deepEqual(cm.data ?? {}, old.data ?? {})) errs.push(forbidden("data", detail))
      if (!deepEqual(cm.binaryData ?? {}, old.binaryData ?? {})) errs.push(forbidden("binaryData", detail))
    }
  }
  errs.push(...validateObjectMeta(cm.metadata, { namespaced: true, name: nameIsDnsSubdomain }))
  let size = 0
  for (const [k, v] of entries(cm.data)) {
    errs.push(...isConfigMapKey(k).map((m) => invalidValue(key("data", k), k, m)))
    if (cm.binaryData && k in cm.binaryData)
      errs.push(invalidValue(key("data", k), k, "duplicate of key present in binaryData"))
    size += Buffer.byteLength(String(v))
  }
  for (const [k, v] of entries(cm.binaryData)) {
    errs.push(...isConfigMapKey(k).map((m) => invalidValue(key("binaryData", k), k, m)))
    size += base64Size(String(v))
  }
  // The empty path means the whole object, as upstream reports it
  if (size > MAX_DATA_SIZE) errs.push(tooLong("", MAX_DATA_SIZE))
  return errs
}

/** A docker config key must be present and hold a JSON object. */
function validateDockerConfig(data: Readonly<Record<string, string>>, k: string): FieldError[] {
  if (!(k in data)) return [required(key("data", k), "")]
  try {
    const parsed: unknown = JSON.parse(decode(data[k]))
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed))
      throw new SyntaxError("not a JSON object")
    return []
  } catch (err) {
    return [invalidValue(key("data", k), "<secret contents redacted>", (err as Error).message)]
  }
}

function validateSecretType(s: Secret): FieldError[] {
  const data = s.data ?? {}
  const has = (k: string): boolean => k in data
  switch (s.type ?? "") {
    case "kubernetes.io/service-account-token":
      return s.metadata?.annotations?.["kubernetes.io/service-account.name"]
        ? []
        : [required(key("metadata.annotations", "kubernetes.io/service-account.name"), "")]
    case "kubernetes.io/dockercfg":
      return validateDockerConfig(data, ".dockercfg")
    case "kubernetes.io/dockerconfigjson":
      return validateDockerConfig(data, ".dockerconfigjson")
    case "kubernetes.io/basic-auth":
      return has("username") || has("password")
        ? []
        : [required("data[username]", ""), required("data[password]", "")]
    case "kubernetes.io/ssh-auth":
      return decode(data["ssh-privatekey"]).length ? [] : [required("data[ssh-privatekey]", "")]
    case "kubernetes.io/tls": {
      const errs: FieldError[] = []
      if (!has("tls.crt")) errs.push(required("data[tls.crt]", ""))
      if (!has("tls.key")) errs.push(required("data[tls.key]", ""))
      return errs
    }
    default:
      return []
  }
}

/** A Secret on create, or on update when `old` is given. */
export function validateSecret(s: Secret, old?: Secret): FieldError[] {
  const errs: FieldError[] = []
  if (old) {
    errs.push(...validateObjectMetaUpdate(s.metadata, old.metadata))
    errs.push(...immutable("type", s.type ?? "", old.type ?? ""))
    if (old.immutable) {
      const detail = "field is immutable when `immutable` is set"
      if (!s.immutable) errs.push(forbidden("immutable", detail))
      if (!deepEqual(s.data ?? {}, old.data ?? {})) errs.push(forbidden("data", detail))
    }
  }
  errs.push(...validateObjectMeta(s.metadata, { namespaced: true, name: nameIsDnsSubdomain }))
  let size = 0
  for (const [k, v] of entries(s.data)) {
    errs.push(...isConfigMapKey(k).map((m) => invalidValue(key("data", k), k, m)))
    size += base64Size(String(v))
  }
  if (size > MAX_DATA_SIZE) errs.push(tooLong("data", MAX_DATA_SIZE))
  errs.push(...validateSecretType(s))
  return errs
}

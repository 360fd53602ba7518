/**
 * Pod volumes (core validation's volume rules): unique DNS-label names, exactly one source
 * each, the common sources' required fields, and the path rules mounts and items share.
 */
import type { KeyToPath, Volume } from "kubernetes-types/core/v1.js"
import type { FieldError } from "../errors.ts"
import { duplicate, forbidden, invalidValue, notSupported, required } from "../field-errors.ts"
import { child, index, list } from "./_field.ts"
import { parseQuantity } from "../quantity.ts"
import { isDns1123Label } from "./names.ts"

/** Volume sources in the order upstream checks them, with the path name its errors use. */
const SOURCES: readonly [string, string][] = [
  ["emptyDir", "emptyDir"],
  ["hostPath", "hostPath"],
  ["gitRepo", "gitRepo"],
  ["gcePersistentDisk", "gcePersistentDisk"],
  ["awsElasticBlockStore", "awsElasticBlockStore"],
  ["secret", "secret"],
  ["nfs", "nfs"],
  ["iscsi", "iscsi"],
  ["glusterfs", "glusterfs"],
  ["flocker", "flocker"],
  ["persistentVolumeClaim", "persistentVolumeClaim"],
  ["rbd", "rbd"],
  ["cinder", "cinder"],
  ["cephfs", "cephFS"],
  ["quobyte", "quobyte"],
  // upstream's typo, kept so the messages match
  ["downwardAPI", "downwarAPI"],
  ["fc", "fc"],
  ["flexVolume", "flexVolume"],
  ["configMap", "configMap"],
  ["azureFile", "azureFile"],
  ["vsphereVolume", "vsphereVolume"],
  ["photonPersistentDisk", "photonPersistentDisk"],
  ["portworxVolume", "portworxVolume"],
  ["azureDisk", "azureDisk"],
  ["storageos", "storageos"],
  ["projected", "projected"],
  ["scaleIO", "scaleIO"],
  ["csi", "csi"],
  ["ephemeral", "ephemeral"],
  ["image", "image"],
]

const FILE_MODE_ERROR = "must be a number between 0 and 0777 (octal), both inclusive"
const HOST_PATH_TYPES = [
  "",
  "BlockDevice",
  "CharDevice",
  "Directory",
  "DirectoryOrCreate",
  "File",
  "FileOrCreate",
  "Socket",
]
const PULL_POLICIES = ["Always", "IfNotPresent", "Never"]

/** A path with no `..` element. */
export function validatePathNoBacksteps(path: string, field: string): FieldError[] {
  return path.replace(/\\/g, "/").split("/").includes("..")
    ? [invalidValue(field, path, "must not contain '..'")]
    : []
}

/** A relative path with no `..` element. */
export function validateLocalDescendingPath(path: string, field: string): FieldError[] {
  const errs = path.startsWith("/") ? [invalidValue(field, path, "must be a relative path")] : []
  return [...errs, ...validatePathNoBacksteps(path, field)]
}

/** A relative path that neither contains nor starts with `..`. */
export function validateLocalNonReservedPath(path: string, field: string): FieldError[] {
  const errs = validateLocalDescendingPath(path, field)
  if (path.startsWith("..") && !path.startsWith("../"))
    errs.push(invalidValue(field, path, "must not start with '..'"))
  return errs
}

function validateMode(mode: number | undefined, field: string): FieldError[] {
  return mode !== undefined && (mode > 0o777 || mode < 0) ? [invalidValue(field, mode, FILE_MODE_ERROR)] : []
}

function validateItems(items: readonly KeyToPath[] | undefined, field: string): FieldError[] {
  const errs: FieldError[] = []
  list(items).forEach((kp, i) => {
    const p = index(field, i)
    if (!kp.key) errs.push(required(child(p, "key"), ""))
    if (!kp.path) errs.push(required(child(p, "path"), ""))
    errs.push(...validateLocalNonReservedPath(kp.path ?? "", child(p, "path")))
    errs.push(...validateMode(kp.mode, child(p, "mode")))
  })
  return errs
}

type Source = Record<string, any>
type SourceCheck = (src: Source, field: string, isPod: boolean) => FieldError[]

function requiredFields(src: Source, field: string, names: readonly string[]): FieldError[] {
  return names.filter((n) => !src[n]).map((n) => required(child(field, n), ""))
}

function withItems(nameField: string): SourceCheck {
  return (src, field) => [
    ...requiredFields(src, field, [nameField]),
    ...validateMode(src.defaultMode, child(field, "defaultMode")),
    ...validateItems(src.items, child(field, "items")),
  ]
}

function checkEmptyDir(src: Source, field: string): FieldError[] {
  const q = src.sizeLimit === undefined ? undefined : parseQuantity(src.sizeLimit)
  if (!q || q.nano >= 0n) return []
  return [forbidden(child(field, "sizeLimit"), "SizeLimit field must be a valid resource quantity")]
}

function checkHostPath(src: Source, field: string): FieldError[] {
  if (!src.path) return [required(child(field, "path"), "")]
  const errs = validatePathNoBacksteps(src.path, child(field, "path"))
  const type = src.type
  if (type !== undefined && type !== null && !HOST_PATH_TYPES.includes(type)) {
    errs.push(notSupported(child(field, "type"), type, HOST_PATH_TYPES))
  }
  return errs
}

function checkNfs(src: Source, field: string): FieldError[] {
  const errs = requiredFields(src, field, ["server", "path"])
  const path = src.path ?? ""
  if (!String(path).startsWith("/"))
    errs.push(invalidValue(child(field, "path"), path, "must be an absolute path"))
  return errs
}

function checkImage(src: Source, field: string, isPod: boolean): FieldError[] {
  const errs = isPod ? requiredFields(src, field, ["reference"]) : []
  if (!src.pullPolicy) errs.push(required(child(field, "pullPolicy"), ""))
  else if (!PULL_POLICIES.includes(src.pullPolicy)) {
    errs.push(notSupported(child(field, "pullPolicy"), src.pullPolicy, PULL_POLICIES))
  }
  return errs
}

/** Checks of the common sources; the rare ones only count as a source. */
const SOURCE_CHECKS: Readonly<Record<string, SourceCheck>> = {
  emptyDir: checkEmptyDir,
  hostPath: checkHostPath,
  secret: withItems("secretName"),
  configMap: withItems("name"),
  persistentVolumeClaim: (src, field) => requiredFields(src, field, ["claimName"]),
  nfs: checkNfs,
  downwardAPI: (src, field) => validateMode(src.defaultMode, child(field, "defaultMode")),
  projected: (src, field) => validateMode(src.defaultMode, child(field, "defaultMode")),
  csi: (src, field) => requiredFields(src, field, ["driver"]),
  ephemeral: (src, field) => requiredFields(src, field, ["volumeClaimTemplate"]),
  image: checkImage,
}

/** The volumes of a pod spec; returns the valid ones by name for the mounts to refer to. */
export function validateVolumes(
  volumes: readonly Volume[] | undefined,
  field: string,
  isPod: boolean,
): { volumes: Map<string, Volume>; errors: FieldError[] } {
  const byName = new Map<string, Volume>()
  const errors: FieldError[] = []
  list(volumes).forEach((vol, i) => {
    const path = index(field, i)
    const namePath = child(path, "name")
    const el: FieldError[] = []
    let count = 0
    for (const [k, pathName] of SOURCES) {
      const src = (vol as unknown as Record<string, unknown>)[k]
      if (src === undefined || src === null) continue
      if (count > 0) {
        el.push(forbidden(child(path, pathName), "may not specify more than 1 volume type"))
        continue
      }
      count++
      el.push(...(SOURCE_CHECKS[k]?.(src as Source, child(path, k), isPod) ?? []))
    }
    if (count === 0) el.push(required(path, "must specify a volume type"))
    const name = vol.name ?? ""
    if (!name) el.push(required(namePath, ""))
    else el.push(...isDns1123Label(name).map((m) => invalidValue(namePath, name, m)))
    if (byName.has(name)) el.push(duplicate(namePath, name))
    if (el.length === 0) byName.set(name, vol)
    else errors.push(...el)
  })
  return { volumes: byName, errors }
}

/**
 * Pod volumes and the mounts that refer to them (core validation's volume rules): unique
 * DNS-label names, exactly one source each, the common sources' required fields, and mounts
 * that name an existing volume at a unique path.
 */
import type { Container, KeyToPath, Volume, VolumeMount } from "kubernetes-types/core/v1.js"
import type { FieldError } from "../errors.ts"
import { duplicate, forbidden, invalidValue, notSupported, required } from "../field-errors.ts"
import { child, index, list, notFound } from "./_field.ts"
import { parseQuantity } from "./_quantity.ts"
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
const HOST_PATH_TYPES = ["", "BlockDevice", "CharDevice", "Directory", "DirectoryOrCreate", "File", "FileOrCreate", "Socket"]
const PULL_POLICIES = ["Always", "IfNotPresent", "Never"]

/** A path with no `..` element. */
export function validatePathNoBacksteps(path: string, field: string): FieldError[] {
  return path.replace(/\\/g, "/").split("/").includes("..") ? [invalidValue(field, path, "must not contain '..'")] : []
}

/** A relative path with no `..` element. */
export function validateLocalDescendingPath(path: string, field: string): FieldError[] {
  const errs = path.startsWith("/") ? [invalidValue(field, path, "must be a relative path")] : []
  return [...errs, ...validatePathNoBacksteps(path, field)]
}

/** A relative path that neither contains nor starts with `..`. */
export function validateLocalNonReservedPath(path: string, field: string): FieldError[] {
  const errs = validateLocalDescendingPath(path, field)
  if (path.startsWith("..") && !path.startsWith("../")) errs.push(invalidValue(field, path, "must not start with '..'"))
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

/** Checks the fields of the common sources; the rare ones only count as a source. */
function validateSource(name: string, src: Source, field: string, isPod: boolean): FieldError[] {
  const errs: FieldError[] = []
  switch (name) {
    case "emptyDir": {
      const q = src.sizeLimit === undefined ? undefined : parseQuantity(src.sizeLimit)
      if (q && q.nano < 0n) errs.push(forbidden(child(field, "sizeLimit"), "SizeLimit field must be a valid resource quantity"))
      break
    }
    case "hostPath":
      if (!src.path) return [required(child(field, "path"), "")]
      errs.push(...validatePathNoBacksteps(src.path, child(field, "path")))
      if (src.type !== undefined && src.type !== null && !HOST_PATH_TYPES.includes(src.type)) {
        errs.push(notSupported(child(field, "type"), src.type, HOST_PATH_TYPES))
      }
      break
    case "secret":
      if (!src.secretName) errs.push(required(child(field, "secretName"), ""))
      errs.push(...validateMode(src.defaultMode, child(field, "defaultMode")))
      errs.push(...validateItems(src.items, child(field, "items")))
      break
    case "configMap":
      if (!src.name) errs.push(required(child(field, "name"), ""))
      errs.push(...validateMode(src.defaultMode, child(field, "defaultMode")))
      errs.push(...validateItems(src.items, child(field, "items")))
      break
    case "persistentVolumeClaim":
      if (!src.claimName) errs.push(required(child(field, "claimName"), ""))
      break
    case "nfs":
      if (!src.server) errs.push(required(child(field, "server"), ""))
      if (!src.path) errs.push(required(child(field, "path"), ""))
      if (!String(src.path ?? "").startsWith("/")) errs.push(invalidValue(child(field, "path"), src.path ?? "", "must be an absolute path"))
      break
    case "downwardAPI":
    case "projected":
      errs.push(...validateMode(src.defaultMode, child(field, "defaultMode")))
      break
    case "csi":
      if (!src.driver) errs.push(required(child(field, "driver"), ""))
      break
    case "ephemeral":
      if (!src.volumeClaimTemplate) errs.push(required(child(field, "volumeClaimTemplate"), ""))
      break
    case "image":
      if (isPod && !src.reference) errs.push(required(child(field, "reference"), ""))
      if (!src.pullPolicy) errs.push(required(child(field, "pullPolicy"), ""))
      else if (!PULL_POLICIES.includes(src.pullPolicy)) errs.push(notSupported(child(field, "pullPolicy"), src.pullPolicy, PULL_POLICIES))
      break
  }
  return errs
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
      el.push(...validateSource(k, src as Source, child(path, k), isPod))
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

const PROPAGATIONS = ["Bidirectional", "HostToContainer", "None"]
const RECURSIVE_READ_ONLY = ["Disabled", "Enabled", "IfPossible"]

/** A container's volume mounts. Some paths lack the index, as upstream's do. */
export function validateVolumeMounts(
  mounts: readonly VolumeMount[] | undefined,
  volumes: ReadonlyMap<string, Volume>,
  container: Container,
  field: string,
): FieldError[] {
  const errs: FieldError[] = []
  const paths = new Set<string>()
  list(mounts).forEach((mnt, i) => {
    const p = index(field, i)
    const name = mnt.name ?? ""
    const mountPath = mnt.mountPath ?? ""
    if (!name) errs.push(required(child(p, "name"), ""))
    if (!volumes.has(name)) errs.push(notFound(child(p, "name"), name))
    if (!mountPath) errs.push(required(child(p, "mountPath"), ""))
    if (paths.has(mountPath)) errs.push(invalidValue(child(p, "mountPath"), mountPath, "must be unique"))
    paths.add(mountPath)
    if ((volumes.get(name) as { image?: unknown } | undefined)?.image) {
      if (mnt.subPath) errs.push(invalidValue(child(p, "subPath"), mnt.subPath, "not allowed in image volume sources"))
      if (mnt.subPathExpr) errs.push(invalidValue(child(p, "subPathExpr"), mnt.subPathExpr, "not allowed in image volume sources"))
    }
    if (mnt.subPath) errs.push(...validateLocalDescendingPath(mnt.subPath, child(field, "subPath")))
    if (mnt.subPathExpr) {
      if (mnt.subPath) errs.push(invalidValue(child(p, "subPathExpr"), mnt.subPathExpr, "subPathExpr and subPath are mutually exclusive"))
      errs.push(...validateLocalDescendingPath(mnt.subPathExpr, child(field, "subPathExpr")))
    }
    if (mnt.mountPropagation) {
      const path = child(field, "mountPropagation")
      if (!PROPAGATIONS.includes(mnt.mountPropagation)) errs.push(notSupported(path, mnt.mountPropagation, PROPAGATIONS))
      if (mnt.mountPropagation === "Bidirectional" && container.securityContext?.privileged !== true) {
        errs.push(forbidden(path, "Bidirectional mount propagation is available only to privileged containers"))
      }
    }
    const rro = mnt.recursiveReadOnly
    if (rro && rro !== "Disabled") {
      const path = child(field, "recursiveReadOnly")
      if (!RECURSIVE_READ_ONLY.includes(rro)) errs.push(notSupported(path, rro, RECURSIVE_READ_ONLY))
      else {
        if (!mnt.readOnly) errs.push(forbidden(path, "may only be specified when readOnly is true"))
        if (mnt.mountPropagation && mnt.mountPropagation !== "None") {
          errs.push(forbidden(path, "may only be specified when mountPropagation is None or not specified"))
        }
      }
    }
  })
  return errs
}

/**
 * A container's volume mounts (core validation's mount rules): each names an existing volume
 * at a unique path, with valid sub-paths, propagation and recursive read-only settings.
 * Some error paths lack the mount's index, as upstream's do.
 */
import type { Container, Volume, VolumeMount } from "kubernetes-types/core/v1.js"
import type { FieldError } from "../errors.ts"
import { forbidden, invalidValue, notSupported, required } from "../field-errors.ts"
import { child, index, list, notFound } from "./_field.ts"
import { validateLocalDescendingPath } from "./volumes.ts"

const PROPAGATIONS = ["Bidirectional", "HostToContainer", "None"]
const RECURSIVE_READ_ONLY = ["Disabled", "Enabled", "IfPossible"]

function validateSubPaths(mnt: VolumeMount, isImage: boolean, p: string, field: string): FieldError[] {
  const errs: FieldError[] = []
  if (isImage) {
    const msg = "not allowed in image volume sources"
    if (mnt.subPath) errs.push(invalidValue(child(p, "subPath"), mnt.subPath, msg))
    if (mnt.subPathExpr) errs.push(invalidValue(child(p, "subPathExpr"), mnt.subPathExpr, msg))
  }
  if (mnt.subPath) errs.push(...validateLocalDescendingPath(mnt.subPath, child(field, "subPath")))
  if (mnt.subPathExpr) {
    if (mnt.subPath) {
      const msg = "subPathExpr and subPath are mutually exclusive"
      errs.push(invalidValue(child(p, "subPathExpr"), mnt.subPathExpr, msg))
    }
    errs.push(...validateLocalDescendingPath(mnt.subPathExpr, child(field, "subPathExpr")))
  }
  return errs
}

function validatePropagation(mnt: VolumeMount, container: Container, field: string): FieldError[] {
  const errs: FieldError[] = []
  const mp = mnt.mountPropagation
  if (mp) {
    const path = child(field, "mountPropagation")
    if (!PROPAGATIONS.includes(mp)) errs.push(notSupported(path, mp, PROPAGATIONS))
    if (mp === "Bidirectional" && container.securityContext?.privileged !== true) {
      errs.push(forbidden(path, "Bidirectional mount propagation is available only to privileged containers"))
    }
  }
  const rro = mnt.recursiveReadOnly
  if (!rro || rro === "Disabled") return errs
  const path = child(field, "recursiveReadOnly")
  if (!RECURSIVE_READ_ONLY.includes(rro)) return [...errs, notSupported(path, rro, RECURSIVE_READ_ONLY)]
  if (!mnt.readOnly) errs.push(forbidden(path, "may only be specified when readOnly is true"))
  if (mp && mp !== "None")
    errs.push(forbidden(path, "may only be specified when mountPropagation is None or not specified"))
  return errs
}

/** A container's volume mounts. */
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
    const isImage = !!(volumes.get(name) as { image?: unknown } | undefined)?.image
    errs.push(...validateSubPaths(mnt, isImage, p, field))
    errs.push(...validatePropagation(mnt, container, field))
  })
  return errs
}

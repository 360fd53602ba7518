/**
 * Ephemeral containers of a pod spec (core validation's validateEphemeralContainers): each is
 * checked as a container, its name must be unique across every container of the pod, its
 * targetContainerName must name a regular or init container, and the fields that would make it
 * part of the workload (ports, probes, resources, lifecycle, restart and resize policies,
 * volume subPaths) are forbidden.
 */
import type { Container, EphemeralContainer, PodSpec } from "kubernetes-types/core/v1.js"
import type { FieldError } from "../errors.ts"
import { duplicate, forbidden, invalidValue } from "../field-errors.ts"
import { child, index, list, notFound } from "./_field.ts"
import { type ContainerContext, validateContainerCommon } from "./container.ts"

/** The fields of an ephemeral container that may be set, in upstream's struct order. */
const FIELDS: readonly [string, boolean][] = [
  ["name", true],
  ["image", true],
  ["command", true],
  ["args", true],
  ["workingDir", true],
  ["ports", false],
  ["envFrom", true],
  ["env", true],
  ["resources", false],
  ["resizePolicy", false],
  ["restartPolicy", false],
  ["restartPolicyRules", false],
  ["volumeMounts", true],
  ["volumeDevices", true],
  ["livenessProbe", false],
  ["readinessProbe", false],
  ["startupProbe", false],
  ["lifecycle", false],
  ["terminationMessagePath", true],
  ["terminationMessagePolicy", true],
  ["imagePullPolicy", true],
  ["securityContext", true],
  ["stdin", true],
  ["stdinOnce", true],
  ["tty", true],
]

const NOT_FOR_EPHEMERAL = "cannot be set for an Ephemeral Container"

/**
 * Whether a JSON value is its Go field's zero value: absent, null, "", 0, false, or a struct
 * whose fields all are (so `resources: {}`, which kubectl sends, counts as unset). A list
 * given, even empty, is set, as a decoded non-nil slice is upstream.
 */
function isZero(v: unknown): boolean {
  if (v === undefined || v === null || v === "" || v === 0 || v === false) return true
  if (Array.isArray(v)) return false
  if (typeof v === "object") return Object.values(v as object).every(isZero)
  return false
}

/** Upstream's allow list: a Forbidden error for every disallowed field that is set. */
function disallowedFields(c: EphemeralContainer, path: string): FieldError[] {
  const fields = c as unknown as Record<string, unknown>
  return FIELDS.filter(([name, allowed]) => !allowed && !isZero(fields[name])).map(([name]) =>
    forbidden(child(path, name), NOT_FOR_EPHEMERAL),
  )
}

/** validateContainerOnlyForPod: an image must not have leading or trailing whitespace. */
function imageWhitespace(c: EphemeralContainer, path: string): FieldError[] {
  const image = c.image ?? ""
  if (image.trim() === image) return []
  return [invalidValue(child(path, "image"), image, "must not have leading or trailing whitespace")]
}

/** Mounts with a subPath would leak bind mounts until the pod exits: not for ephemeral containers. */
function subPaths(c: EphemeralContainer, path: string): FieldError[] {
  const errs: FieldError[] = []
  list(c.volumeMounts).forEach((m, i) => {
    const p = index(child(path, "volumeMounts"), i)
    if (m.subPath) errs.push(forbidden(child(p, "subPath"), NOT_FOR_EPHEMERAL))
    if (m.subPathExpr) errs.push(forbidden(child(p, "subPathExpr"), NOT_FOR_EPHEMERAL))
  })
  return errs
}

/** The spec's ephemeral containers at `field` (`spec.ephemeralContainers`). */
export function validateEphemeralContainers(
  spec: PodSpec,
  ctx: ContainerContext,
  field: string,
): FieldError[] {
  const ephemeral = list(spec.ephemeralContainers)
  if (!ephemeral.length) return []
  const others = new Set([...list(spec.containers), ...list(spec.initContainers)].map((c) => c.name))
  const all = new Set(others)
  const errs: FieldError[] = []
  ephemeral.forEach((ec, i) => {
    const path = index(field, i)
    errs.push(...validateContainerCommon(ec as Container, ctx, path))
    errs.push(...imageWhitespace(ec, path))
    if (all.has(ec.name)) errs.push(duplicate(child(path, "name"), ec.name))
    else all.add(ec.name)
    const target = ec.targetContainerName
    if (target && !others.has(target)) errs.push(notFound(child(path, "targetContainerName"), target))
    errs.push(...disallowedFields(ec, path))
    errs.push(...subPaths(ec, path))
  })
  return errs
}

/**
 * Resource names and quantities of containers and nodes (core validation's resource rules):
 * names must be standard or fully qualified, quantities non-negative, integer resources whole,
 * and requests no more than limits (equal for resources that cannot be overcommitted).
 */
import type { ResourceRequirements } from "kubernetes-types/core/v1.js"
import type { FieldError } from "../errors.ts"
import { duplicate, forbidden, invalidValue, notSupported, required } from "../field-errors.ts"
import { child, index, key, list, notFoundDetail, pushInvalid } from "./_field.ts"
import {
  compareQuantity,
  isWholeQuantity,
  parseQuantity,
  type Quantity,
  quantityString,
} from "../quantity.ts"
import { isQualifiedName } from "./names.ts"

const QUANTITY_FORMAT_ERROR =
  "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"

const STANDARD_CONTAINER = new Set(["cpu", "memory", "ephemeral-storage"])
const STANDARD = new Set([
  ...STANDARD_CONTAINER,
  "requests.cpu",
  "requests.memory",
  "requests.ephemeral-storage",
  "limits.cpu",
  "limits.memory",
  "limits.ephemeral-storage",
  "pods",
  "services",
  "replicationcontrollers",
  "resourcequotas",
  "secrets",
  "persistentvolumeclaims",
  "storage",
  "requests.storage",
  "services.nodeports",
  "services.loadbalancers",
  "configmaps",
])
/** What the quota system tracks under an unprefixed name (upstream's standardQuotaResources). */
const STANDARD_QUOTA = new Set([...STANDARD].filter((r) => r !== "storage"))
const INTEGER = new Set([
  "pods",
  "services",
  "replicationcontrollers",
  "resourcequotas",
  "secrets",
  "configmaps",
  "persistentvolumeclaims",
  "services.nodeports",
  "services.loadbalancers",
])

function isHugePages(name: string): boolean {
  return name.startsWith("hugepages-")
}

/** Unprefixed, or in the kubernetes.io domain. */
export function isNativeResource(name: string): boolean {
  return !name.includes("/") || name.includes("kubernetes.io/")
}

function isExtendedResource(name: string): boolean {
  return (
    !isNativeResource(name) &&
    !name.startsWith("requests.") &&
    isQualifiedName(`requests.${name}`).length === 0
  )
}

/** Resources whose requests may be lower than their limits. */
export function isOvercommitAllowed(name: string): boolean {
  return isNativeResource(name) && !isHugePages(name)
}

/** A huge page resource or its requests (upstream's IsQuotaHugePageResourceName): no limits. */
export function isQuotaHugePages(name: string): boolean {
  return isHugePages(name) || name.startsWith("requests.hugepages-")
}

function isStandardResource(name: string): boolean {
  return STANDARD.has(name) || isQuotaHugePages(name)
}

/** A resource the quota system tracks (upstream's IsStandardQuotaResourceName). */
export function isStandardQuotaResource(name: string): boolean {
  return STANDARD_QUOTA.has(name) || isQuotaHugePages(name)
}

/** A resource name anywhere: qualified, and standard when unprefixed. */
export function validateResourceName(name: string, field: string): FieldError[] {
  const errs: FieldError[] = []
  pushInvalid(errs, field, name, isQualifiedName(name))
  if (errs.length) return errs
  if (!name.includes("/") && !isStandardResource(name)) {
    errs.push(invalidValue(field, name, "must be a standard resource type or fully qualified"))
  }
  return errs
}

/** A resource name in a container's requests or limits. */
export function validateContainerResourceName(name: string, field: string): FieldError[] {
  const errs = validateResourceName(name, field)
  if (!name.includes("/")) {
    if (!STANDARD_CONTAINER.has(name) && !isHugePages(name)) {
      errs.push(invalidValue(field, name, "must be a standard resource for containers"))
    }
  } else if (!isNativeResource(name) && !isExtendedResource(name)) {
    errs.push(invalidValue(field, name, "doesn't follow extended resource name standard"))
  }
  return errs
}

/** What pod-level resources (spec.resources) may name; "hugepages-" stands for every huge page size. */
const POD_LEVEL = ["cpu", "hugepages-", "memory"]

/**
 * A resource name in a pod's own requests or limits (upstream's validatePodResourceName): a
 * valid resource name, then cpu, memory or a huge page size.
 */
export function validatePodResourceName(name: string, field: string): FieldError[] {
  const errs = validateResourceName(name, field)
  if (errs.length) return errs
  if (name !== "cpu" && name !== "memory" && !isHugePages(name)) return [notSupported(field, name, POD_LEVEL)]
  return []
}

/** Parses a quantity at `field`, reporting a malformed one. */
export function quantityAt(value: unknown, field: string, errs: FieldError[]): Quantity | undefined {
  const q = parseQuantity(value)
  if (!q) errs.push(invalidValue(field, value ?? null, QUANTITY_FORMAT_ERROR))
  return q
}

/** A quantity must be non-negative, and whole for integer resources. */
export function validateResourceQuantity(name: string, value: unknown, field: string): FieldError[] {
  const errs: FieldError[] = []
  const q = quantityAt(value, field, errs)
  if (!q) return errs
  if (q.nano < 0n) errs.push(invalidValue(field, quantityString(q), "must be greater than or equal to 0"))
  if ((INTEGER.has(name) || isExtendedResource(name)) && !isWholeQuantity(q)) {
    errs.push(invalidValue(field, quantityString(q), "must be an integer"))
  }
  return errs
}

/** A container's requests, limits and claims; `podClaims` are the pod's resourceClaims names. */
export function validateResourceRequirements(
  reqs: ResourceRequirements | undefined,
  podClaims: ReadonlySet<string>,
  field: string,
): FieldError[] {
  return validateRequirements(reqs, podClaims, field, validateContainerResourceName)
}

/** A pod's own requests and limits (spec.resources): a container's rules, but its names pod-level ones. */
export function validatePodResourceRequirements(reqs: ResourceRequirements, field: string): FieldError[] {
  return validateRequirements(reqs, new Set(), field, validatePodResourceName)
}

/** Requests, limits and claims, each name checked by `validateName`. */
function validateRequirements(
  reqs: ResourceRequirements | undefined,
  podClaims: ReadonlySet<string>,
  field: string,
  validateName: (name: string, field: string) => FieldError[],
): FieldError[] {
  const errs: FieldError[] = []
  const limPath = child(field, "limits")
  const reqPath = child(field, "requests")
  // for-in over the maps (as entries() would list them, without its pairs); `limits` made at the first.
  let limits: Map<string, Quantity | undefined> | undefined
  let cpuOrMemory = false
  let hugePages = false
  const limitMap = objectOrUndefined(reqs?.limits)
  for (const name in limitMap) {
    const value = limitMap[name]
    const path = key(limPath, name)
    errs.push(...validateName(name, path))
    errs.push(...validateResourceQuantity(name, value, path))
    ;(limits ??= new Map()).set(name, parseQuantity(value))
    if (isHugePages(name)) hugePages = true
    if (name === "cpu" || name === "memory") cpuOrMemory = true
  }
  const requestMap = objectOrUndefined(reqs?.requests)
  for (const name in requestMap) {
    const value = requestMap[name]
    const path = key(reqPath, name)
    errs.push(...validateName(name, path))
    errs.push(...validateResourceQuantity(name, value, path))
    const q = parseQuantity(value)
    if (limits?.has(name)) {
      const lim = limits.get(name)
      if (q && lim) checkAgainstLimit(errs, name, q, lim, reqPath)
    } else if (!isOvercommitAllowed(name)) {
      errs.push(required(limPath, "Limit must be set for non overcommitable resources"))
    }
    if (isHugePages(name)) hugePages = true
    if (name === "cpu" || name === "memory") cpuOrMemory = true
  }
  if (hugePages && !cpuOrMemory) errs.push(forbidden(field, "HugePages require cpu or memory"))
  errs.push(...validateClaims(reqs, podClaims, child(field, "claims")))
  return errs
}

/** A request `q` of resource `name` must equal its limit `lim`, or be no more when it may overcommit. */
function checkAgainstLimit(
  errs: FieldError[],
  name: string,
  q: Quantity,
  lim: Quantity,
  reqPath: string,
): void {
  const cmp = compareQuantity(q, lim)
  if (cmp !== 0 && !isOvercommitAllowed(name)) {
    errs.push(
      invalidValue(reqPath, quantityString(q), `must be equal to ${name} limit of ${quantityString(lim)}`),
    )
  } else if (cmp > 0) {
    errs.push(
      invalidValue(
        reqPath,
        quantityString(q),
        `must be less than or equal to ${name} limit of ${quantityString(lim)}`,
      ),
    )
  }
}

/** `m` when it is an object (entries() lists its keys), else undefined (for-in over it lists none). */
function objectOrUndefined<T>(
  m: Readonly<Record<string, T>> | undefined | null,
): Readonly<Record<string, T>> | undefined {
  return m && typeof m === "object" ? m : undefined
}

function validateClaims(
  reqs: ResourceRequirements | undefined,
  podClaims: ReadonlySet<string>,
  field: string,
): FieldError[] {
  const errs: FieldError[] = []
  // `request` is newer than the kubernetes-types release in use
  const claims = list(reqs?.claims as readonly { name?: string; request?: string }[] | undefined)
  if (claims.length === 0) return errs
  const seen = new Set<string>()
  claims.forEach((claim, i) => {
    const name = claim.name ?? ""
    if (!name) {
      errs.push(required(index(field, i), ""))
      return
    }
    const k = claim.request ? `${name}/${claim.request}` : name
    if (seen.has(name) || seen.has(k)) errs.push(duplicate(index(field, i), k))
    seen.add(k)
    if (!podClaims.has(name)) {
      const known = [...podClaims].sort()
      const detail = `must be one of the names in pod.spec.resourceClaims${known.length ? `: ${known.join(", ")}` : " which is empty"}`
      errs.push(notFoundDetail(index(field, i), name, detail))
    }
  })
  return errs
}

/**
 * LimitRanger admission (upstream's plugin of the same name): a new pod's containers get the
 * namespace's LimitRange defaults for the limits and requests they do not state (noted in the
 * `kubernetes.io/limit-ranger` annotation), then pods and claims are held to each range's min,
 * max and maxLimitRequestRatio per Container, Pod and PersistentVolumeClaim; a breach is a 403.
 * A pod's in-place resize (pods/resize) is defaulted and held to them as a new pod is.
 */
import type {
  Container,
  LimitRange,
  LimitRangeItem,
  PersistentVolumeClaim,
  Pod,
} from "kubernetes-types/core/v1.js"
import {
  type Amounts,
  amountsOf,
  parseQuantity,
  podResources,
  type Quantity,
  quantityString,
} from "../api/index.ts"
import { type AdmissionPlugin, admissionForbidden } from "./admission.ts"
import { aggregateMessage } from "../util/index.ts"
import type { AdmissionRequest } from "./registry/context.ts"

/** The annotation naming what LimitRanger defaulted. */
export const LIMIT_RANGER_ANNOTATION = "kubernetes.io/limit-ranger"

/** Reads the LimitRanges of a namespace. */
export type LimitRangeLookup = (namespace: string) => Promise<readonly LimitRange[]> | readonly LimitRange[]

type Resources = { requests?: Record<string, string>; limits?: Record<string, string> }

function isPod(req: AdmissionRequest): boolean {
  return req.info.group === "" && req.info.kind === "Pod"
}

function applies(req: AdmissionRequest): boolean {
  if (req.info.group !== "") return false
  // An in-place resize of a pod's containers is defaulted and checked as a new pod is.
  if (req.subresource === "resize") return isPod(req) && req.operation === "UPDATE"
  if (req.subresource !== "") return false
  if (req.old?.metadata?.deletionTimestamp) return false
  // Containers cannot change on update: only new pods are defaulted and checked
  if (isPod(req)) return req.operation === "CREATE"
  return (
    req.info.kind === "PersistentVolumeClaim" && (req.operation === "CREATE" || req.operation === "UPDATE")
  )
}

/** The Container defaults of a range: default → limits, defaultRequest → requests. */
function containerDefaults(lr: LimitRange): Required<Resources> {
  const out: Required<Resources> = { requests: {}, limits: {} }
  for (const item of lr.spec?.limits ?? []) {
    if (item.type !== "Container") continue
    Object.assign(out.requests, item.defaultRequest ?? {})
    Object.assign(out.limits, item.default ?? {})
  }
  return out
}

/** Fills what `c` lacks from `defaults`; returns the annotation parts that say so. */
function mergeContainer(c: Container, defaults: Required<Resources>, prefix: string): string[] {
  const res = (c.resources ??= {}) as Resources
  const notes: string[] = []
  for (const which of ["requests", "limits"] as const) {
    const set: string[] = []
    for (const [k, v] of Object.entries(defaults[which])) {
      const mine = (res[which] ??= {})
      if (k in mine) continue
      mine[k] = v
      set.push(k)
    }
    if (Object.keys(res[which] ?? {}).length === 0) delete res[which]
    const word = which === "requests" ? "request" : "limit"
    if (set.length) notes.push(`${set.sort().join(", ")} ${word} for ${prefix} ${c.name}`)
  }
  return notes
}

/** Applies a range's Container defaults to a pod, as upstream's PodMutateLimitFunc. */
export function defaultPod(pod: Pod, lr: LimitRange): void {
  const defaults = containerDefaults(lr)
  const notes: string[] = []
  for (const c of pod.spec?.containers ?? []) notes.push(...mergeContainer(c, defaults, "container"))
  for (const c of pod.spec?.initContainers ?? []) notes.push(...mergeContainer(c, defaults, "init container"))
  if (!notes.length) return
  const meta = (pod.metadata ??= {})
  meta.annotations = {
    ...meta.annotations,
    [LIMIT_RANGER_ANNOTATION]: `LimitRanger plugin set: ${notes.join("; ")}`,
  }
}

const str = (q: Quantity) => quantityString(q)

function minConstraint(
  type: string,
  name: string,
  min: Quantity,
  req: Amounts,
  lim: Amounts,
): string | undefined {
  const r = req[name]
  const l = lim[name]
  if (!r) return `minimum ${name} usage per ${type} is ${str(min)}.  No request is specified`
  if (r.nano < min.nano) return `minimum ${name} usage per ${type} is ${str(min)}, but request is ${str(r)}`
  if (l && l.nano < min.nano)
    return `minimum ${name} usage per ${type} is ${str(min)}, but limit is ${str(l)}`
  return undefined
}

function maxConstraint(
  type: string,
  name: string,
  max: Quantity,
  req: Amounts,
  lim: Amounts,
): string | undefined {
  const r = req[name]
  const l = lim[name]
  if (!l) return `maximum ${name} usage per ${type} is ${str(max)}.  No limit is specified`
  if (l.nano > max.nano) return `maximum ${name} usage per ${type} is ${str(max)}, but limit is ${str(l)}`
  if (r && r.nano > max.nano)
    return `maximum ${name} usage per ${type} is ${str(max)}, but request is ${str(r)}`
  return undefined
}

function maxRequestConstraint(type: string, name: string, max: Quantity, req: Amounts): string | undefined {
  const r = req[name]
  if (!r) return `maximum ${name} usage per ${type} is ${str(max)}.  No request is specified`
  if (r.nano > max.nano) return `maximum ${name} usage per ${type} is ${str(max)}, but request is ${str(r)}`
  return undefined
}

function ratioConstraint(
  type: string,
  name: string,
  ratio: Quantity,
  req: Amounts,
  lim: Amounts,
): string | undefined {
  const r = req[name]
  const l = lim[name]
  const prefix = `${name} max limit to request ratio per ${type} is ${str(ratio)}`
  if (!r || r.nano === 0n) return `${prefix}, but no request is specified or request is 0`
  if (!l || l.nano === 0n) return `${prefix}, but no limit is specified or limit is 0`
  const observed = Number(l.nano) / Number(r.nano)
  if (observed * 1e9 > Number(ratio.nano)) return `${prefix}, but provided ratio is ${observed.toFixed(6)}`
  return undefined
}

/** Entries of a ResourceList in name order, parsed. */
function sorted(list: Readonly<Record<string, unknown>> | undefined): [string, Quantity][] {
  return Object.entries(list ?? {})
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .flatMap(([k, v]) => {
      const q = parseQuantity(v)
      return q ? [[k, q] as [string, Quantity]] : []
    })
}

/** min, max and ratio of one item against requests and limits. */
function checkItem(item: LimitRangeItem, req: Amounts, lim: Amounts): string[] {
  const out: (string | undefined)[] = []
  for (const [k, v] of sorted(item.min)) out.push(minConstraint(item.type, k, v, req, lim))
  for (const [k, v] of sorted(item.max)) out.push(maxConstraint(item.type, k, v, req, lim))
  for (const [k, v] of sorted(item.maxLimitRequestRatio)) out.push(ratioConstraint(item.type, k, v, req, lim))
  return out.filter((m): m is string => m !== undefined)
}

/** Why a pod breaks a range (upstream's PodValidateLimitFunc), in upstream's order. */
export function podViolations(pod: Pod, lr: LimitRange): string[] {
  const errs: string[] = []
  for (const item of lr.spec?.limits ?? []) {
    if (item.type === "Container") {
      for (const c of [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])]) {
        errs.push(...checkItem(item, amountsOf(c.resources?.requests), amountsOf(c.resources?.limits)))
      }
    } else if (item.type === "Pod") {
      const req = podResources(pod, { which: "requests", overhead: false })
      errs.push(...checkItem(item, req, podResources(pod, { which: "limits", overhead: false })))
    }
  }
  return errs
}

/** Why a claim breaks a range (upstream's PersistentVolumeClaimValidateLimitFunc). */
export function claimViolations(pvc: PersistentVolumeClaim, lr: LimitRange): string[] {
  const errs: (string | undefined)[] = []
  const req = amountsOf(pvc.spec?.resources?.requests)
  for (const item of lr.spec?.limits ?? []) {
    if (item.type !== "PersistentVolumeClaim") continue
    for (const [k, v] of sorted(item.min)) errs.push(minConstraint(item.type, k, v, req, {}))
    for (const [k, v] of sorted(item.max)) errs.push(maxRequestConstraint(item.type, k, v, req))
  }
  return errs.filter((m): m is string => m !== undefined)
}

/** Runs `fn` on the LimitRanges a lookup `found`: at once, or once a promise of them settles. */
function withRanges(
  found: ReturnType<LimitRangeLookup>,
  fn: (ranges: readonly LimitRange[]) => void,
): Promise<void> | undefined {
  if ("then" in found) return found.then(fn)
  fn(found)
  return undefined
}

/** The LimitRanger plugin; see the module comment. */
export function limitRanger(lookup: LimitRangeLookup): AdmissionPlugin {
  return {
    name: "LimitRanger",
    // Not async: the server's lookup answers from its cache at once, and a write then waits
    // for no promise of this plugin.
    mutate(req) {
      if (!applies(req) || !isPod(req) || !req.object) return undefined
      return withRanges(lookup(req.namespace), (ranges) => {
        for (const lr of ranges) defaultPod(req.object as Pod, lr)
      })
    },
    validate(req) {
      if (!applies(req) || !req.object) return undefined
      return withRanges(lookup(req.namespace), (ranges) => {
        for (const lr of ranges) {
          const errs = isPod(req)
            ? podViolations(req.object as Pod, lr)
            : claimViolations(req.object as PersistentVolumeClaim, lr)
          if (errs.length) throw admissionForbidden(req, aggregateMessage(errs))
        }
      })
    },
  }
}

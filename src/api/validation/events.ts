/**
 * Events, core and events.k8s.io (core validation's events.go). Both shapes are checked as
 * upstream's internal Event, so error paths use its field names (`message`, `involvedObject`).
 * Core v1 events get only the legacy checks; events.k8s.io events the strict ones too.
 */
import type { Event as CoreEvent } from "kubernetes-types/core/v1.js"
import type { Event as EventsEvent } from "kubernetes-types/events/v1.js"
import type { ObjectMeta } from "kubernetes-types/meta/v1.js"
import type { FieldError } from "../errors.ts"
import { invalidValue, required } from "../field-errors.ts"
import { immutable } from "./_field.ts"
import { isDns1123Subdomain, isQualifiedName, nameIsDnsSubdomain } from "./names.ts"
import { genericObjectMeta, validateObjectMeta, validateObjectMetaUpdate } from "./object-meta.ts"

/** An event seen through upstream's internal field names. */
interface InternalEvent {
  metadata?: ObjectMeta
  eventTime?: string | null
  involvedObject?: { namespace?: string }
  message?: string
  reason?: string
  action?: string
  type?: string
  reportingController?: string
  reportingInstance?: string
  firstTimestamp?: string | null
  lastTimestamp?: string | null
  count?: number
  source?: { component?: string; host?: string }
  series?: { count?: number; lastObservedTime?: string }
  related?: unknown
}

/** `v`, or undefined for an empty struct: as Go's zero struct, the same as unset. */
function unlessEmpty<T extends object>(v: T | undefined): T | undefined {
  return v && Object.keys(v).length ? v : undefined
}

function fromCore(e: CoreEvent): InternalEvent {
  return {
    ...e,
    involvedObject: unlessEmpty(e.involvedObject),
    source: unlessEmpty(e.source),
    reportingController: e.reportingComponent,
  } as InternalEvent
}

function fromEvents(e: EventsEvent): InternalEvent {
  return {
    metadata: e.metadata,
    eventTime: e.eventTime,
    involvedObject: unlessEmpty(e.regarding),
    message: e.note,
    reason: e.reason,
    action: e.action,
    type: e.type,
    reportingController: e.reportingController,
    reportingInstance: e.reportingInstance,
    firstTimestamp: e.deprecatedFirstTimestamp,
    lastTimestamp: e.deprecatedLastTimestamp,
    count: e.deprecatedCount,
    source: unlessEmpty(e.deprecatedSource),
    series: e.series,
    related: e.related,
  }
}

function legacy(e: InternalEvent, controllerField: string): FieldError[] {
  const errs: FieldError[] = []
  const ns = e.metadata?.namespace ?? ""
  const involvedNs = e.involvedObject?.namespace ?? ""
  const mismatch = (): void => {
    errs.push(invalidValue("involvedObject.namespace", involvedNs, "does not match event.namespace"))
  }
  if (!e.eventTime) {
    if (!involvedNs ? ns !== "" && ns !== "default" : ns !== involvedNs) mismatch()
  } else {
    if (!involvedNs && ns !== "default" && ns !== "kube-system") mismatch()
    const controller = e.reportingController ?? ""
    if (!controller) errs.push(required(controllerField, ""))
    errs.push(...isQualifiedName(controller).map((m) => invalidValue(controllerField, controller, m)))
    const limited: [keyof InternalEvent, number][] = [
      ["reportingInstance", 128],
      ["action", 128],
      ["reason", 128],
      ["message", 1024],
    ]
    for (const [k, limit] of limited) {
      const v = String(e[k] ?? "")
      if (!v && k !== "message") errs.push(required(k, ""))
      if (v.length > limit) errs.push(invalidValue(k, "", `can have at most ${limit} characters`))
    }
  }
  errs.push(...isDns1123Subdomain(ns).map((m) => invalidValue("namespace", ns, m)))
  return errs
}

function series(e: InternalEvent): FieldError[] {
  if (!e.series) return []
  const errs: FieldError[] = []
  if ((e.series.count ?? 0) < 2) errs.push(invalidValue("series.count", "", "should be at least 2"))
  if (!e.series.lastObservedTime) errs.push(required("series.lastObservedTime", ""))
  return errs
}

function strictCreate(e: InternalEvent): FieldError[] {
  const errs = validateObjectMeta(e.metadata, { namespaced: true, name: nameIsDnsSubdomain })
  errs.push(...series(e))
  if (!e.eventTime) errs.push(required("eventTime", ""))
  if (e.type !== "Normal" && e.type !== "Warning")
    errs.push(invalidValue("type", "", `has invalid value: ${e.type ?? ""}`))
  if (e.firstTimestamp) errs.push(invalidValue("firstTimestamp", "", "needs to be unset"))
  if (e.lastTimestamp) errs.push(invalidValue("lastTimestamp", "", "needs to be unset"))
  if (e.count) errs.push(invalidValue("count", "", "needs to be unset"))
  if (e.source?.component || e.source?.host) errs.push(invalidValue("source", "", "needs to be unset"))
  return errs
}

function strictUpdate(e: InternalEvent, o: InternalEvent): FieldError[] {
  const errs = validateObjectMetaUpdate(e.metadata, o.metadata)
  errs.push(...series(e))
  const fields = [
    "involvedObject",
    "reason",
    "message",
    "source",
    "firstTimestamp",
    "lastTimestamp",
    "count",
    "reason",
    "type",
  ] as const
  for (const k of fields) errs.push(...immutable(k, e[k] ?? null, o[k] ?? null))
  if (e.eventTime !== o.eventTime)
    errs.push(invalidValue("eventTime", e.eventTime ?? null, "field is immutable"))
  for (const k of ["action", "related", "reportingController", "reportingInstance"] as const) {
    errs.push(...immutable(k, e[k] ?? null, o[k] ?? null))
  }
  return errs
}

/** A core v1 Event: only the legacy checks, for backward compatibility. */
export function validateCoreEvent(e: CoreEvent, old?: CoreEvent): FieldError[] {
  return genericObjectMeta(e.metadata, old?.metadata, true, legacy(fromCore(e), "reportingComponent"))
}

/** An events.k8s.io/v1 Event: legacy and strict checks. */
export function validateEventsEvent(e: EventsEvent, old?: EventsEvent): FieldError[] {
  const ie = fromEvents(e)
  const errs = legacy(ie, "reportingController")
  errs.push(...(old ? strictUpdate(ie, fromEvents(old)) : strictCreate(ie)))
  return errs
}

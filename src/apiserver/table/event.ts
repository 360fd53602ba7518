/** The Event printer, for core/v1 Events and events.k8s.io/v1 Events alike. */
import type { Event as CoreEvent, EventSource, ObjectReference } from "kubernetes-types/core/v1.js"
import type { Event as EventsEvent } from "kubernetes-types/events/v1.js"
import { DOCS } from "./descriptions.ts"
import { since } from "./format.ts"
import { NAME_COLUMN, column, wide, type Printer, type Cell } from "./types.ts"

/** The fields the printer reads, under their core/v1 names. */
interface EventView {
  readonly name: string
  readonly type: string
  readonly reason: string
  readonly message: string
  readonly involved: ObjectReference
  readonly source: EventSource
  readonly reportingController: string
  readonly reportingInstance: string
  readonly firstTimestamp?: string | undefined
  readonly lastTimestamp?: string | undefined
  readonly eventTime?: string | undefined
  readonly count: number
  readonly series?: { count?: number; lastObservedTime?: string } | undefined
}

function coreView(e: CoreEvent): EventView {
  return {
    name: e.metadata?.name ?? "",
    type: e.type ?? "",
    reason: e.reason ?? "",
    message: e.message ?? "",
    involved: e.involvedObject ?? {},
    source: e.source ?? {},
    reportingController: e.reportingComponent ?? "",
    reportingInstance: e.reportingInstance ?? "",
    firstTimestamp: e.firstTimestamp,
    lastTimestamp: e.lastTimestamp,
    eventTime: e.eventTime,
    count: e.count ?? 0,
    series: e.series,
  }
}

function eventsView(e: EventsEvent): EventView {
  return {
    name: e.metadata?.name ?? "",
    type: e.type ?? "",
    reason: e.reason ?? "",
    message: e.note ?? "",
    involved: e.regarding ?? {},
    source: e.deprecatedSource ?? {},
    reportingController: e.reportingController ?? "",
    reportingInstance: e.reportingInstance ?? "",
    firstTimestamp: e.deprecatedFirstTimestamp,
    lastTimestamp: e.deprecatedLastTimestamp,
    eventTime: e.eventTime,
    count: e.deprecatedCount ?? 0,
    series: e.series,
  }
}

/** SOURCE: component (or reporting controller), then `, host` (or reporting instance). */
function sourceOf(v: EventView): string {
  const component = v.source.component || v.reportingController
  const host = v.source.host || v.reportingInstance
  return host ? `${component}, ${host}` : component
}

function eventCells(v: EventView, now: number): Cell[] {
  const first = v.firstTimestamp ? since(v.firstTimestamp, now) : since(v.eventTime, now)
  let last = v.lastTimestamp ? since(v.lastTimestamp, now) : first
  let count = v.count
  if (v.series) {
    last = since(v.series.lastObservedTime, now)
    count = v.series.count ?? 0
  } else if (count === 0) count = 1 // a singleton event of the new API has no count
  const kind = (v.involved.kind ?? "").toLowerCase()
  const target = v.involved.name ? `${kind}/${v.involved.name}` : kind
  return [
    last,
    v.type,
    v.reason,
    target,
    v.involved.fieldPath ?? "",
    sourceOf(v),
    v.message.trim(),
    first,
    count,
    v.name,
  ]
}

const COLUMNS = [
  column("Last Seen", "string", DOCS.evLastTimestamp),
  column("Type", "string", DOCS.evType),
  column("Reason", "string", DOCS.evReason),
  column("Object", "string", DOCS.evInvolvedObject),
  wide("Subobject", DOCS.evFieldPath),
  wide("Source", DOCS.evSource),
  column("Message", "string", DOCS.evMessage),
  wide("First Seen", DOCS.evFirstTimestamp),
  wide("Count", DOCS.evCount),
  { ...NAME_COLUMN, priority: 1 },
]

/** core/v1 Events: LAST SEEN TYPE REASON OBJECT MESSAGE | SUBOBJECT SOURCE FIRST SEEN COUNT NAME. */
export const eventPrinter: Printer<CoreEvent> = {
  columns: COLUMNS,
  cells: (e, { now }) => eventCells(coreView(e), now),
}

/** events.k8s.io/v1 Events, printed as their core/v1 form. */
export const eventsEventPrinter: Printer<EventsEvent> = {
  columns: COLUMNS,
  cells: (e, { now }) => eventCells(eventsView(e), now),
}

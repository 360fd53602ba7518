/**
 * Conversions between served and stored forms: autoscaling/v1 ⇄ v2 HorizontalPodAutoscaler (the
 * metrics v1 cannot express kept in upstream's annotations, so a round trip loses nothing), and
 * events.k8s.io/v1 ⇄ core/v1 Event (one stored Event, two APIs).
 */
import type { ApiObject, ResourceInfo } from "../api/index.ts"
import { hpaToV1, hpaToV2 } from "./hpa-conversion.ts"

type Obj = ApiObject & { spec?: any; status?: any }

/**
 * An Event field of one API in Go's struct order: its name, its name in the other API, and, for
 * a field Go's JSON writes even when unset, what it writes then (`{}` for a struct, null for a
 * time, "" for a string without omitempty). Other fields are left out when unset or zero
 * (omitempty), as upstream answers them.
 */
type EventField = readonly [name: string, other: string, unset?: unknown]

/** core/v1 Event fields, from events.k8s.io/v1 ones. */
const CORE_EVENT: readonly EventField[] = [
  ["involvedObject", "regarding", {}],
  ["reason", "reason"],
  ["message", "note"],
  ["source", "deprecatedSource", {}],
  ["firstTimestamp", "deprecatedFirstTimestamp", null],
  ["lastTimestamp", "deprecatedLastTimestamp", null],
  ["count", "deprecatedCount"],
  ["type", "type"],
  ["eventTime", "eventTime", null],
  ["series", "series"],
  ["action", "action"],
  ["related", "related"],
  ["reportingComponent", "reportingController", ""],
  ["reportingInstance", "reportingInstance", ""],
]

/** events.k8s.io/v1 Event fields, from core/v1 ones. */
const EVENTS_EVENT: readonly EventField[] = [
  ["eventTime", "eventTime", null],
  ["series", "series"],
  ["reportingController", "reportingComponent"],
  ["reportingInstance", "reportingInstance"],
  ["action", "action"],
  ["reason", "reason"],
  ["regarding", "involvedObject", {}],
  ["related", "related"],
  ["note", "message"],
  ["type", "type"],
  ["deprecatedSource", "source", {}],
  ["deprecatedFirstTimestamp", "firstTimestamp", null],
  ["deprecatedLastTimestamp", "lastTimestamp", null],
  ["deprecatedCount", "count"],
]

/** Converts an Event between the two APIs, by the form it arrives in, as upstream encodes the result. */
function convertEvent(o: Obj): Obj {
  const toCore = o.apiVersion === "events.k8s.io/v1"
  const out: Obj = {
    apiVersion: toCore ? "v1" : "events.k8s.io/v1",
    kind: "Event",
    metadata: o.metadata ?? {},
  }
  for (const [to, from, ...unset] of toCore ? CORE_EVENT : EVENTS_EVENT) {
    const v = o[from]
    const isSet = v !== undefined && v !== null && (unset.length > 0 || (v !== "" && v !== 0))
    if (isSet) out[to] = v
    else if (unset.length) out[to] = structuredClone(unset[0])
  }
  return out
}

/** Converts `obj` of `info`'s kind to `toVersion`. Unknown pairs are returned unchanged. */
export function convert(obj: ApiObject, info: ResourceInfo, toVersion: string): ApiObject {
  if (info.group === "autoscaling" && info.kind === "HorizontalPodAutoscaler") {
    const from = String(obj.apiVersion ?? "").split("/")[1]
    if (from === toVersion) return obj
    return toVersion === "v1" ? hpaToV1(obj as Obj) : hpaToV2(obj as Obj)
  }
  if (info.kind === "Event" && (info.group === "events.k8s.io" || info.group === ""))
    return convertEvent(obj as Obj)
  return obj
}

/**
 * Conversions between served and stored forms: autoscaling/v1 ⇄ v2 HorizontalPodAutoscaler (the
 * metrics v1 cannot express kept in upstream's annotations, so a round trip loses nothing), and
 * events.k8s.io/v1 ⇄ core/v1 Event (one stored Event, two APIs).
 */
import type { ApiObject, ResourceInfo } from "../api/index.ts"
import { hpaToV1, hpaToV2 } from "./hpa-conversion.ts"

type Obj = ApiObject & { spec?: any; status?: any }

/** Field pairs: events.k8s.io/v1 name, core/v1 name. */
const EVENT_FIELDS: readonly (readonly [string, string])[] = [
  ["regarding", "involvedObject"],
  ["note", "message"],
  ["reportingController", "reportingComponent"],
  ["reportingInstance", "reportingInstance"],
  ["deprecatedSource", "source"],
  ["deprecatedFirstTimestamp", "firstTimestamp"],
  ["deprecatedLastTimestamp", "lastTimestamp"],
  ["deprecatedCount", "count"],
  ["eventTime", "eventTime"],
  ["series", "series"],
  ["action", "action"],
  ["related", "related"],
  ["reason", "reason"],
  ["type", "type"],
]

/** Converts an Event between the two APIs, by the form it arrives in. */
function convertEvent(o: Obj): Obj {
  const toCore = o.apiVersion === "events.k8s.io/v1"
  const out: Obj = {
    apiVersion: toCore ? "v1" : "events.k8s.io/v1",
    kind: "Event",
    metadata: o.metadata ?? {},
  }
  for (const [ev, core] of EVENT_FIELDS) {
    const from = toCore ? ev : core
    const to = toCore ? core : ev
    if (o[from] !== undefined && o[from] !== null) out[to] = o[from]
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

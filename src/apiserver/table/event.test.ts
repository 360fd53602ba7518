import assert from "node:assert/strict"
import { test } from "node:test"
import type { Event } from "kubernetes-types/core/v1.js"
import type { Event as EventsEvent } from "kubernetes-types/events/v1.js"
import { eventPrinter, eventsEventPrinter } from "./event.ts"
import { HOUR, MIN, ago, headers, meta, printerCases } from "./testdata.ts"

printerCases<Event>("eventPrinter", eventPrinter, [
  {
    name: "a repeated core event",
    input: {
      metadata: meta("web.1"),
      involvedObject: { kind: "Pod", name: "web", fieldPath: "spec.containers{app}" },
      type: "Warning",
      reason: "BackOff",
      message: "Back-off restarting failed container\n",
      source: { component: "kubelet", host: "n1" },
      firstTimestamp: ago(4 * HOUR),
      lastTimestamp: ago(30_000),
      count: 7,
    },
    want: [
      "30s",
      "Warning",
      "BackOff",
      "pod/web",
      "spec.containers{app}",
      "kubelet, n1",
      "Back-off restarting failed container",
      "4h",
      7,
      "web.1",
    ],
  },
  {
    name: "a new-API singleton read through core/v1",
    input: {
      metadata: meta("sched.1"),
      involvedObject: { kind: "Node" },
      type: "Normal",
      reason: "Scheduled",
      message: "ok",
      eventTime: ago(3 * MIN),
      reportingComponent: "default-scheduler",
      reportingInstance: "sched-1",
    },
    want: ["3m", "Normal", "Scheduled", "node", "", "default-scheduler, sched-1", "ok", "3m", 1, "sched.1"],
  },
])

printerCases<EventsEvent>("eventsEventPrinter", eventsEventPrinter, [
  {
    name: "a series of events.k8s.io events",
    input: {
      metadata: meta("dep.1"),
      eventTime: ago(10 * MIN),
      regarding: { kind: "Deployment", name: "web" },
      reportingController: "deployment-controller",
      type: "Normal",
      reason: "ScalingReplicaSet",
      note: "Scaled up replica set web-1 to 3",
      series: { count: 4, lastObservedTime: ago(MIN) },
    },
    want: [
      "60s",
      "Normal",
      "ScalingReplicaSet",
      "deployment/web",
      "",
      "deployment-controller",
      "Scaled up replica set web-1 to 3",
      "10m",
      4,
      "dep.1",
    ],
  },
])

test("eventPrinter has upstream's headers", () => {
  assert.equal(
    headers(eventPrinter),
    "Last Seen | Type | Reason | Object | Subobject* | Source* | Message | First Seen* | Count* | Name*",
  )
})

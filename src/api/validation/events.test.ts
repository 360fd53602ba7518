import assert from "node:assert/strict"
import { test } from "node:test"
import type { Event as CoreEvent } from "kubernetes-types/core/v1.js"
import type { Event as EventsEvent } from "kubernetes-types/events/v1.js"
import { printed, stored } from "./_fixtures.ts"
import { validateCoreEvent, validateEventsEvent } from "./events.ts"

const core: CoreEvent = {
  metadata: { name: "web.17a", namespace: "default" },
  involvedObject: { kind: "Pod", name: "web", namespace: "default" },
  reason: "Started",
  message: "Started container",
  type: "Normal",
}

const modern: EventsEvent = {
  metadata: { name: "web.17b", namespace: "default" },
  eventTime: "2024-01-01T00:00:00.000000Z",
  regarding: { kind: "Pod", name: "web", namespace: "default" },
  reportingController: "example.com/ctl",
  reportingInstance: "ctl-1",
  action: "Scale",
  reason: "Scaled",
  type: "Normal",
}

const cases: { name: string; input: () => string[]; want: string[] }[] = [
  {
    name: "validateCoreEvent() accepts a legacy event",
    input: () => printed(validateCoreEvent(core)),
    want: [],
  },
  {
    name: "validateCoreEvent() needs the involved object in the event's namespace",
    input: () =>
      printed(validateCoreEvent({ ...core, involvedObject: { ...core.involvedObject, namespace: "other" } })),
    want: ['involvedObject.namespace: Invalid value: "other": does not match event.namespace'],
  },
  {
    name: "validateCoreEvent() with eventTime needs reportingComponent and action",
    input: () =>
      printed(
        validateCoreEvent({ ...core, eventTime: "2024-01-01T00:00:00.000000Z", reportingInstance: "x" }),
      ),
    want: [
      "reportingComponent: Required value",
      `reportingComponent: Invalid value: "": name part must be non-empty`,
      `reportingComponent: Invalid value: "": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')`,
      "action: Required value",
    ],
  },
  {
    name: "validateCoreEvent() needs a name, as every object's metadata",
    input: () => printed(validateCoreEvent({ ...core, metadata: { namespace: "default" } })),
    want: ["metadata.name: Required value: name or generateName is required"],
  },
  {
    name: "validateCoreEvent() on update keeps the metadata's immutable fields",
    input: () =>
      printed(
        validateCoreEvent(
          { ...stored(core), metadata: { ...stored(core).metadata, uid: "b" } },
          stored(core),
        ),
      ),
    want: ['metadata.uid: Invalid value: "b": field is immutable'],
  },
  {
    name: "validateEventsEvent() accepts a modern event",
    input: () => printed(validateEventsEvent(modern)),
    want: [],
  },
  {
    name: "validateEventsEvent() requires a known type and no deprecated fields",
    input: () => printed(validateEventsEvent({ ...modern, type: "Info", deprecatedCount: 2 })),
    want: ['type: Invalid value: "": has invalid value: Info', 'count: Invalid value: "": needs to be unset'],
  },
  {
    name: "validateEventsEvent() on update keeps the note",
    input: () =>
      printed(validateEventsEvent(stored({ ...modern, note: "b" }), stored({ ...modern, note: "a" }))),
    want: ['message: Invalid value: "b": field is immutable'],
  },
]

for (const c of cases) {
  test(c.name, () => {
    assert.deepEqual(c.input(), c.want)
  })
}

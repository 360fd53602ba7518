import assert from "node:assert/strict"
import { test } from "node:test"
import type { ApiObject } from "../../api/index.ts"
import { dropDisabledDraFields } from "./dra-disabled-fields.ts"

const slice = (device: Record<string, unknown>, spec: Record<string, unknown> = {}): ApiObject =>
  ({
    metadata: { name: "s" },
    spec: { driver: "d", nodeName: "n", pool: { name: "p" }, devices: [{ name: "g", ...device }], ...spec },
  }) as ApiObject

const claim = (exactly: Record<string, unknown>, status: Record<string, unknown> = {}): ApiObject =>
  ({
    metadata: { name: "c" },
    spec: { devices: { requests: [{ name: "r", exactly: { deviceClassName: "x", ...exactly } }] } },
    status,
  }) as ApiObject

const taint = { key: "k", effect: "NoSchedule" }
const toleration = { key: "k", operator: "Exists" }

const cases: { name: string; kind: string; next: ApiObject; old?: ApiObject; want: unknown }[] = [
  {
    name: "drops a new slice's device taints (DRADeviceTaints is off)",
    kind: "resource.k8s.io/ResourceSlice",
    next: slice({ taints: [taint] }),
    want: slice({}),
  },
  {
    name: "keeps taints a stored slice already has",
    kind: "resource.k8s.io/ResourceSlice",
    next: slice({ taints: [taint, taint] }),
    old: slice({ taints: [taint] }),
    want: slice({ taints: [taint, taint] }),
  },
  {
    name: "drops partitionable devices, binding conditions and consumable capacity",
    kind: "resource.k8s.io/ResourceSlice",
    next: slice(
      {
        consumesCounters: [{ counterSet: "c" }],
        bindsToNode: true,
        allowMultipleAllocations: true,
        capacity: { mem: { value: "1", requestPolicy: { default: "1" } } },
      },
      { sharedCounters: [{ name: "c" }] },
    ),
    want: slice({ capacity: { mem: { value: "1" } } }),
  },
  {
    name: "drops a claim's tolerations and capacity requests, and its allocation's tolerations",
    kind: "resource.k8s.io/ResourceClaim",
    next: claim(
      { tolerations: [toleration], capacity: { requests: { mem: "1" } } },
      { allocation: { devices: { results: [{ request: "r", tolerations: [toleration] }] } } },
    ),
    want: claim({}, { allocation: { devices: { results: [{ request: "r" }] } } }),
  },
  {
    name: "leaves admin access alone (DRAAdminAccess is on)",
    kind: "resource.k8s.io/ResourceClaim",
    next: claim({ adminAccess: true }),
    want: claim({ adminAccess: true }),
  },
  {
    name: "drops a class's extended resource name (DRAExtendedResource is off)",
    kind: "resource.k8s.io/DeviceClass",
    next: { metadata: { name: "c" }, spec: { extendedResourceName: "example.com/gpu" } } as ApiObject,
    want: { metadata: { name: "c" }, spec: {} },
  },
]

for (const c of cases) {
  test(`dropDisabledDraFields() ${c.name}`, () => {
    dropDisabledDraFields(c.kind, c.next, c.old)
    assert.deepEqual(c.next, c.want)
  })
}

test("dropDisabledDraFields() copies the spec it changes, never the caller's shared one", () => {
  const shared = {
    driver: "d",
    nodeName: "n",
    pool: { name: "p" },
    devices: [{ name: "g", taints: [taint] }],
  }
  const next = { metadata: { name: "s" }, spec: shared } as ApiObject
  dropDisabledDraFields("resource.k8s.io/ResourceSlice", next)
  assert.deepEqual(shared.devices[0], { name: "g", taints: [taint] })
})

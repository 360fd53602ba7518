import assert from "node:assert/strict"
import { test } from "node:test"
import type { ResourceClaim, ResourceClaimStatus } from "../dra.ts"
import { printed } from "./_fixtures.ts"
import { validateResourceClaimStatus } from "./dra-claim-status.ts"
import type { DraContext } from "./dra-common.ts"

const ctx: DraContext = {
  namespaceLabels: (ns): Record<string, string> =>
    ns === "admin" ? { "resource.kubernetes.io/admin-access": "true" } : {},
}

function claim(
  status: ResourceClaimStatus = {},
  extra: Partial<NonNullable<ResourceClaim["metadata"]>> = {},
): ResourceClaim {
  return {
    metadata: { name: "c", namespace: "default", resourceVersion: "1", ...extra },
    spec: { devices: { requests: [{ name: "gpu", exactly: { deviceClassName: "gpu", count: 1 } }] } },
    status,
  }
}

const result = { request: "gpu", driver: "gpu.example.com", pool: "node-a", device: "gpu-0" }
const allocation = { devices: { results: [result] } }
const pod = (uid: string) => ({ resource: "pods", name: "p", uid })

const cases: { name: string; input: () => string[]; want: string[] }[] = [
  {
    name: "accepts an allocation reserved for a pod",
    input: () =>
      printed(validateResourceClaimStatus(claim({ allocation, reservedFor: [pod("u1")] }), claim(), ctx)),
    want: [],
  },
  {
    name: "reservedFor needs an allocation, full references, no repeats",
    input: () =>
      printed(
        validateResourceClaimStatus(
          claim({ reservedFor: [pod("u1"), pod("u1"), { resource: "pods" }] }),
          claim(),
          ctx,
        ),
      ),
    want: [
      "status.reservedFor[2].name: Required value",
      "status.reservedFor[2].uid: Required value",
      'status.reservedFor[1]: Duplicate value: "u1"',
      "status.reservedFor: Forbidden: may not be specified when `allocated` is not set",
    ],
  },
  {
    name: "reservedFor takes at most 256 consumers",
    input: () =>
      printed(
        validateResourceClaimStatus(
          claim({ allocation, reservedFor: Array.from({ length: 257 }, (_, i) => pod(`u${i}`)) }),
          claim(),
          ctx,
        ),
      ),
    want: ["status.reservedFor: Too many: 257: must have at most 256 items"],
  },
  {
    name: "no consumer is added while the claim is being deleted",
    input: () => {
      const deleting = { deletionTimestamp: "2026-01-01T00:00:00Z" }
      const old = claim({ allocation, reservedFor: [pod("u1")] }, deleting)
      return printed(
        validateResourceClaimStatus(
          claim({ allocation, reservedFor: [pod("u1"), pod("u2")] }, deleting),
          old,
          ctx,
        ),
      )
    },
    want: [
      "status.reservedFor: Forbidden: new entries may not be added while `deallocationRequested` or `deletionTimestamp` are set",
    ],
  },
  {
    name: "a new allocation is checked: requests it names, drivers, pools, devices, sources",
    input: () =>
      printed(
        validateResourceClaimStatus(
          claim({
            allocation: {
              devices: {
                results: [{ request: "cpu", driver: "gpu.example.com", pool: "", device: "GPU" }],
                config: [{ source: "FromNowhere", opaque: { driver: "gpu.example.com", parameters: {} } }],
              },
            },
          }),
          claim(),
          ctx,
        ),
      ),
    want: [
      `status.allocation.devices.results[0].request: Invalid value: "cpu": must be the name of a request in the claim or the name of a request and a subrequest separated by '/'`,
      "status.allocation.devices.results[0].pool: Required value",
      `status.allocation.devices.results[0].device: Invalid value: "GPU": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')`,
      'status.allocation.devices.config[0].source: Unsupported value: "FromNowhere": supported values: "FromClaim", "FromClass"',
    ],
  },
  {
    name: "an allocation never changes once set",
    input: () => {
      const other = { devices: { results: [{ ...result, device: "gpu-1" }] } }
      return printed(validateResourceClaimStatus(claim({ allocation: other }), claim({ allocation }), ctx))
    },
    want: [
      'status.allocation: Invalid value: {"Devices":{"Results":[{"Request":"gpu","Driver":"gpu.example.com","Pool":"node-a","Device":"gpu-1","AdminAccess":null,"Tolerations":null,"BindingConditions":null,"BindingFailureConditions":null,"ShareID":null,"ConsumedCapacity":null}],"Config":null},"NodeSelector":null,"AllocationTimestamp":null}: field is immutable',
    ],
  },
  {
    name: "the status of devices covers allocated ones only, with valid conditions and addresses",
    input: () =>
      printed(
        validateResourceClaimStatus(
          claim({
            allocation,
            devices: [
              {
                driver: "gpu.example.com",
                pool: "node-a",
                device: "gpu-0",
                conditions: [
                  { type: "Ready", status: "Maybe", reason: "1x", message: "", lastTransitionTime: "" },
                ],
                networkData: { ips: ["10.0.0.1/24", "10.0.0.1"] },
              },
              { driver: "gpu.example.com", pool: "node-a", device: "gpu-9" },
            ],
          }),
          claim(),
          ctx,
        ),
      ),
    want: [
      'status.devices[0].conditions[0].status: Unsupported value: "Maybe": supported values: "False", "True", "Unknown"',
      "status.devices[0].conditions[0].lastTransitionTime: Required value",
      `status.devices[0].conditions[0].reason: Invalid value: "1x": a condition reason must start with alphabetic character, optionally followed by a string of alphanumeric characters or '_,:', and must end with an alphanumeric character or '_' (e.g. 'my_name',  or 'MY_NAME',  or 'MyName',  or 'ReasonA,ReasonB',  or 'ReasonA:ReasonB', regex used for validation is '[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?')`,
      'status.devices[0].networkData.ips[1]: Invalid value: "10.0.0.1": must be a valid address in CIDR form, (e.g. 10.9.8.7/24 or 2001:db8::1/64)',
      'status.devices[1]: Invalid value: {"Driver":{},"Pool":{},"Device":{},"ShareID":{}}: must be an allocated device in the claim',
    ],
  },
  {
    name: "admin access in a new allocation needs the namespace label",
    input: () =>
      printed(
        validateResourceClaimStatus(
          claim({ allocation: { devices: { results: [{ ...result, adminAccess: true }] } } }),
          claim(),
          ctx,
        ),
      ),
    want: [
      "status.allocation.devices.results[0].adminAccess: Forbidden: admin access to devices requires the `resource.kubernetes.io/admin-access: true` label on the containing namespace",
    ],
  },
]

for (const c of cases)
  test(`validateResourceClaimStatus() ${c.name}`, () => assert.deepEqual(c.input(), c.want))

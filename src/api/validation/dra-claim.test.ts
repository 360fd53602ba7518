import assert from "node:assert/strict"
import { test } from "node:test"
import type { DeviceRequest, ResourceClaim, ResourceClaimTemplate } from "../dra.ts"
import { printed } from "./_fixtures.ts"
import { validateResourceClaimSpecWrite, validateResourceClaimTemplate } from "./dra-claim.ts"
import type { DraContext } from "./dra-common.ts"

/** A compiler that refuses expressions mentioning `bad`, as the API server's refuses what does not compile. */
const ctx: DraContext = {
  compileSelector: (e) =>
    e.includes("bad") ? { type: "Invalid", detail: "compilation failed: ERROR" } : undefined,
  namespaceLabels: (ns): Record<string, string> | undefined =>
    ns === "admin" ? { "resource.kubernetes.io/admin-access": "true" } : ns === "gone" ? undefined : {},
}

const exact = (extra: Record<string, unknown> = {}): DeviceRequest["exactly"] => ({
  deviceClassName: "gpu.example.com",
  allocationMode: "ExactCount",
  count: 1,
  ...extra,
})

function claim(
  requests: DeviceRequest[],
  more: Record<string, unknown> = {},
  namespace = "default",
): ResourceClaim {
  return { metadata: { name: "c", namespace }, spec: { devices: { requests, ...more } } }
}

const create = (c: ResourceClaim) => printed(validateResourceClaimSpecWrite(c, undefined, ctx))

const cases: { name: string; input: () => string[]; want: string[] }[] = [
  {
    name: "accepts an exact request and a prioritized list",
    input: () =>
      create(
        claim([
          { name: "gpu", exactly: exact({ selectors: [{ cel: { expression: "device.driver == 'x'" } }] }) },
          {
            name: "alt",
            firstAvailable: [
              { name: "big", ...exact() },
              { name: "all", deviceClassName: "gpu.example.com", allocationMode: "All" },
            ],
          },
        ]),
      ),
    want: [],
  },
  {
    name: "needs exactly one of exactly and firstAvailable",
    input: () =>
      create(
        claim([{ name: "a" }, { name: "b", exactly: exact(), firstAvailable: [{ name: "x", ...exact() }] }]),
      ),
    want: [
      "spec.devices.requests[0]: Required value: exactly one of `exactly` or `firstAvailable` is required",
      "spec.devices.requests[1]: Invalid value: null: exactly one of `exactly` or `firstAvailable` is required, but multiple fields are set",
    ],
  },
  {
    name: "checks names, class, count and allocation mode; names are unique",
    input: () =>
      create(
        claim([
          { name: "Bad_Name", exactly: exact({ deviceClassName: "" }) },
          { name: "a", exactly: exact({ allocationMode: "All", count: 2 }) },
          { name: "a", exactly: exact({ count: 0 }) },
          { name: "b", exactly: exact({ allocationMode: "Some" }) },
        ]),
      ),
    want: [
      `spec.devices.requests[0].name: Invalid value: "Bad_Name": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')`,
      "spec.devices.requests[0].exactly.deviceClassName: Required value",
      "spec.devices.requests[1].exactly.count: Invalid value: 2: must not be specified when allocationMode is 'All'",
      "spec.devices.requests[2].exactly.count: Invalid value: 0: must be greater than zero",
      'spec.devices.requests[3].exactly.allocationMode: Unsupported value: "Some": supported values: "All", "ExactCount"',
      'spec.devices.requests[2]: Duplicate value: "a"',
    ],
  },
  {
    name: "refuses a selector that does not compile, and a missing cel",
    input: () =>
      create(claim([{ name: "a", exactly: exact({ selectors: [{ cel: { expression: "bad" } }, {}] }) }])),
    want: [
      'spec.devices.requests[0].exactly.selectors[0].cel.expression: Invalid value: "bad": compilation failed: ERROR',
      "spec.devices.requests[0].exactly.selectors[1].cel: Required value",
    ],
  },
  {
    name: "refuses a selector over 10 KiB without compiling it",
    input: () =>
      create(
        claim([{ name: "a", exactly: exact({ selectors: [{ cel: { expression: "bad".repeat(3500) } }] }) }]),
      ),
    want: [
      "spec.devices.requests[0].exactly.selectors[0].cel.expression: Too long: may not be more than 10240 bytes",
    ],
  },
  {
    name: "takes at most 32 requests and 8 alternatives",
    input: () => [
      ...create(claim(Array.from({ length: 33 }, (_, i) => ({ name: `r${i}`, exactly: exact() })))),
      ...create(
        claim([
          { name: "a", firstAvailable: Array.from({ length: 9 }, (_, i) => ({ name: `s${i}`, ...exact() })) },
        ]),
      ),
    ],
    want: [
      "spec.devices.requests: Too many: 33: must have at most 32 items",
      "spec.devices.requests[0].firstAvailable: Too many: 9: must have at most 8 items",
    ],
  },
  {
    name: "constraints and config name requests or request/alternative",
    input: () =>
      create(
        claim([{ name: "a", firstAvailable: [{ name: "x", ...exact() }] }], {
          constraints: [
            { requests: ["a/x", "b", "a/x/y"], matchAttribute: "dra.example.com/model" },
            { requests: ["a"] },
          ],
          config: [
            { requests: ["a"], opaque: { driver: "dra.example.com", parameters: [1] } },
            { requests: ["a/y"] },
          ],
        }),
      ),
    want: [
      `spec.devices.constraints[0].requests[1]: Invalid value: "b": must be the name of a request in the claim or the name of a request and a subrequest separated by '/'`,
      `spec.devices.constraints[0].requests[2]: Invalid value: "a/x/y": must be the name of a request in the claim or the name of a request and a subrequest separated by '/'`,
      "spec.devices.constraints[1].matchAttribute: Required value",
      'spec.devices.config[0].opaque.parameters: Invalid value: "<value omitted>": must be a valid JSON object',
      `spec.devices.config[1].requests[0]: Invalid value: "a/y": must be the name of a request in the claim or the name of a request and a subrequest separated by '/'`,
      "spec.devices.config[1].opaque: Required value",
    ],
  },
  {
    name: "a constraint's attribute has a domain",
    input: () =>
      create(claim([{ name: "a", exactly: exact() }], { constraints: [{ matchAttribute: "model" }] })),
    want: [
      'spec.devices.constraints[0].matchAttribute: Invalid value: "model": a fully qualified name must be a domain and a name separated by a slash',
    ],
  },
  {
    name: "admin access needs the namespace label",
    input: () => [
      ...create(claim([{ name: "a", exactly: exact({ adminAccess: true }) }])),
      ...create(claim([{ name: "a", exactly: exact({ adminAccess: true }) }], {}, "admin")),
      ...create(claim([{ name: "a", exactly: exact({ adminAccess: true }) }], {}, "gone")),
    ],
    want: [
      "spec.devices.requests[0].exactly.adminAccess: Forbidden: admin access to devices requires the `resource.kubernetes.io/admin-access: true` label on the containing namespace",
      'spec.devices.requests[0].exactly.adminAccess: Internal error: could not retrieve namespace to verify admin access: namespaces "gone" not found',
    ],
  },
  {
    name: "the spec is immutable, printed as upstream's internal type",
    input: () => {
      const old = claim([{ name: "a", exactly: exact() }])
      const next = claim([{ name: "b", exactly: exact() }])
      old.metadata = { ...old.metadata, resourceVersion: "1" }
      next.metadata = { ...next.metadata, resourceVersion: "1" }
      return printed(validateResourceClaimSpecWrite(next, old, ctx))
    },
    want: [
      'spec: Invalid value: {"Devices":{"Requests":[{"Name":"b","Exactly":{"DeviceClassName":"gpu.example.com","Selectors":null,"AllocationMode":"ExactCount","Count":1,"AdminAccess":null,"Tolerations":null,"Capacity":null},"FirstAvailable":null}],"Constraints":null,"Config":null}}: field is immutable',
    ],
  },
]

for (const c of cases)
  test(`validateResourceClaimSpecWrite() ${c.name}`, () => assert.deepEqual(c.input(), c.want))

const template = (spec: ResourceClaimTemplate["spec"]): ResourceClaimTemplate => ({
  metadata: { name: "t", namespace: "default" },
  spec,
})

const templateCases: { name: string; input: () => string[]; want: string[] }[] = [
  {
    name: "checks the claims' metadata and spec under spec.spec",
    input: () =>
      printed(
        validateResourceClaimTemplate(
          template({
            metadata: { labels: { "a b": "x" } },
            spec: { devices: { requests: [{ name: "a" }] } },
          }),
          undefined,
          ctx,
        ),
      ),
    want: [
      `spec.metadata.labels: Invalid value: "a b": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')`,
      "spec.spec.devices.requests[0]: Required value: exactly one of `exactly` or `firstAvailable` is required",
    ],
  },
  {
    name: "the spec is immutable, its metadata's fields first as upstream prints it",
    input: () => {
      const old = template({ spec: { devices: { requests: [{ name: "a", exactly: exact() }] } } })
      const next = template({ metadata: { labels: { x: "y" } }, spec: old.spec!.spec })
      old.metadata = { ...old.metadata, resourceVersion: "1" }
      next.metadata = { ...next.metadata, resourceVersion: "1" }
      return printed(validateResourceClaimTemplate(next, old, ctx))
    },
    want: [
      'spec: Invalid value: {"creationTimestamp":null,"labels":{"x":"y"},"Spec":{"Devices":{"Requests":[{"Name":"a","Exactly":{"DeviceClassName":"gpu.example.com","Selectors":null,"AllocationMode":"ExactCount","Count":1,"AdminAccess":null,"Tolerations":null,"Capacity":null},"FirstAvailable":null}],"Constraints":null,"Config":null}}}: field is immutable',
    ],
  },
]

for (const c of templateCases)
  test(`validateResourceClaimTemplate() ${c.name}`, () => assert.deepEqual(c.input(), c.want))

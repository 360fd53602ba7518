import assert from "node:assert/strict"
import { test } from "node:test"
import type { Endpoints } from "kubernetes-types/core/v1.js"
import type { EndpointSlice } from "kubernetes-types/discovery/v1.js"
import { printed, stored } from "./_fixtures.ts"
import { validateEndpointSlice, validateEndpoints } from "./endpoints.ts"

const meta = { name: "web", namespace: "default" }

function slice(extra: Partial<EndpointSlice> = {}): EndpointSlice {
  return {
    metadata: meta,
    addressType: "IPv4",
    endpoints: [{ addresses: ["10.0.0.5"] }],
    ports: [{ name: "", port: 80, protocol: "TCP" }],
    ...extra,
  }
}

const cases: { name: string; input: () => string[]; want: string[] }[] = [
  {
    name: "validateEndpoints() accepts a subset",
    input: () =>
      printed(
        validateEndpoints({
          metadata: meta,
          subsets: [{ addresses: [{ ip: "10.0.0.5" }], ports: [{ port: 80, protocol: "TCP" }] }],
        }),
      ),
    want: [],
  },
  {
    name: "validateEndpoints() requires addresses",
    input: () =>
      printed(
        validateEndpoints({
          metadata: meta,
          subsets: [{ ports: [{ port: 80, protocol: "TCP" }] }],
        } as Endpoints),
      ),
    want: ["subsets[0]: Required value: must specify `addresses` or `notReadyAddresses`"],
  },
  {
    name: "validateEndpoints() accepts loopback addresses (unprivileged pods live there) but not link-local ones",
    input: () =>
      printed(
        validateEndpoints({
          metadata: meta,
          subsets: [{ addresses: [{ ip: "127.244.0.5" }, { ip: "169.254.1.1" }] }],
        }),
      ),
    want: [
      'subsets[0].addresses[1].ip: Invalid value: "169.254.1.1": may not be in the link-local range (169.254.0.0/16, fe80::/10)',
    ],
  },
  {
    name: "validateEndpoints() requires port names when there are several",
    input: () =>
      printed(
        validateEndpoints({
          metadata: meta,
          subsets: [
            {
              addresses: [{ ip: "10.0.0.5" }],
              ports: [
                { port: 80, protocol: "TCP" },
                { name: "b", port: 81, protocol: "TCP" },
              ],
            },
          ],
        }),
      ),
    want: ["subsets[0].ports[0].name: Required value"],
  },
  {
    name: "validateEndpointSlice() accepts an IPv4 slice",
    input: () => printed(validateEndpointSlice(slice())),
    want: [],
  },
  {
    name: "validateEndpointSlice() requires an address type",
    input: () => printed(validateEndpointSlice(slice({ addressType: "" }))),
    want: ["addressType: Required value"],
  },
  {
    name: "validateEndpointSlice() checks addresses against the type",
    input: () => printed(validateEndpointSlice(slice({ endpoints: [{ addresses: ["fe80::1"] }] }))),
    want: [
      'endpoints[0].addresses[0]: Invalid value: "fe80::1": must be a valid IPv4 address',
      'endpoints[0].addresses[0]: Invalid value: "fe80::1": may not be in the link-local range (169.254.0.0/16, fe80::/10)',
    ],
  },
  {
    name: "validateEndpointSlice() on update keeps the address type",
    input: () =>
      printed(validateEndpointSlice(stored(slice({ addressType: "IPv6", endpoints: [] })), stored(slice()))),
    want: ['addressType: Invalid value: "IPv6": field is immutable'],
  },
]

for (const c of cases) {
  test(c.name, () => {
    assert.deepEqual(c.input(), c.want)
  })
}

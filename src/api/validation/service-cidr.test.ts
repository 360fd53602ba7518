import assert from "node:assert/strict"
import { test } from "node:test"
import type { IPAddress, ParentReference, ServiceCIDR } from "../service-cidr.ts"
import { printed, stored } from "./_fixtures.ts"
import { validateIPAddress, validateServiceCIDR } from "./service-cidr.ts"

const cidr = (cidrs: string[] | undefined, name = "extra"): ServiceCIDR => ({
  metadata: { name },
  spec: cidrs === undefined ? {} : { cidrs },
})

const svcRef = { group: "", resource: "services", namespace: "default", name: "web" }
const ip = (name: string, parentRef: ParentReference | null = svcRef): IPAddress => ({
  metadata: { name },
  spec: parentRef === null ? {} : { parentRef },
})

const cases: { name: string; input: () => string[]; want: string[] }[] = [
  {
    name: "validateServiceCIDR() accepts one IPv4 range",
    input: () => printed(validateServiceCIDR(cidr(["10.96.0.0/12"]))),
    want: [],
  },
  {
    name: "validateServiceCIDR() accepts one range of each family",
    input: () => printed(validateServiceCIDR(cidr(["10.96.0.0/12", "2001:db8::/108"]))),
    want: [],
  },
  {
    name: "validateServiceCIDR() requires a CIDR",
    input: () => printed(validateServiceCIDR(cidr(undefined))),
    want: ["spec.cidrs: Required value: at least one CIDR required"],
  },
  {
    name: "validateServiceCIDR() takes at most two",
    input: () => printed(validateServiceCIDR(cidr(["10.0.0.0/24", "10.0.1.0/24", "fd00::/64"]))),
    want: [
      'spec.cidrs: Invalid value: {"CIDRs":["10.0.0.0/24","10.0.1.0/24","fd00::/64"]}: may only hold up to 2 values',
    ],
  },
  {
    name: "validateServiceCIDR() refuses two of one family",
    input: () => printed(validateServiceCIDR(cidr(["10.0.0.0/24", "10.0.1.0/24"]))),
    want: [
      'spec.cidrs: Invalid value: {"CIDRs":["10.0.0.0/24","10.0.1.0/24"]}: may specify no more than one IP for each IP family, i.e 192.168.0.0/24 and 2001:db8::/64',
    ],
  },
  {
    name: "validateServiceCIDR() checks each CIDR strictly",
    input: () => printed(validateServiceCIDR(cidr(["10.96.0.1/12", "2001:DB8::/64"]))),
    want: [
      'spec.cidrs[0]: Invalid value: "10.96.0.1/12": must not have bits set beyond the prefix length',
      'spec.cidrs[1]: Invalid value: "2001:DB8::/64": must be in canonical form ("2001:db8::/64")',
    ],
  },
  {
    name: "validateServiceCIDR() refuses what is not a CIDR, and leading zeros",
    input: () => [["10.96.0.0"], ["010.96.0.0/12"]].flatMap((c) => printed(validateServiceCIDR(cidr(c)))),
    want: [
      'spec.cidrs[0]: Invalid value: "10.96.0.0": must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)',
      'spec.cidrs[0]: Invalid value: "010.96.0.0/12": must not have leading 0s in IP or prefix length',
    ],
  },
  {
    name: "validateServiceCIDR() checks the name as a DNS subdomain",
    input: () => printed(validateServiceCIDR(cidr(["10.96.0.0/12"], "Bad_Name"))),
    want: [
      "metadata.name: Invalid value: \"Bad_Name\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
    ],
  },
  {
    name: "validateServiceCIDR() on update keeps the CIDRs",
    input: () => printed(validateServiceCIDR(stored(cidr(["10.97.0.0/16"])), stored(cidr(["10.96.0.0/16"])))),
    want: ['spec.cidrs[0]: Invalid value: "10.97.0.0/16": field is immutable'],
  },
  {
    name: "validateServiceCIDR() on update may add the other family",
    input: () =>
      printed(
        validateServiceCIDR(stored(cidr(["10.96.0.0/16", "fd00::/108"])), stored(cidr(["10.96.0.0/16"]))),
      ),
    want: [],
  },
  {
    name: "validateServiceCIDR() on update may not add the same family",
    input: () =>
      printed(
        validateServiceCIDR(stored(cidr(["10.96.0.0/16", "10.97.0.0/16"])), stored(cidr(["10.96.0.0/16"]))),
      ),
    want: [
      'spec.cidrs: Invalid value: {"CIDRs":["10.96.0.0/16","10.97.0.0/16"]}: may specify no more than one IP for each IP family, i.e 192.168.0.0/24 and 2001:db8::/64',
    ],
  },
  {
    name: "validateServiceCIDR() on update may not drop a family",
    input: () =>
      printed(
        validateServiceCIDR(stored(cidr(["10.96.0.0/16"])), stored(cidr(["10.96.0.0/16", "fd00::/108"]))),
      ),
    want: ['spec.cidrs: Invalid value: ["10.96.0.0/16"]: field is immutable'],
  },
  {
    name: "validateServiceCIDR() on a status write checks only the metadata",
    input: () =>
      printed(validateServiceCIDR(stored(cidr(["10.97.0.0/16"])), stored(cidr(["10.96.0.0/16"])), "status")),
    want: [],
  },
  {
    name: "validateIPAddress() accepts a Service's address",
    input: () => printed(validateIPAddress(ip("10.96.0.10"))),
    want: [],
  },
  {
    name: "validateIPAddress() accepts an IPv6 address",
    input: () => printed(validateIPAddress(ip("2001:db8::a"))),
    want: [],
  },
  {
    name: "validateIPAddress() wants the name to be a canonical address",
    input: () =>
      [ip("2001:db8:0:0::a"), ip("10.096.0.10"), ip("::ffff:10.96.0.10"), ip("web")].flatMap((o) =>
        printed(validateIPAddress(o)),
      ),
    want: [
      'metadata.name: Invalid value: "2001:db8:0:0::a": must be in canonical form ("2001:db8::a")',
      'metadata.name: Invalid value: "10.096.0.10": must not have leading 0s',
      'metadata.name: Invalid value: "::ffff:10.96.0.10": must not be an IPv4-mapped IPv6 address',
      'metadata.name: Invalid value: "web": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)',
    ],
  },
  {
    name: "validateIPAddress() requires a parent",
    input: () => printed(validateIPAddress(ip("10.96.0.10", null))),
    want: ["spec.parentRef: Required value"],
  },
  {
    name: "validateIPAddress() requires the parent's resource and name",
    input: () => printed(validateIPAddress(ip("10.96.0.10", { group: "Bad_Group", namespace: "a/b" }))),
    want: [
      "spec.parentRef.group: Invalid value: \"Bad_Group\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
      "spec.parentRef.resource: Required value",
      "spec.parentRef.name: Required value",
      "spec.parentRef.namespace: Invalid value: \"a/b\": may not contain '/'",
    ],
  },
  {
    name: "validateIPAddress() on update keeps the parent",
    input: () =>
      printed(
        validateIPAddress(stored(ip("10.96.0.10", { ...svcRef, name: "other" })), stored(ip("10.96.0.10"))),
      ),
    want: [
      'spec.parentRef: Invalid value: {"Group":"","Resource":"services","Namespace":"default","Name":"other"}: field is immutable',
    ],
  },
  {
    name: "validateIPAddress() on update with the same parent",
    input: () => printed(validateIPAddress(stored(ip("10.96.0.10")), stored(ip("10.96.0.10")))),
    want: [],
  },
]

for (const c of cases) test(c.name, () => assert.deepEqual(c.input(), c.want))

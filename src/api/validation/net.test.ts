import assert from "node:assert/strict"
import { test } from "node:test"
import { printed } from "./_fixtures.ts"
import { isValidCidr, isValidIp, validateNonSpecialIp } from "./net.ts"

const cases: { name: string; input: () => string[]; want: string[] }[] = [
  {
    name: "isValidIp() accepts IPv4 and IPv6",
    input: () => printed([...isValidIp("10.0.0.1", "ip"), ...isValidIp("2001:db8::1", "ip")]),
    want: [],
  },
  {
    name: "isValidIp() refuses names",
    input: () => printed(isValidIp("web", "ip")),
    want: ['ip: Invalid value: "web": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)'],
  },
  {
    name: "isValidCidr() accepts 10.0.0.0/8",
    input: () => printed(isValidCidr("10.0.0.0/8", "c")),
    want: [],
  },
  {
    name: "isValidCidr() refuses a prefix over 32",
    input: () => printed(isValidCidr("10.0.0.0/33", "c")),
    want: [
      'c: Invalid value: "10.0.0.0/33": must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)',
    ],
  },
  {
    name: "validateNonSpecialIp() refuses the unspecified address",
    input: () => printed(validateNonSpecialIp("0.0.0.0", "ip")),
    want: ['ip: Invalid value: "0.0.0.0": may not be unspecified (0.0.0.0)'],
  },
  {
    name: "validateNonSpecialIp() refuses link-local multicast",
    input: () => printed(validateNonSpecialIp("224.0.0.1", "ip")),
    want: [
      'ip: Invalid value: "224.0.0.1": may not be in the link-local multicast range (224.0.0.0/24, ff02::/10)',
    ],
  },
]

for (const c of cases) {
  test(c.name, () => {
    assert.deepEqual(c.input(), c.want)
  })
}

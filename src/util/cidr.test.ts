import assert from "node:assert/strict"
import { describe, test } from "node:test"
import { cidrAddress, cidrContains, parseCidr } from "./cidr.ts"

describe("parseCidr", () => {
  for (const [text, want] of [
    ["10.96.0.0/12", { prefix: 12, size: 2 ** 20, text: "10.96.0.0/12" }],
    ["10.244.0.0/16", { prefix: 16, size: 65536, text: "10.244.0.0/16" }],
    ["0.0.0.0/0", { prefix: 0, size: 2 ** 32, text: "0.0.0.0/0" }],
    ["192.168.1.7/32", { prefix: 32, size: 1, text: "192.168.1.7/32" }],
  ] as const) {
    test(`parses ${text}`, () => {
      const c = parseCidr(text)
      assert.deepEqual({ prefix: c.prefix, size: c.size, text: c.text }, want)
    })
  }
  for (const [text, message] of [
    ["10.96.0.1/12", /host bits set/],
    ["10.96.0.0", /invalid CIDR address/],
    ["10.96.0.0/33", /invalid CIDR address/],
    ["10.256.0.0/16", /invalid CIDR address/],
    ["010.1.0.0/16", /invalid CIDR address/],
    ["fd00::/8", /invalid CIDR address/],
    ["10.0.0.0/8/1", /invalid CIDR address/],
  ] as const) {
    test(`refuses ${text}`, () => assert.throws(() => parseCidr(text), message))
  }
})

describe("cidrAddress and cidrContains", () => {
  const c = parseCidr("10.96.0.0/12")
  test("the first service address is the kubernetes Service's", () =>
    assert.equal(cidrAddress(c, 1), "10.96.0.1"))
  test("the tenth is DNS's", () => assert.equal(cidrAddress(c, 10), "10.96.0.10"))
  test("the last address", () => assert.equal(cidrAddress(c, c.size - 1), "10.111.255.255"))
  test("offsets outside the range throw", () => assert.throws(() => cidrAddress(c, c.size), RangeError))
  test("membership", () => {
    assert.ok(cidrContains(c, "10.100.3.4"))
    assert.ok(!cidrContains(c, "10.112.0.0"))
    assert.ok(!cidrContains(c, "not-an-ip"))
  })
})

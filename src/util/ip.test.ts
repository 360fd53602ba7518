import assert from "node:assert/strict"
import { describe, test } from "node:test"
import {
  formatIp,
  formatPrefix,
  isIpv4Mapped,
  parseIp,
  parsePrefix,
  prefixBounds,
  prefixContains,
  prefixContainsPrefix,
  prefixesOverlap,
} from "./ip.ts"

describe("parseIp and formatIp", () => {
  const cases: { name: string; input: string; want: string | undefined }[] = [
    { name: "IPv4", input: "10.96.0.1", want: "10.96.0.1" },
    { name: "IPv4 zero", input: "0.0.0.0", want: "0.0.0.0" },
    { name: "IPv4 leading zero", input: "10.01.2.3", want: undefined },
    { name: "IPv4 out of range", input: "10.256.0.1", want: undefined },
    { name: "IPv4 short", input: "10.0.1", want: undefined },
    { name: "IPv6 compressed", input: "2001:db8::1", want: "2001:db8::1" },
    { name: "IPv6 upper case", input: "2001:DB8::1", want: "2001:db8::1" },
    { name: "IPv6 uncompressed", input: "2001:db8:0:0:0:0:0:1", want: "2001:db8::1" },
    { name: "IPv6 single zero group stays", input: "2001:db8:0:1:1:1:1:1", want: "2001:db8:0:1:1:1:1:1" },
    { name: "IPv6 longest run wins", input: "1:0:0:2:0:0:0:3", want: "1:0:0:2::3" },
    { name: "IPv6 first of equal runs", input: "1:0:0:2:3:0:0:4", want: "1::2:3:0:0:4" },
    { name: "IPv6 unspecified", input: "::", want: "::" },
    { name: "IPv6 loopback", input: "::1", want: "::1" },
    { name: "IPv6 trailing compression", input: "fd00::", want: "fd00::" },
    { name: "IPv6 leading zeros in a group", input: "2001:0db8::0001", want: "2001:db8::1" },
    { name: "IPv6 with IPv4 tail", input: "::1.2.3.4", want: "::102:304" },
    { name: "IPv4-mapped", input: "::ffff:1.2.3.4", want: "::ffff:1.2.3.4" },
    { name: "IPv6 two compressions", input: "1::2::3", want: undefined },
    { name: "IPv6 too many groups", input: "1:2:3:4:5:6:7:8:9", want: undefined },
    { name: "IPv6 five hex digits", input: "12345::1", want: undefined },
    { name: "IPv6 zone", input: "fe80::1%eth0", want: undefined },
    { name: "IPv4 before compression", input: "1.2.3.4::", want: undefined },
    { name: "empty", input: "", want: undefined },
  ]
  for (const c of cases) {
    test(`parseIp() ${c.name}`, () => {
      const a = parseIp(c.input)
      assert.equal(a === undefined ? undefined : formatIp(a), c.want)
    })
  }

  test("parseIp() with sloppy reads leading zeros as decimal", () => {
    const a = parseIp("010.001.002.003", { sloppy: true })
    assert.equal(a && formatIp(a), "10.1.2.3")
  })

  test("isIpv4Mapped() tells ::ffff:a.b.c.d apart", () => {
    assert.equal(isIpv4Mapped(parseIp("::ffff:1.2.3.4")!), true)
    assert.equal(isIpv4Mapped(parseIp("::1.2.3.4")!), false)
    assert.equal(isIpv4Mapped(parseIp("1.2.3.4")!), false)
  })
})

describe("parsePrefix and formatPrefix", () => {
  const cases: { name: string; input: string; want: string | undefined }[] = [
    { name: "IPv4", input: "10.96.0.0/12", want: "10.96.0.0/12" },
    { name: "IPv4 host bits are cleared when printed", input: "10.96.0.1/12", want: "10.96.0.0/12" },
    { name: "IPv6", input: "2001:db8::/64", want: "2001:db8::/64" },
    { name: "IPv6 long form", input: "2001:db8:0:0::/64", want: "2001:db8::/64" },
    { name: "IPv4 too long", input: "10.0.0.0/33", want: undefined },
    { name: "IPv6 too long", input: "::/129", want: undefined },
    { name: "leading zero length", input: "10.0.0.0/08", want: undefined },
    { name: "no length", input: "10.0.0.0", want: undefined },
    { name: "bad address", input: "10.0.0/8", want: undefined },
  ]
  for (const c of cases) {
    test(`parsePrefix() ${c.name}`, () => {
      const p = parsePrefix(c.input)
      assert.equal(p === undefined ? undefined : formatPrefix(p), c.want)
    })
  }
})

describe("prefix containment", () => {
  const p = (s: string) => parsePrefix(s)!
  const ip = (s: string) => parseIp(s)!

  test("prefixBounds() gives the first and last address", () => {
    assert.deepEqual(prefixBounds(p("10.96.0.0/30")), { first: 0x0a600000n, last: 0x0a600003n })
  })

  const contains: { name: string; prefix: string; ip: string; want: boolean }[] = [
    { name: "first", prefix: "10.96.0.0/12", ip: "10.96.0.0", want: true },
    { name: "last", prefix: "10.96.0.0/12", ip: "10.111.255.255", want: true },
    { name: "past the end", prefix: "10.96.0.0/12", ip: "10.112.0.0", want: false },
    { name: "other family", prefix: "::/0", ip: "10.0.0.1", want: false },
    { name: "IPv6", prefix: "2001:db8::/64", ip: "2001:db8::ffff", want: true },
  ]
  for (const c of contains) {
    test(`prefixContains() ${c.name}`, () => assert.equal(prefixContains(p(c.prefix), ip(c.ip)), c.want))
  }

  test("prefixContainsPrefix() and prefixesOverlap()", () => {
    assert.equal(prefixContainsPrefix(p("10.96.0.0/12"), p("10.96.4.0/24")), true)
    assert.equal(prefixContainsPrefix(p("10.96.4.0/24"), p("10.96.0.0/12")), false)
    assert.equal(prefixesOverlap(p("10.96.4.0/24"), p("10.96.0.0/12")), true)
    assert.equal(prefixesOverlap(p("10.96.0.0/24"), p("10.96.1.0/24")), false)
  })
})

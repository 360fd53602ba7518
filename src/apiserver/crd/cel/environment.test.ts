import assert from "node:assert/strict"
import { describe, test } from "node:test"
import { baseEnvironment } from "./environment.ts"

const env = baseEnvironment().clone().registerVariable("d", "dyn")

/** A result as the cases write it: ints with an n, lists and maps as JSON-ish text. */
function show(v: unknown): string {
  if (typeof v === "bigint") return `${v}n`
  if (Array.isArray(v)) return `[${v.map(show).join(", ")}]`
  if (v instanceof Map) return `{${[...v].map(([k, e]) => `${show(k)}: ${show(e)}`).join(", ")}}`
  if (typeof v === "string") return JSON.stringify(v)
  return String(v)
}

function run(expr: string, d?: unknown): string {
  const checked = env.check(expr)
  if (!checked.valid) return `check: ${(checked.error as Error).message.split("\n")[0]}`
  try {
    return show(env.evaluate(expr, { d }))
  } catch (err) {
    return `error: ${(err as Error).message.split("\n")[0]}`
  }
}

const cases: { name: string; expr: string; want: string; d?: unknown }[] = [
  // strings extension
  { name: "charAt", expr: '"héllo".charAt(1)', want: '"é"' },
  { name: "charAt at the end", expr: '"abc".charAt(3)', want: '""' },
  { name: "charAt out of range", expr: '"abc".charAt(4)', want: "error: index out of range: 4" },
  { name: "replace all", expr: '"a-b-c".replace("-", "+")', want: '"a+b+c"' },
  { name: "replace n", expr: '"a-b-c".replace("-", "+", 1)', want: '"a+b-c"' },
  { name: "replace empty", expr: '"ab".replace("", "_")', want: '"_a_b_"' },
  {
    name: "format mixes types",
    expr: '"%s has %d items, %.2f%%".format(["cart", 3, 12.5])',
    want: '"cart has 3 items, 12.50%"',
  },
  {
    name: "format hex and lists",
    expr: '"%x %X %o %b %s".format([dyn(255), dyn(255), dyn(8), dyn(5), dyn(["a"])])',
    want: '"ff FF 10 101 [\\"a\\"]"',
  },
  {
    name: "format %d of a string",
    expr: '"%d".format(["x"])',
    want: "error: error during formatting: decimal clause can only be used on integers, was given string",
  },
  { name: "strings.quote", expr: 'strings.quote("a\\"b\\n")', want: '"\\"a\\\\\\"b\\\\n\\""' },
  { name: "lowerAscii", expr: '"ABC".lowerAscii()', want: '"abc"' },
  { name: "split and join", expr: '"a,b,c".split(",").join("-")', want: '"a-b-c"' },
  { name: "trim and substring", expr: '"  abc ".trim().substring(1)', want: '"bc"' },
  { name: "indexOf", expr: '"abcabc".lastIndexOf("b")', want: "4n" },
  // lists library and extension
  { name: "isSorted", expr: "[1, 2, 2].isSorted() && !['b', 'a'].isSorted()", want: "true" },
  { name: "sum", expr: "[1, 2, 3].sum()", want: "6n" },
  { name: "sum of durations", expr: 'string([duration("1m"), duration("30s")].sum())', want: '"90s"' },
  { name: "min and max", expr: "[3, 1, 2].min() + [3, 1, 2].max()", want: "4n" },
  { name: "min of an empty list", expr: "[0].slice(0, 0).min()", want: "error: min called on empty list" },
  { name: "indexOf", expr: "[1, 2, 1].indexOf(1) + [1, 2, 1].lastIndexOf(1)", want: "2n" },
  { name: "slice", expr: "[1, 2, 3].slice(1, 3)", want: "[2n, 3n]" },
  {
    name: "slice out of range",
    expr: "[1].slice(0, 2)",
    want: "error: cannot slice(0, 2), list is length 1",
  },
  { name: "flatten", expr: "[[1], [2, 3]].flatten()", want: "[1n, 2n, 3n]" },
  { name: "distinct, reverse, sort", expr: "[3, 1, 3, 2].distinct().reverse().sort()", want: "[1n, 2n, 3n]" },
  { name: "first and last", expr: "[1, 2].first().value() + [1, 2].last().value()", want: "3n" },
  { name: "lists.range", expr: "lists.range(3)", want: "[0n, 1n, 2n]" },
  {
    name: "sets",
    expr: "sets.contains([1, 2], [2]) && sets.equivalent([1, 2], [2, 1]) && !sets.intersects([1], [2])",
    want: "true",
  },
  // regex
  { name: "find", expr: '"abc123".find("[0-9]+")', want: '"123"' },
  { name: "findAll", expr: '"a1b22c3".findAll("[0-9]+", 2)', want: '["1", "22"]' },
  { name: "find with RE2 flags", expr: '"ABC".find("(?i)b")', want: '"B"' },
  // URLs
  { name: "url parts", expr: 'url("https://example.com:8443/a%20b?x=1&x=2").getPort()', want: '"8443"' },
  { name: "url hostname", expr: 'url("https://[::1]:80/").getHostname()', want: '"::1"' },
  {
    name: "url query",
    expr: 'url("https://e.com/?x=1&x=2&y=").getQuery()',
    want: '{"x": ["1", "2"], "y": [""]}',
  },
  {
    name: "url of a relative reference",
    expr: 'url("x/y")',
    want: 'error: URL parse error during conversion from string: parse "x/y": invalid URI for request',
  },
  { name: "isURL", expr: 'isURL("/path") && !isURL("path")', want: "true" },
  // quantities
  { name: "quantity comparison", expr: 'quantity("1Gi").isGreaterThan(quantity("1G"))', want: "true" },
  {
    name: "quantity arithmetic",
    expr: 'quantity("50k").add(20).sub(quantity("100k")).sub(-50000) == quantity("20")',
    want: "true",
  },
  { name: "quantity as integer", expr: 'quantity("2k").asInteger()', want: "2000n" },
  {
    name: "fractional quantity",
    expr: 'quantity("1.5").asInteger()',
    want: "error: cannot convert value to integer",
  },
  { name: "quantity sign", expr: 'sign(quantity("-1m"))', want: "-1n" },
  { name: "bad quantity", expr: 'isQuantity("200K")', want: "false" },
  // IPs and CIDRs
  { name: "ip family", expr: 'ip("10.0.0.1").family() + ip("::1").family()', want: "10n" },
  {
    name: "ip canonical",
    expr: 'ip.isCanonical("2001:db8::1") && !ip.isCanonical("2001:DB8::1")',
    want: "true",
  },
  { name: "ip string", expr: 'string(ip("2001:db8:0:0:0:0:0:1"))', want: '"2001:db8::1"' },
  { name: "ip leading zero", expr: 'isIP("01.2.3.4")', want: "false" },
  {
    name: "ip mapped",
    expr: 'ip("::ffff:1.2.3.4")',
    want: 'error: IPv4-mapped IPv6 address "::ffff:1.2.3.4" is not allowed',
  },
  {
    name: "ip classes",
    expr: 'ip("fe80::1").isLinkLocalUnicast() && ip("8.8.8.8").isGlobalUnicast() && !ip("127.0.0.1").isGlobalUnicast()',
    want: "true",
  },
  {
    name: "cidr contains",
    expr: 'cidr("10.0.0.0/8").containsIP("10.1.2.3") && cidr("10.0.0.0/8").containsCIDR("10.1.0.0/16")',
    want: "true",
  },
  { name: "cidr masked", expr: 'string(cidr("10.1.2.3/8").masked())', want: '"10.0.0.0/8"' },
  { name: "cidr prefix", expr: 'cidr("::1/128").prefixLength()', want: "128n" },
  // time
  {
    name: "timestamp string",
    expr: 'string(timestamp("2024-01-01T00:00:00.120Z"))',
    want: '"2024-01-01T00:00:00.12Z"',
  },
  { name: "duration string", expr: 'string(duration("1h30m"))', want: '"5400s"' },
  {
    name: "timestamp arithmetic",
    expr: 'timestamp("2024-01-01T00:00:00Z") + duration("24h") > timestamp("2024-01-01T23:00:00Z")',
    want: "true",
  },
  // optionals and macros
  { name: "optional field", expr: '{"a": 1}.?b.orValue(5)', want: "5n" },
  { name: "exists_one", expr: "[1, 2, 3].exists_one(x, x > 2)", want: "true" },
  { name: "map and filter", expr: "[1, 2, 3].filter(x, x > 1).map(x, x * 10)", want: "[20n, 30n]" },
  {
    name: "dyn overload at run time",
    expr: "d.startsWith('a')",
    d: 5n,
    want: "error: found no matching overload for 'int.startsWith(string)'",
  },
]

describe("the base environment of CRD validation rules", () => {
  for (const c of cases) test(c.name, () => assert.equal(run(c.expr, c.d), c.want))
})

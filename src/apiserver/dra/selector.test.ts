import assert from "node:assert/strict"
import { test } from "node:test"
import { compileSelector } from "./selector.ts"

const cases: { name: string; input: string; want: string | undefined }[] = [
  { name: "a driver comparison", input: 'device.driver == "dra.example.com"', want: undefined },
  {
    name: "an attribute of a domain, as dyn",
    input: 'device.attributes["dra.example.com"].model == "a100"',
    want: undefined,
  },
  {
    name: "a capacity compared as a quantity",
    input: 'device.capacity["dra.example.com"].memory.compareTo(quantity("1Gi")) >= 0',
    want: undefined,
  },
  {
    name: "a version attribute compared as a semver",
    input: 'device.attributes["dra.example.com"].driverVersion.isGreaterThan(semver("1.0.0"))',
    want: undefined,
  },
  {
    name: "cel.bind over a domain's attributes",
    input: 'cel.bind(dra, device.attributes["dra.example.com"], dra.a && dra.b)',
    want: undefined,
  },
  {
    name: "an attribute alone (dyn) is accepted",
    input: 'device.attributes["dra.example.com"].enabled',
    want: undefined,
  },
  {
    name: "a map indexed by a bool (upstream's own test case)",
    input: "device.attributes[true].someBoolean",
    want: "compilation failed: ERROR: <input>:1:18: found no matching overload for '_[_]' applied to '(map(string, map(string, any)), bool)'\n | device.attributes[true].someBoolean\n | .................^",
  },
  {
    name: "a string compared with an int",
    input: "device.driver == 1",
    want: "compilation failed: ERROR: <input>:1:15: found no matching overload for '_==_' applied to '(string, int)'\n | device.driver == 1\n | ..............^",
  },
  {
    name: "a field the device does not have",
    input: "device.name == 'x'",
    want: "compilation failed: ERROR: <input>:1:7: undefined field 'name'\n | device.name == 'x'\n | ......^",
  },
  {
    name: "a string result",
    input: "device.driver",
    want: "must evaluate to bool or the unknown type, not string",
  },
  {
    name: "the attribute maps' type as upstream declares it",
    input: "device.attributes",
    want: "must evaluate to bool or the unknown type, not map(string, map(string, any))",
  },
]

for (const c of cases) {
  test(`compileSelector(): ${c.name}`, () => {
    const got = compileSelector(c.input)
    assert.equal(got?.detail, c.want)
    if (got) assert.equal(got.type, "Invalid")
  })
}

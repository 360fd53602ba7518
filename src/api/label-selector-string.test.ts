import assert from "node:assert/strict"
import { describe, test } from "node:test"
import { ApiError } from "./errors.ts"
import { parseLabelSelector } from "./label-selector-string.ts"

describe("parseLabelSelector() matches as upstream", () => {
  const labels = { app: "web", tier: "front", replicas: "3", empty: "" }
  const cases: { selector: string; want: boolean }[] = [
    { selector: "", want: true },
    { selector: "  ", want: true },
    { selector: "app=web", want: true },
    { selector: "app == web", want: true },
    { selector: "app!=web", want: false },
    { selector: "other!=x", want: true },
    { selector: "app in (web,db)", want: true },
    { selector: "app in(db)", want: false },
    { selector: "app notin (db)", want: true },
    { selector: "other notin (db)", want: true },
    { selector: "app,tier", want: true },
    { selector: "!app", want: false },
    { selector: "!other", want: true },
    { selector: "empty=", want: true },
    { selector: "empty in (,x)", want: true },
    { selector: "in=x", want: false },
    { selector: "replicas>2", want: true },
    { selector: "replicas<3", want: false },
    { selector: "app>1", want: false },
    { selector: "app=web, tier in (front)", want: true },
  ]
  for (const c of cases) {
    test(JSON.stringify(c.selector), () => {
      const m = parseLabelSelector(c.selector)
      assert.equal(m ? m(labels) : true, c.want)
    })
  }
})

describe("parseLabelSelector() refuses with upstream's messages", () => {
  const valueRule =
    "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"
  const cases: { selector: string; want: string }[] = [
    { selector: "a in (", want: "unable to parse requirement: found '', expected: ',', ')' or identifier" },
    { selector: "a in (x", want: "unable to parse requirement: found '', expected: ',' or ')'" },
    { selector: "a in x", want: "unable to parse requirement: found 'x' expected: '('" },
    { selector: "a=b c", want: "found 'c', expected: ',' or 'end of string'" },
    { selector: "!a=b", want: "found '=', expected: ',' or 'end of string'" },
    { selector: "a,", want: "found '', expected: identifier after ','" },
    { selector: ",a", want: "found ',', expected: !, identifier, or 'end of string'" },
    {
      selector: "a b",
      want: "unable to parse requirement: found 'b', expected: in, notin, =, ==, !=, gt, lt",
    },
    { selector: "a=(", want: "unable to parse requirement: found '(', expected: identifier" },
    {
      selector: "a>x",
      want: `unable to parse requirement: values[0]: Invalid value: "x": for 'Gt', 'Lt' operators, the value must be an integer`,
    },
    {
      selector: "a=b@c",
      want: `unable to parse requirement: values[0][a]: Invalid value: "b@c": ${valueRule}`,
    },
    {
      selector: "a/b/c",
      want: `unable to parse requirement: : Invalid value: "a/b/c": a valid label key must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')`,
    },
  ]
  for (const c of cases) {
    test(JSON.stringify(c.selector), () => {
      assert.throws(
        () => parseLabelSelector(c.selector),
        (e: unknown) => e instanceof ApiError && e.code === 400 && e.message === c.want,
      )
    })
  }
})

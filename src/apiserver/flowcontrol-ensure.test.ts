import assert from "node:assert/strict"
import { describe, test } from "node:test"
import {
  type ApiObject,
  findResource,
  MANDATORY_FLOW_SCHEMAS,
  MANDATORY_PRIORITY_LEVELS,
  type ResourceInfo,
  SUGGESTED_FLOW_SCHEMAS,
  SUGGESTED_PRIORITY_LEVELS,
} from "../api/index.ts"
import { isUnwanted, parseGoBool, revision, type Strategy } from "./flowcontrol-ensure.ts"

const LEVELS = findResource(
  "flowcontrol.apiserver.k8s.io",
  "v1",
  "prioritylevelconfigurations",
) as ResourceInfo
const SCHEMAS = findResource("flowcontrol.apiserver.k8s.io", "v1", "flowschemas") as ResourceInfo
const ANNOTATION = "apf.kubernetes.io/autoupdate-spec"

function byName(list: readonly object[], name: string): ApiObject {
  return list.find((o) => (o as ApiObject).metadata?.name === name) as ApiObject
}

/** The stored form of `bootstrap` with `annotation` (undefined: none), `generation` and a changed spec. */
function stored(
  bootstrap: ApiObject,
  o: { annotation?: string; generation?: number; spec?: (spec: any) => void },
): ApiObject {
  const obj = structuredClone(bootstrap) as ApiObject & { spec: any }
  obj.metadata = { ...obj.metadata, generation: o.generation ?? 1, resourceVersion: "7" }
  if (o.annotation === undefined) delete obj.metadata.annotations
  else obj.metadata.annotations = { [ANNOTATION]: o.annotation }
  o.spec?.(obj.spec)
  return obj
}

const globalDefault = byName(SUGGESTED_PRIORITY_LEVELS, "global-default")
const catchAll = byName(MANDATORY_PRIORITY_LEVELS, "catch-all")
const exempt = byName(MANDATORY_PRIORITY_LEVELS, "exempt")
const moreShares = (spec: any) => (spec.limited.nominalConcurrencyShares = 99)

describe("revision()", () => {
  const cases: {
    name: string
    info?: ResourceInfo
    bootstrap: ApiObject
    current: ApiObject
    strategy: Strategy
    want: { annotation: string; shares?: number; precedence?: number } | undefined
  }[] = [
    {
      name: "an unchanged suggested level needs nothing",
      bootstrap: globalDefault,
      current: stored(globalDefault, { annotation: "true" }),
      strategy: "suggested",
      want: undefined,
    },
    {
      name: "a suggested level annotated true gets its spec back",
      bootstrap: globalDefault,
      current: stored(globalDefault, { annotation: "true", generation: 2, spec: moreShares }),
      strategy: "suggested",
      want: { annotation: "true", shares: 20 },
    },
    {
      name: "a suggested level annotated false keeps the operator's spec",
      bootstrap: globalDefault,
      current: stored(globalDefault, { annotation: "false", generation: 2, spec: moreShares }),
      strategy: "suggested",
      want: undefined,
    },
    {
      name: "Go's other spellings of true are read as it reads them, and kept",
      bootstrap: globalDefault,
      current: stored(globalDefault, { annotation: "TRUE", generation: 2, spec: moreShares }),
      strategy: "suggested",
      want: { annotation: "TRUE", shares: 20 },
    },
    {
      name: "without the annotation, an untouched one (generation 1) is kept and annotated true",
      bootstrap: globalDefault,
      current: stored(globalDefault, { generation: 1, spec: moreShares }),
      strategy: "suggested",
      want: { annotation: "true", shares: 20 },
    },
    {
      name: "without the annotation, an edited one (generation 2) is annotated false and left alone",
      bootstrap: globalDefault,
      current: stored(globalDefault, { generation: 2, spec: moreShares }),
      strategy: "suggested",
      want: { annotation: "false", shares: 99 },
    },
    {
      name: "a mandatory level annotated false is annotated true again and gets its spec back",
      bootstrap: catchAll,
      current: stored(catchAll, { annotation: "false", generation: 3, spec: moreShares }),
      strategy: "mandatory",
      want: { annotation: "true", shares: 5 },
    },
    {
      name: "the exempt level's shares and lendable percent are the operator's",
      bootstrap: exempt,
      current: stored(exempt, {
        annotation: "true",
        generation: 2,
        spec: (s) => (s.exempt = { nominalConcurrencyShares: 7, lendablePercent: 10 }),
      }),
      strategy: "mandatory",
      want: undefined,
    },
    {
      name: "a suggested schema annotated true gets its precedence back",
      info: SCHEMAS,
      bootstrap: byName(SUGGESTED_FLOW_SCHEMAS, "service-accounts"),
      current: stored(byName(SUGGESTED_FLOW_SCHEMAS, "service-accounts"), {
        annotation: "true",
        generation: 2,
        spec: (s) => (s.matchingPrecedence = 42),
      }),
      strategy: "suggested",
      want: { annotation: "true", precedence: 9000 },
    },
    {
      name: "a mandatory schema whose spec is as defaulted needs nothing",
      info: SCHEMAS,
      bootstrap: byName(MANDATORY_FLOW_SCHEMAS, "catch-all"),
      current: stored(byName(MANDATORY_FLOW_SCHEMAS, "catch-all"), {
        annotation: "true",
        spec: (s) => (s.rules[0].resourceRules[0].clusterScope = true),
      }),
      strategy: "mandatory",
      want: undefined,
    },
  ]
  for (const c of cases) {
    test(c.name, () => {
      const got = revision(c.info ?? LEVELS, c.current, c.bootstrap, c.strategy) as
        (ApiObject & { spec: any }) | undefined
      if (!c.want) return assert.equal(got, undefined)
      assert.ok(got)
      assert.equal(got.metadata?.annotations?.[ANNOTATION], c.want.annotation)
      assert.equal(got.metadata?.resourceVersion, "7")
      if (c.want.shares !== undefined) assert.equal(got.spec.limited.nominalConcurrencyShares, c.want.shares)
      if (c.want.precedence !== undefined) assert.equal(got.spec.matchingPrecedence, c.want.precedence)
    })
  }
})

describe("parseGoBool()", () => {
  const cases: [string | undefined, boolean | undefined][] = [
    ["true", true],
    ["1", true],
    ["True", true],
    ["false", false],
    ["0", false],
    ["yes", undefined],
    ["", undefined],
    [undefined, undefined],
  ]
  for (const [input, want] of cases) {
    test(`reads ${JSON.stringify(input)} as ${String(want)}`, () => assert.equal(parseGoBool(input), want))
  }
})

describe("isUnwanted()", () => {
  const cases: { name: string; annotations?: Record<string, string>; want: boolean }[] = [
    { name: "an object annotated true is the server's", annotations: { [ANNOTATION]: "true" }, want: true },
    { name: "one annotated false is kept", annotations: { [ANNOTATION]: "false" }, want: false },
    { name: "a malformed annotation is kept", annotations: { [ANNOTATION]: "maybe" }, want: false },
    { name: "an operator's own object is kept", want: false },
  ]
  for (const c of cases) {
    test(c.name, () =>
      assert.equal(
        isUnwanted({ metadata: { name: "x", ...(c.annotations ? { annotations: c.annotations } : {}) } }),
        c.want,
      ),
    )
  }
})

import assert from "node:assert/strict"
import { describe, test } from "node:test"
import type { CustomResourceDefinition } from "kubernetes-types/apiextensions/v1.js"
import type { StructuralSchema as Schema } from "../../../api/index.ts"
import { validateCrdRules } from "./crd-rules.ts"

function crd(spec: Schema): CustomResourceDefinition {
  return {
    apiVersion: "apiextensions.k8s.io/v1",
    kind: "CustomResourceDefinition",
    metadata: { name: "widgets.example.com" },
    spec: {
      group: "example.com",
      scope: "Namespaced",
      names: { plural: "widgets", singular: "widget", kind: "Widget", listKind: "WidgetList" },
      versions: [
        {
          name: "v1",
          served: true,
          storage: true,
          schema: { openAPIV3Schema: { type: "object", properties: { spec: spec as never } } },
        },
      ],
    },
  }
}

const P = "spec.validation.openAPIV3Schema.properties[spec]"
const V = `${P}.x-kubernetes-validations`

function spec(
  rules: unknown[],
  properties: Record<string, Schema> = { replicas: { type: "integer" } },
): Schema {
  return { type: "object", properties, "x-kubernetes-validations": rules as never }
}

const cases: { name: string; spec: Schema; want: string[] }[] = [
  {
    name: "rules that compile pass",
    spec: spec([{ rule: "self.replicas >= 0", messageExpression: "'got ' + string(self.replicas)" }]),
    want: [],
  },
  {
    name: "an undefined field",
    spec: spec([{ rule: "self.foo > 1" }]),
    want: [
      `${V}[0].rule: Invalid value: {"Rule":"self.foo \\u003e 1","Message":"","MessageExpression":"","Reason":null,"FieldPath":"","OptionalOldSelf":null}: compilation failed: ERROR: <input>:1:5: undefined field 'foo'\n | self.foo > 1\n | ....^`,
    ],
  },
  {
    name: "an undeclared reference",
    spec: spec([{ rule: "replicas > 1", message: "m" }]),
    want: [
      `${V}[0].rule: Invalid value: {"Rule":"replicas \\u003e 1","Message":"m","MessageExpression":"","Reason":null,"FieldPath":"","OptionalOldSelf":null}: compilation failed: ERROR: <input>:1:1: undeclared reference to 'replicas' (in container '')\n | replicas > 1\n | ^`,
    ],
  },
  {
    name: "no matching overload",
    spec: spec([{ rule: "self.replicas == 'x'" }]),
    want: [
      `${V}[0].rule: Invalid value: {"Rule":"self.replicas == 'x'","Message":"","MessageExpression":"","Reason":null,"FieldPath":"","OptionalOldSelf":null}: compilation failed: ERROR: <input>:1:15: found no matching overload for '_==_' applied to '(int, string)'\n | self.replicas == 'x'\n | ..............^`,
    ],
  },
  {
    name: "not a bool",
    spec: spec([{ rule: "self.replicas" }]),
    want: [
      `${V}[0].rule: Invalid value: {"Rule":"self.replicas","Message":"","MessageExpression":"","Reason":null,"FieldPath":"","OptionalOldSelf":null}: cel expression must evaluate to a bool`,
    ],
  },
  {
    name: "a messageExpression that is not a string, or does not compile",
    spec: spec([
      { rule: "true", messageExpression: "self.replicas" },
      { rule: "true", messageExpression: "self.nope" },
    ]),
    want: [
      `${V}[0].messageExpression: Invalid value: {"Rule":"true","Message":"","MessageExpression":"self.replicas","Reason":null,"FieldPath":"","OptionalOldSelf":null}: messageExpression must evaluate to a string`,
      `${V}[1].messageExpression: Invalid value: {"Rule":"true","Message":"","MessageExpression":"self.nope","Reason":null,"FieldPath":"","OptionalOldSelf":null}: messageExpression compilation failed: ERROR: <input>:1:5: undefined field 'nope'\n | self.nope\n | ....^`,
    ],
  },
  {
    name: "a literal duration that does not parse",
    spec: spec([{ rule: "duration('1x') > duration('1s')" }]),
    want: [
      `${V}[0].rule: Invalid value: {"Rule":"duration('1x') \\u003e duration('1s')","Message":"","MessageExpression":"","Reason":null,"FieldPath":"","OptionalOldSelf":null}: compilation failed: ERROR: <input>:1:10: invalid duration argument\n | duration('1x') > duration('1s')\n | .........^`,
    ],
  },
  {
    name: "the rule's own fields",
    spec: spec([
      { rule: " " },
      { rule: "true", message: " " },
      { rule: "true", message: "a\nb" },
      { rule: "true ||\nfalse" },
      { rule: "true", messageExpression: " " },
      { rule: "true", reason: "Teapot" },
      { rule: "true", fieldPath: "replicas" },
      { rule: "true", fieldPath: ".nope" },
    ]),
    want: [
      `${V}[0].rule: Required value: rule is not specified`,
      `${V}[1].message: Invalid value: " ": must be non-empty if specified`,
      `${V}[2].message: Invalid value: "a\\nb": must not contain line breaks`,
      `${V}[3].message: Required value: message must be specified if rule contains line breaks`,
      `${V}[4].messageExpression: Required value: messageExpression must be non-empty if specified`,
      `${V}[5].reason: Unsupported value: "Teapot": supported values: "FieldValueDuplicate", "FieldValueForbidden", "FieldValueInvalid", "FieldValueRequired"`,
      `${V}[6].fieldPath: Invalid value: "replicas": must be a valid path`,
      `${V}[7].fieldPath: Invalid value: ".nope": must be a valid path`,
    ],
  },
  {
    name: "a field error keeps the position's rules from being compiled",
    spec: spec([{ rule: "self.foo" }, { rule: "true", reason: "Teapot" }]),
    want: [
      `${V}[1].reason: Unsupported value: "Teapot": supported values: "FieldValueDuplicate", "FieldValueForbidden", "FieldValueInvalid", "FieldValueRequired"`,
    ],
  },
  {
    name: "mixed list literals, except in format's arguments",
    spec: spec([{ rule: "'%s %d'.format(['a', 1]) != '' && [1, 'a'].size() == 2" }]),
    want: [
      `${V}[0].rule: Invalid value: {"Rule":"'%s %d'.format(['a', 1]) != '' \\u0026\\u0026 [1, 'a'].size() == 2","Message":"","MessageExpression":"","Reason":null,"FieldPath":"","OptionalOldSelf":null}: compilation failed: ERROR: <input>:1:39: expected type 'int' but found 'string'\n | '%s %d'.format(['a', 1]) != '' && [1, 'a'].size() == 2\n | ......................................^`,
    ],
  },
  {
    name: "optionalOldSelf without oldSelf",
    spec: spec([{ rule: "self.replicas > 0", optionalOldSelf: true }]),
    want: [`${V}[0].optionalOldSelf: Invalid value: true: may not be set if oldSelf is not used in rule`],
  },
  {
    name: "oldSelf under a list that is not a map-list",
    spec: spec([], {
      tags: {
        type: "array",
        items: { type: "string", "x-kubernetes-validations": [{ rule: "self == oldSelf" }] },
      },
      ports: {
        type: "array",
        "x-kubernetes-list-type": "map",
        "x-kubernetes-list-map-keys": ["name"],
        items: {
          type: "object",
          required: ["name"],
          properties: { name: { type: "string" } },
          "x-kubernetes-validations": [{ rule: "self == oldSelf" }],
        },
      },
    }),
    want: [
      `${P}.properties[tags].items.x-kubernetes-validations[0].rule: Invalid value: "self == oldSelf": oldSelf cannot be used on the uncorrelatable portion of the schema within ${P}.properties[tags]`,
    ],
  },
  {
    name: "a shadowed oldSelf is not a transition",
    spec: spec([{ rule: "[1].all(oldSelf, oldSelf > 0)", optionalOldSelf: false }]),
    want: [`${V}[0].optionalOldSelf: Invalid value: false: may not be set if oldSelf is not used in rule`],
  },
]

describe("validateCrdRules", () => {
  for (const c of cases) {
    test(c.name, () => {
      assert.deepEqual(
        validateCrdRules(crd(c.spec), true).map((e) => `${e.field}: ${e.message}`),
        c.want,
      )
    })
  }

  test("without a CEL context only the rule's own fields are checked", () => {
    assert.deepEqual(validateCrdRules(crd(spec([{ rule: "self.foo" }])), false), [])
  })
})

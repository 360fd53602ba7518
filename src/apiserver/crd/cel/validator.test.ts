import assert from "node:assert/strict"
import { describe, test } from "node:test"
import type { StructuralSchema as Schema, ValidationRule } from "../../../api/index.ts"
import { RuleValidator } from "./validator.ts"

/** A resource schema whose spec is `spec`. */
function resource(spec: Schema, root: ValidationRule[] = []): Schema {
  return {
    type: "object",
    ...(root.length ? { "x-kubernetes-validations": root } : {}),
    properties: { spec },
  }
}

function object(
  properties: Record<string, Schema>,
  rules: ValidationRule[] = [],
  extra: Schema = {},
): Schema {
  return {
    type: "object",
    properties,
    ...(rules.length ? { "x-kubernetes-validations": rules } : {}),
    ...extra,
  }
}

const int = (...rules: ValidationRule[]): Schema => ({ type: "integer", "x-kubernetes-validations": rules })
const str = (...rules: ValidationRule[]): Schema => ({ type: "string", "x-kubernetes-validations": rules })

function cr(spec: unknown, name = "w"): Record<string, unknown> {
  return { apiVersion: "example.com/v1", kind: "Widget", metadata: { name }, spec }
}

interface Case {
  name: string
  schema: Schema
  obj: unknown
  old?: unknown
  want: string[]
  /** Errors ratcheted to warnings. */
  ratcheted?: string[]
}

const cases: Case[] = [
  {
    name: "a passing rule reports nothing",
    schema: resource(object({ replicas: int({ rule: "self >= 0" }) })),
    obj: cr({ replicas: 1 }),
    want: [],
  },
  {
    name: "a failing scalar rule shows the value and the default message",
    schema: resource(object({ replicas: int({ rule: "self < 10" }) })),
    obj: cr({ replicas: 12 }),
    want: ["spec.replicas: Invalid value: 12: failed rule: self < 10"],
  },
  {
    name: "an object's rule shows no value; message is trimmed",
    schema: resource(
      object({ min: { type: "integer" }, max: { type: "integer" } }, [
        { rule: "self.min <= self.max", message: " min above max " },
      ]),
    ),
    obj: cr({ min: 3, max: 1 }),
    want: ["spec: Invalid value: min above max"],
  },
  {
    name: "a rule at the root is reported at <nil>, and sees metadata.name",
    schema: resource(object({}), [{ rule: "self.metadata.name.startsWith('w-')" }]),
    obj: cr({}, "x"),
    want: ["<nil>: Invalid value: failed rule: self.metadata.name.startsWith('w-')"],
  },
  {
    name: "messageExpression gives the message; a failing one falls back to message",
    schema: resource(
      object({ n: { type: "integer" } }, [
        { rule: "self.n < 5", messageExpression: "'n is ' + string(self.n)" },
        { rule: "self.n < 4", messageExpression: "'x' + self.missing", message: "fallback" },
        { rule: "self.n < 3", messageExpression: "'  '" },
      ]),
    ),
    obj: cr({ n: 7 }),
    want: [
      "spec: Invalid value: n is 7",
      "spec: Invalid value: fallback",
      "spec: Invalid value: failed rule: self.n < 3",
    ],
  },
  {
    name: "reasons map to their error types",
    schema: resource(
      object({ s: str() }, [
        { rule: "false", reason: "FieldValueForbidden", message: "no" },
        { rule: "false", reason: "FieldValueRequired", message: "need" },
        { rule: "false", reason: "FieldValueDuplicate", fieldPath: ".s" },
        { rule: "false", reason: "FieldValueInvalid", message: "bad" },
      ]),
    ),
    obj: cr({ s: "x" }),
    want: [
      "spec: Forbidden: no",
      "spec: Required value: need",
      "spec.s: Duplicate value",
      "spec: Invalid value: bad",
    ],
  },
  {
    name: "fieldPath moves the error, map keys in brackets",
    schema: resource(
      object({ labels: { type: "object", additionalProperties: { type: "string" } } }, [
        { rule: "'app' in self.labels", fieldPath: ".labels['app']" },
      ]),
    ),
    obj: cr({ labels: {} }),
    want: ["spec.labels[app]: Invalid value: failed rule: 'app' in self.labels"],
  },
  {
    name: "rules on list items and map values are reported at their index and key",
    schema: resource(
      object({
        tags: { type: "array", items: str({ rule: "self.size() <= 3" }) },
        env: { type: "object", additionalProperties: str({ rule: "self != ''" }) },
      }),
    ),
    obj: cr({ tags: ["ok", "long"], env: { A: "1", B: "" } }),
    want: [
      'spec.tags[1]: Invalid value: "long": failed rule: self.size() <= 3',
      "spec.env[B]: Invalid value: \"\": failed rule: self != ''",
    ],
  },
  {
    name: "int-or-string is dyn; numbers are doubles, integers ints",
    schema: resource(
      object({
        port: {
          "x-kubernetes-int-or-string": true,
          "x-kubernetes-validations": [{ rule: "type(self) == int ? self > 0 : self.endsWith('%')" }],
        },
        ratio: { type: "number", "x-kubernetes-validations": [{ rule: "self < 1.0" }] },
      }),
    ),
    obj: cr({ port: "50", ratio: 2 }),
    want: [
      "spec.port: Invalid value: \"50\": failed rule: type(self) == int ? self > 0 : self.endsWith('%')",
      "spec.ratio: Invalid value: 2: failed rule: self < 1.0",
    ],
  },
  {
    name: "formats: date-time is a timestamp, duration a duration, byte bytes",
    schema: resource(
      object({
        at: {
          type: "string",
          format: "date-time",
          "x-kubernetes-validations": [{ rule: "self > timestamp('2020-01-01T00:00:00Z')" }],
        },
        ttl: {
          type: "string",
          format: "duration",
          "x-kubernetes-validations": [{ rule: "self <= duration('1h')" }],
        },
        data: { type: "string", format: "byte", "x-kubernetes-validations": [{ rule: "self.size() == 2" }] },
      }),
    ),
    obj: cr({ at: "2019-06-01T00:00:00Z", ttl: "2h", data: "YWJj" }),
    want: [
      "spec.at: Invalid value: \"2019-06-01T00:00:00Z\": failed rule: self > timestamp('2020-01-01T00:00:00Z')",
      "spec.ttl: Invalid value: \"2h\": failed rule: self <= duration('1h')",
      'spec.data: Invalid value: "YWJj": failed rule: self.size() == 2',
    ],
  },
  {
    name: "has() on absent fields and map keys; unknown fields of preserve-unknown objects are not seen",
    schema: resource(
      object(
        {
          free: { type: "object", "x-kubernetes-preserve-unknown-fields": true },
          opt: { type: "string" },
          m: { type: "object", additionalProperties: { type: "integer" } },
        },
        [{ rule: "!has(self.opt) && has(self.m.a) && !has(self.m.b) && self.m.size() == 1" }],
      ),
    ),
    obj: cr({ free: { x: 1 }, m: { a: 1 } }),
    want: [],
  },
  {
    name: "an evaluation error names the rule",
    schema: resource(
      object({ m: { type: "object", additionalProperties: { type: "integer" } } }, [
        { rule: "self.m['x'] > 0" },
      ]),
    ),
    obj: cr({ m: {} }),
    want: ["spec: Invalid value: \"object\": no such key: x evaluating rule: self.m['x'] > 0"],
  },
  {
    name: "a null value is not validated",
    schema: resource(object({ s: { ...str({ rule: "self != ''" }), nullable: true } })),
    obj: cr({ s: null }),
    want: [],
  },
  {
    name: "property names are escaped",
    schema: resource(
      object({ "x-y": { type: "integer" }, namespace: { type: "integer" } }, [
        { rule: "self.x__dash__y < self.__namespace__" },
      ]),
    ),
    obj: cr({ "x-y": 2, namespace: 1 }),
    want: ["spec: Invalid value: failed rule: self.x__dash__y < self.__namespace__"],
  },
  {
    name: "transition rules do not run on create",
    schema: resource(object({ name: str({ rule: "self == oldSelf", message: "immutable" }) })),
    obj: cr({ name: "a" }),
    want: [],
  },
  {
    name: "transition rules compare with the old value on update",
    schema: resource(object({ name: str({ rule: "self == oldSelf", message: "immutable" }) })),
    obj: cr({ name: "b" }),
    old: cr({ name: "a" }),
    want: ['spec.name: Invalid value: "b": immutable'],
  },
  {
    name: "whole-object immutability",
    schema: resource(
      object({ a: { type: "integer" }, b: { type: "array", items: { type: "string" } } }, [
        { rule: "self == oldSelf", message: "spec is immutable" },
      ]),
    ),
    obj: cr({ a: 1, b: ["x", "y"] }),
    old: cr({ a: 1, b: ["y", "x"] }),
    want: ["spec: Invalid value: spec is immutable"],
  },
  {
    name: "a transition rule does not run where the old object has no value",
    schema: resource(object({ name: str({ rule: "self == oldSelf" }) })),
    obj: cr({ name: "b" }),
    old: cr({}),
    want: [],
  },
  {
    name: "optionalOldSelf runs on create with oldSelf absent",
    schema: resource(
      object(
        {
          n: int({
            rule: "!oldSelf.hasValue() || self >= oldSelf.value()",
            optionalOldSelf: true,
            message: "may only grow",
          }),
        },
        [{ rule: "oldSelf.hasValue() || self.n == 1", optionalOldSelf: true, message: "starts at 1" }],
      ),
    ),
    obj: cr({ n: 2 }),
    want: ["spec: Invalid value: starts at 1"],
  },
  {
    name: "optionalOldSelf compares on update",
    schema: resource(
      object({
        n: int({
          rule: "!oldSelf.hasValue() || self >= oldSelf.value()",
          optionalOldSelf: true,
          message: "may only grow",
        }),
      }),
    ),
    obj: cr({ n: 2 }),
    old: cr({ n: 3 }),
    want: ["spec.n: Invalid value: 2: may only grow"],
  },
  {
    name: "map-list items correlate by key; other list items have no oldSelf",
    schema: resource(
      object({
        ports: {
          type: "array",
          "x-kubernetes-list-type": "map",
          "x-kubernetes-list-map-keys": ["name"],
          items: object(
            { name: { type: "string" }, port: { type: "integer" } },
            [{ rule: "self.port == oldSelf.port", message: "port is immutable" }],
            { required: ["name"] },
          ),
        },
      }),
    ),
    obj: cr({
      ports: [
        { name: "b", port: 2 },
        { name: "a", port: 9 },
        { name: "c", port: 3 },
      ],
    }),
    old: cr({
      ports: [
        { name: "a", port: 1 },
        { name: "b", port: 2 },
      ],
    }),
    want: ["spec.ports[1]: Invalid value: port is immutable"],
  },
  {
    name: "errors of unchanged values are ratcheted on update",
    schema: resource(object({ a: int({ rule: "self < 5" }), b: int({ rule: "self < 5" }) })),
    obj: cr({ a: 7, b: 8 }),
    old: cr({ a: 7, b: 6 }),
    want: ["spec.b: Invalid value: 8: failed rule: self < 5"],
    ratcheted: ["spec.a: Invalid value: 7: failed rule: self < 5"],
  },
  {
    name: "list items ratchet with their list",
    schema: resource(object({ tags: { type: "array", items: str({ rule: "self != 'x'" }) } })),
    obj: cr({ tags: ["x"] }),
    old: cr({ tags: ["x"] }),
    want: [],
    ratcheted: ["spec.tags[0]: Invalid value: \"x\": failed rule: self != 'x'"],
  },
  {
    name: "rules of embedded resources see their apiVersion, kind and metadata.name",
    schema: resource(
      object({
        template: {
          type: "object",
          "x-kubernetes-embedded-resource": true,
          "x-kubernetes-preserve-unknown-fields": true,
          "x-kubernetes-validations": [{ rule: "self.kind == 'Pod' && self.metadata.name != ''" }],
        },
      }),
    ),
    obj: cr({ template: { apiVersion: "v1", kind: "Service", metadata: { name: "s" } } }),
    want: ["spec.template: Invalid value: failed rule: self.kind == 'Pod' && self.metadata.name != ''"],
  },
  {
    name: "rules under allOf run too",
    schema: resource({
      ...object({ n: { type: "integer" } }),
      allOf: [{ "x-kubernetes-validations": [{ rule: "self.n > 0" }] }],
    }),
    obj: cr({ n: 0 }),
    want: ["spec: Invalid value: failed rule: self.n > 0"],
  },
]

function texts(errs: { field: string; message: string }[]): string[] {
  return errs.map((e) => `${e.field}: ${e.message}`)
}

describe("RuleValidator", () => {
  for (const c of cases) {
    test(c.name, () => {
      const v = RuleValidator.of(c.schema)
      assert.ok(v)
      const r = v.validate(c.obj, c.old)
      assert.deepEqual(texts(r.errors), c.want)
      assert.deepEqual(texts(r.ratcheted), c.ratcheted ?? [])
    })
  }

  test("of() gives no validator for a schema without rules", () => {
    assert.equal(RuleValidator.of(resource(object({ a: { type: "integer" } }))), undefined)
  })
})

import assert from "node:assert/strict"
import { describe, test } from "node:test"
import type { ValidatingAdmissionPolicy } from "kubernetes-types/admissionregistration/v1.js"
import { BUILTIN_RESOURCES, findResource, type StructuralSchema } from "../../api/index.ts"
import { builtinSchema } from "./builtin-schema.ts"
import { TypeChecker, type TypeCheckSource, typesToCheck } from "./typecheck.ts"

/** A custom kind served at example.com/v1 with a schema of its own. */
const LIMITS = {
  ...findResource("", "v1", "configmaps")!,
  group: "example.com",
  kind: "Limit",
  resource: "limits",
  custom: true,
}
const LIMIT_SCHEMA: StructuralSchema = {
  type: "object",
  properties: { spec: { type: "object", properties: { max: { type: "integer" } } } },
}

const SOURCE: TypeCheckSource = {
  resource: (g, v, r) => (g === "example.com" && r === "limits" ? LIMITS : findResource(g, v, r)),
  kind: (g, v, k) =>
    g === "example.com" && k === "Limit"
      ? LIMITS
      : BUILTIN_RESOURCES.find((i) => i.group === g && i.version === v && i.kind === k),
  schema: (i) => (i.custom ? LIMIT_SCHEMA : builtinSchema(i.group, i.version, i.kind)),
}

function policy(rules: object[], spec: Record<string, unknown> = {}): ValidatingAdmissionPolicy {
  return { metadata: { name: "p" }, spec: { matchConstraints: { resourceRules: rules as never }, ...spec } }
}

const rule = (apiGroups: string[], apiVersions: string[], resources: string[]) => ({
  apiGroups,
  apiVersions,
  resources,
  operations: ["*"],
})

describe("typesToCheck()", () => {
  const cases: { name: string; rules: object[]; want: string[] }[] = [
    {
      name: "each resource's kind, sorted",
      rules: [rule(["apps"], ["v1"], ["replicasets", "deployments"])],
      want: ["apps/v1/Deployment", "apps/v1/ReplicaSet"],
    },
    {
      name: "a wildcard group or version: none",
      rules: [rule(["*"], ["v1"], ["pods"]), rule(["apps"], ["*"], ["deployments"])],
      want: [],
    },
    {
      name: "wildcard resources and subresources are left out",
      rules: [rule([""], ["v1"], ["*", "pods/status", "pods"])],
      want: ["/v1/Pod"],
    },
    { name: "unknown resources are left out", rules: [rule([""], ["v1"], ["nopes"])], want: [] },
    {
      name: "across groups",
      rules: [rule(["", "batch"], ["v1"], ["jobs", "pods"])],
      want: ["/v1/Pod", "batch/v1/Job"],
    },
  ]
  for (const c of cases) {
    test(c.name, () => {
      assert.deepEqual(
        typesToCheck(policy(c.rules), SOURCE).map((g) => `${g.group}/${g.version}/${g.kind}`),
        c.want,
      )
    })
  }
})

describe("TypeChecker", () => {
  const checker = new TypeChecker(SOURCE)

  test("expressions that fit every kind: no warnings", async () => {
    const p = policy([rule(["apps"], ["v1"], ["deployments"])], {
      variables: [{ name: "r", expression: "object.spec.replicas" }],
      validations: [
        {
          expression:
            "variables.r <= 5 && object.metadata.labels['a'] == 'b' && has(object.spec.template.spec.nodeName)",
          messageExpression: "'too many: ' + string(object.spec.replicas)",
        },
      ],
    })
    assert.deepEqual(await checker.check(p), [])
  })

  test("each kind an expression does not fit, in upstream's words", async () => {
    const p = policy([rule(["apps"], ["v1"], ["deployments", "statefulsets"])], {
      validations: [
        { expression: "object.spec.replica <= 5" },
        { expression: "true", messageExpression: "object.spec.replicas + 'x'" },
      ],
    })
    assert.deepEqual(await checker.check(p), [
      {
        fieldRef: "spec.validations[0].expression",
        warning:
          "apps/v1, Kind=Deployment: ERROR: <input>:1:12: undefined field 'replica'\n | object.spec.replica <= 5\n | ...........^\n" +
          "\n" +
          "apps/v1, Kind=StatefulSet: ERROR: <input>:1:12: undefined field 'replica'\n | object.spec.replica <= 5\n | ...........^\n",
      },
      {
        fieldRef: "spec.validations[1].messageExpression",
        warning:
          "apps/v1, Kind=Deployment: ERROR: <input>:1:22: found no matching overload for '_+_' applied to '(int, string)'\n | object.spec.replicas + 'x'\n | .....................^\n" +
          "\n" +
          "apps/v1, Kind=StatefulSet: ERROR: <input>:1:22: found no matching overload for '_+_' applied to '(int, string)'\n | object.spec.replicas + 'x'\n | .....................^\n",
      },
    ])
  })

  test("params have the paramKind's type; a custom kind's schema is its own", async () => {
    const p = policy([rule(["apps"], ["v1"], ["deployments"])], {
      paramKind: { apiVersion: "example.com/v1", kind: "Limit" },
      validations: [
        { expression: "object.spec.replicas <= params.spec.max" },
        { expression: "params.spec.min == 1" },
      ],
    })
    const warnings = await checker.check(p)
    assert.deepEqual(
      warnings.map((w) => w.fieldRef),
      ["spec.validations[1].expression"],
    )
    assert.match(warnings[0]?.warning ?? "", /undefined field 'min'/)
  })

  test("a paramKind without a schema leaves params undeclared, as upstream", async () => {
    const p = policy([rule(["apps"], ["v1"], ["deployments"])], {
      paramKind: { apiVersion: "example.com/v9", kind: "Unknown" },
      validations: [{ expression: "params != null" }],
    })
    assert.match((await checker.check(p))[0]?.warning ?? "", /undeclared reference to 'params'/)
  })
})

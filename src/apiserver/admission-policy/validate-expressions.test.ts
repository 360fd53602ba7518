import assert from "node:assert/strict"
import { describe, test } from "node:test"
import { findResource, type ResourceInfo, validateObject } from "../../api/index.ts"
import { withPolicyExpressionErrors } from "./validate-expressions.ts"

const VAPS = findResource("admissionregistration.k8s.io", "v1", "validatingadmissionpolicies") as ResourceInfo
const PODS = findResource("", "v1", "pods") as ResourceInfo

function policy(spec: Record<string, unknown>): any {
  return {
    apiVersion: "admissionregistration.k8s.io/v1",
    kind: "ValidatingAdmissionPolicy",
    metadata: { name: "p" },
    spec: {
      failurePolicy: "Fail",
      matchConstraints: {
        matchPolicy: "Equivalent",
        namespaceSelector: {},
        objectSelector: {},
        resourceRules: [
          { apiGroups: ["apps"], apiVersions: ["v1"], operations: ["CREATE"], resources: ["deployments"] },
        ],
      },
      ...spec,
    },
  }
}

/** The policy's validation errors, as the server reports them: field and message. */
function errors(p: any, old?: any): string[] {
  const errs = withPolicyExpressionErrors(VAPS, p, old, "", validateObject(VAPS, p, old))
  return errs.map((e) => `${e.field}: ${e.message}`)
}

const undeclared = (name: string, expr: string, col = 1) =>
  `compilation failed: ERROR: <input>:1:${col}: undeclared reference to '${name}' (in container '')\n | ${expr}\n | ${".".repeat(col - 1)}^`

describe("withPolicyExpressionErrors()", () => {
  test("a valid policy has none", () => {
    const p = policy({
      paramKind: { apiVersion: "v1", kind: "ConfigMap" },
      matchConditions: [{ name: "c", expression: "params != null" }],
      variables: [{ name: "r", expression: "object.spec.replicas" }],
      validations: [{ expression: "variables.r <= 5", messageExpression: "'max ' + string(variables.r)" }],
      auditAnnotations: [{ key: "k", valueExpression: "string(variables.r)" }],
    })
    assert.deepEqual(errors(p), [])
  })

  test("each expression that does not compile, in upstream's order among the other errors", () => {
    const p = policy({
      matchConditions: [{ name: "bad name!", expression: " objekt == 1 " }],
      variables: [
        { name: "1x", expression: "nope" },
        { name: "ok", expression: "variables.later" },
        { name: "later", expression: "1" },
      ],
      validations: [
        { expression: "'s'", messageExpression: "authorizer != null", reason: "Teapot" },
        { expression: "variables.later == 1" },
      ],
      auditAnnotations: [
        { key: "k", valueExpression: "1" },
        { key: "k", valueExpression: "'ok'" },
      ],
    })
    assert.deepEqual(errors(p), [
      `spec.matchConditions[0].expression: Invalid value: "objekt == 1": ${undeclared("objekt", "objekt == 1")}`,
      `spec.matchConditions[0].name: Invalid value: "bad name!": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')`,
      `spec.variables[0].name: Invalid value: "1x": name is not a valid CEL identifier`,
      `spec.variables[0].expression: Invalid value: "nope": ${undeclared("nope", "nope")}`,
      // A variable sees only those before it.
      `spec.variables[1].expression: Invalid value: "variables.later": compilation failed: ERROR: <input>:1:10: undefined field 'later'\n | variables.later\n | .........^`,
      `spec.validations[0].expression: Invalid value: "'s'": must evaluate to bool but got string`,
      // Message expressions have no authorizer.
      `spec.validations[0].messageExpression: Invalid value: "authorizer != null": ${undeclared("authorizer", "authorizer != null")}`,
      `spec.validations[0].reason: Unsupported value: "Teapot": supported values: "Forbidden", "Invalid", "RequestEntityTooLarge"`,
      `spec.auditAnnotations[0].valueExpression: Invalid value: "1": must evaluate to one of [string null_type] but got int`,
      `spec.auditAnnotations[1].key: Duplicate value: "k"`,
    ])
  })

  test("without a paramKind there are no params; matchConditions see no variables", () => {
    const p = policy({
      variables: [{ name: "v", expression: "1" }],
      matchConditions: [{ name: "c", expression: "variables.v == 1" }],
      validations: [{ expression: "params == null" }],
    })
    assert.deepEqual(errors(p), [
      `spec.matchConditions[0].expression: Invalid value: "variables.v == 1": ${undeclared("variables", "variables.v == 1")}`,
      `spec.validations[0].expression: Invalid value: "params == null": ${undeclared("params", "params == null")}`,
    ])
  })

  test("an update leaving matchConditions and paramKind as they were does not compile them again", () => {
    const old = policy({
      matchConditions: [{ name: "c", expression: "nope" }],
      validations: [{ expression: "true" }],
    })
    old.metadata.resourceVersion = "1"
    const p = { ...old, spec: { ...old.spec, validations: [{ expression: "false" }] } }
    assert.deepEqual(errors(p, old), [])
  })

  test("the status and other kinds are left alone", () => {
    const p = policy({ validations: [{ expression: "nope" }] })
    assert.deepEqual(withPolicyExpressionErrors(VAPS, p, p, "status", []), [])
    assert.deepEqual(withPolicyExpressionErrors(PODS, p, undefined, "", []), [])
  })
})

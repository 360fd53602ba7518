import assert from "node:assert/strict"
import { describe, test } from "node:test"
import type { ValidatingAdmissionPolicySpec } from "kubernetes-types/admissionregistration/v1.js"
import { compilePolicy } from "./compile.ts"
import { type EvaluationInput, validate, type ValidateResult } from "./evaluate.ts"

const DEPLOYMENT = {
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name: "web", namespace: "team-a", labels: { tier: "front" } },
  spec: { replicas: 6 },
}

function input(over: Partial<EvaluationInput> = {}): EvaluationInput {
  return {
    object: DEPLOYMENT,
    oldObject: null,
    params: null,
    request: { operation: "CREATE", name: "web", namespace: "team-a", userInfo: { username: "alice" } },
    namespaceObject: { metadata: { name: "team-a", labels: { env: "test" } }, spec: {}, status: {} },
    ...over,
  }
}

interface Case {
  readonly name: string
  readonly spec: ValidatingAdmissionPolicySpec
  readonly input?: Partial<EvaluationInput>
  readonly failurePolicy?: string
  readonly want: ValidateResult
}

const deny = (message: string, reason = "Invalid") => ({
  action: "deny",
  evaluation: "deny",
  message,
  reason,
})
const error = (message: string, action = "deny") => ({ action, evaluation: "error", message })
const admit = { action: "admit", evaluation: "admit", message: "" }
const only = (...decisions: object[]) => ({ decisions, auditAnnotations: [] }) as unknown as ValidateResult

const cases: Case[] = [
  {
    name: "a true validation admits",
    spec: { validations: [{ expression: "object.spec.replicas <= 10" }] },
    want: only(admit),
  },
  {
    name: "a false one denies as Invalid with `failed expression: <trimmed expression>`",
    spec: { validations: [{ expression: " object.spec.replicas <= 5 " }] },
    want: only(deny("failed expression: object.spec.replicas <= 5")),
  },
  {
    name: "its message and reason",
    spec: { validations: [{ expression: "false", message: " too many ", reason: "Forbidden" }] },
    want: only(deny("too many", "Forbidden")),
  },
  {
    name: "a messageExpression wins over the message",
    spec: {
      validations: [
        {
          expression: "false",
          message: "static",
          messageExpression: "'replicas: ' + string(object.spec.replicas)",
        },
      ],
    },
    want: only(deny("replicas: 6")),
  },
  {
    name: "a messageExpression that fails, is blank or spans lines falls back to the message",
    spec: {
      validations: [
        { expression: "false", message: "m1", messageExpression: "object.nope" },
        { expression: "false", message: "m2", messageExpression: "'  '" },
        { expression: "false", message: "m3", messageExpression: "'a\\nb'" },
      ],
    },
    want: only(deny("m1"), deny("m2"), deny("m3")),
  },
  {
    name: "an evaluation error denies under Fail, in upstream's words",
    spec: { validations: [{ expression: "object.spec.nope > 1" }] },
    want: only(error("expression 'object.spec.nope > 1' resulted in error: no such key: nope")),
  },
  {
    name: "an evaluation error admits under Ignore",
    spec: { validations: [{ expression: "object.spec.nope > 1" }] },
    failurePolicy: "Ignore",
    want: only(error("expression 'object.spec.nope > 1' resulted in error: no such key: nope", "admit")),
  },
  {
    name: "an expression that does not compile is an error when evaluated",
    spec: { validations: [{ expression: "'a'" }] },
    want: only(error("compilation error: must evaluate to bool but got string")),
  },
  {
    name: "variables see those before them and are computed when read",
    spec: {
      variables: [
        { name: "replicas", expression: "object.spec.replicas" },
        { name: "limit", expression: "variables.replicas > 5 ? 5 : 10" },
      ],
      validations: [{ expression: "variables.replicas <= variables.limit" }],
    },
    want: only(deny("failed expression: variables.replicas <= variables.limit")),
  },
  {
    name: "a failing variable fails what reads it, unless || absorbs it",
    spec: {
      variables: [{ name: "bad", expression: "object.spec.nope" }],
      validations: [{ expression: "variables.bad == 1" }, { expression: "true || variables.bad == 1" }],
    },
    want: only(
      error(
        `expression 'variables.bad == 1' resulted in error: composited variable "bad" fails to evaluate: no such key: nope`,
      ),
      admit,
    ),
  },
  {
    name: "a variable that does not compile",
    spec: {
      variables: [{ name: "bad", expression: "objekt" }],
      validations: [{ expression: "variables.bad == 1" }],
    },
    want: only(
      error(
        "expression 'variables.bad == 1' resulted in error: composited variable \"bad\" fails to compile: " +
          "compilation failed: ERROR: <input>:1:1: undeclared reference to 'objekt' (in container '')\n | objekt\n | ^",
      ),
    ),
  },
  {
    name: "params, namespaceObject, request and the authorizer",
    spec: {
      paramKind: { apiVersion: "v1", kind: "ConfigMap" },
      validations: [
        { expression: "object.spec.replicas <= int(params.data.max)" },
        { expression: "namespaceObject.metadata.labels.env == 'test'" },
        { expression: "request.userInfo.username == 'alice' && request.operation == 'CREATE'" },
        { expression: "authorizer.group('apps').resource('deployments').check('delete').allowed()" },
      ],
    },
    input: { params: { data: { max: "5" } } },
    want: only(deny("failed expression: object.spec.replicas <= int(params.data.max)"), admit, admit, admit),
  },
  {
    name: "params is null for a binding without paramRef",
    spec: {
      paramKind: { apiVersion: "v1", kind: "ConfigMap" },
      validations: [{ expression: "params == null" }],
    },
    want: only(admit),
  },
  {
    name: "a false matchCondition: nothing to say",
    spec: {
      matchConditions: [{ name: "front", expression: "object.metadata.labels.tier == 'back'" }],
      validations: [{ expression: "false" }],
    },
    want: only(),
  },
  {
    name: "matchConditions see the variables but no namespaceObject",
    spec: {
      variables: [{ name: "tier", expression: "object.metadata.labels.tier" }],
      matchConditions: [
        { name: "front", expression: "variables.tier == 'front' && namespaceObject == null" },
      ],
      validations: [{ expression: "false" }],
    },
    want: only(deny("failed expression: false")),
  },
  {
    name: "a matchCondition's error denies under Fail",
    spec: {
      matchConditions: [{ name: "c", expression: "object.nope == 1" }],
      validations: [{ expression: "false" }],
    },
    want: only(error("expression 'object.nope == 1' resulted in error: no such key: nope")),
  },
  {
    name: "a matchCondition's error skips the policy under Ignore",
    spec: {
      matchConditions: [{ name: "c", expression: "object.nope == 1" }],
      validations: [{ expression: "false" }],
    },
    failurePolicy: "Ignore",
    want: only(),
  },
]

describe("validate()", () => {
  for (const c of cases) {
    test(c.name, () => {
      const got = validate(compilePolicy(c.spec), input(c.input), c.failurePolicy)
      assert.deepEqual(got, c.want)
    })
  }

  test("audit annotations: a string is published (trimmed), null or blank is not, errors are denials", () => {
    const p = compilePolicy({
      auditAnnotations: [
        { key: "replicas", valueExpression: "' ' + string(object.spec.replicas) + ' '" },
        { key: "none", valueExpression: "null" },
        { key: "blank", valueExpression: "''" },
        { key: "broken", valueExpression: "string(object.nope)" },
        { key: "dyn", valueExpression: "object.spec.replicas" },
      ],
    })
    assert.deepEqual(validate(p, input(), "Fail").auditAnnotations, [
      { key: "replicas", action: "publish", value: "6" },
      { key: "none", action: "exclude" },
      { key: "blank", action: "exclude" },
      {
        key: "broken",
        action: "error",
        error: "expression 'string(object.nope)' resulted in error: no such key: nope",
      },
      {
        key: "dyn",
        action: "error",
        error: "compilation error: must evaluate to one of [string null_type] but got dyn",
      },
    ])
    // Under Ignore a failing one is left out.
    assert.equal(validate(p, input(), "Ignore").auditAnnotations[3]?.action, "exclude")
  })
})

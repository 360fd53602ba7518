import assert from "node:assert/strict"
import { describe, test } from "node:test"
import { findResource, type FieldError, type ResourceInfo } from "../../api/index.ts"
import { compileCondition, evaluateConditions } from "./conditions.ts"
import { withConditionErrors } from "./validate-conditions.ts"

describe("compileCondition()", () => {
  const cases: { expression: string; want: string | undefined }[] = [
    { expression: "object.metadata.name != 'x'", want: undefined },
    { expression: "request.userInfo.username == 'alice' && request.dryRun", want: undefined },
    {
      expression: "authorizer.group('apps').resource('deployments').namespace('x').check('get').allowed()",
      want: undefined,
    },
    { expression: "authorizer.requestResource.check('create').reason() == ''", want: undefined },
    {
      expression: "x",
      want: "compilation failed: ERROR: <input>:1:1: undeclared reference to 'x' (in container '')\n | x\n | ^",
    },
    {
      expression: "request.foo == 1",
      want: "compilation failed: ERROR: <input>:1:8: undefined field 'foo'\n | request.foo == 1\n | .......^",
    },
    { expression: "'a'", want: "must evaluate to bool but got string" },
    { expression: "object.metadata.name", want: "must evaluate to bool but got dyn" },
    { expression: "[1, 2]", want: "must evaluate to bool but got list(int)" },
  ]
  for (const c of cases) {
    test(c.expression, () => {
      const compiled = compileCondition("n", c.expression)
      assert.equal("error" in compiled ? compiled.error : undefined, c.want)
    })
  }
})

describe("evaluateConditions()", () => {
  const input = (object: unknown, request: object = { operation: "CREATE" }) => ({
    object,
    oldObject: null,
    request,
  })
  const conditions = [
    compileCondition("not-skipped", "object.metadata.name != 'skip'"),
    compileCondition("creates", "request.operation == 'CREATE'"),
    compileCondition("replicas", "!has(object.spec) || object.spec.replicas + 1 > 2"),
  ]

  test("all true: a match", () => {
    assert.deepEqual(evaluateConditions(conditions, input({ metadata: { name: "a" } })), { matches: true })
  })

  test("integers are CEL ints, so arithmetic with int literals works", () => {
    const r = evaluateConditions(conditions, input({ metadata: { name: "a" }, spec: { replicas: 1 } }))
    assert.deepEqual(r, { matches: false, failedCondition: "replicas" })
  })

  test("the first false condition decides, even after an error", () => {
    const c = [compileCondition("broken", "object.nope.x == 1"), ...conditions]
    assert.deepEqual(evaluateConditions(c, input({ metadata: { name: "skip" } })), {
      matches: false,
      failedCondition: "not-skipped",
    })
  })

  test("errors without a false condition, in upstream's words, joined as an aggregate", () => {
    const c = [compileCondition("broken", "object.nope.x == 1"), compileCondition("bad", "x")]
    assert.deepEqual(evaluateConditions(c, input({})), {
      error:
        "[expression 'object.nope.x == 1' resulted in error: no such key: nope, compilation error: compilation failed: " +
        "ERROR: <input>:1:1: undeclared reference to 'x' (in container '')\n | x\n | ^]",
    })
  })

  test("a DELETE's object is null; a missing request field is an error", () => {
    assert.deepEqual(evaluateConditions([compileCondition("d", "object == null")], input(null)), {
      matches: true,
    })
    const r = evaluateConditions([compileCondition("ns", "request.namespace == ''")], input(null, {}))
    assert.deepEqual(r, {
      error: "expression 'request.namespace == ''' resulted in error: no such key: namespace",
    })
  })
})

describe("withConditionErrors()", () => {
  const VWC = findResource(
    "admissionregistration.k8s.io",
    "v1",
    "validatingwebhookconfigurations",
  ) as ResourceInfo
  const PODS = findResource("", "v1", "pods") as ResourceInfo
  const err = (field: string, type: FieldError["type"] = "FieldValueInvalid"): FieldError => ({
    type,
    field,
    message: "m",
  })
  const config = {
    metadata: { name: "c" },
    webhooks: [
      {
        matchConditions: [
          { name: "ok", expression: "true" },
          { name: "bad name!", expression: " x " },
        ],
      },
      { matchConditions: [{ name: "a", expression: "'s'" }] },
    ],
  }

  test("each expression that does not compile, where upstream reports it", () => {
    const errs = withConditionErrors(VWC, config as never, [
      err("webhooks[0].rules[0].operations"),
      err("webhooks[0].matchConditions[1].name"),
      err("webhooks[0].admissionReviewVersions", "FieldValueRequired"),
      err("webhooks[1].name", "FieldValueDuplicate"),
    ])
    assert.deepEqual(
      errs.map((e) => e.field),
      [
        "webhooks[0].rules[0].operations",
        "webhooks[0].matchConditions[1].expression",
        "webhooks[0].matchConditions[1].name",
        "webhooks[0].admissionReviewVersions",
        "webhooks[1].matchConditions[0].expression",
        "webhooks[1].name",
      ],
    )
    assert.equal(
      errs[1]?.message,
      `Invalid value: "x": compilation failed: ERROR: <input>:1:1: undeclared reference to 'x' (in container '')\n | x\n | ^`,
    )
    assert.equal(errs[4]?.message, `Invalid value: "'s'": must evaluate to bool but got string`)
  })

  test("other kinds are left alone", () => {
    const errs = [err("spec")]
    assert.equal(withConditionErrors(PODS, config as never, errs), errs)
  })
})

import assert from "node:assert/strict"
import { describe, test } from "node:test"
import { compileExpression, compilePolicy } from "./compile.ts"
import { policyEnvironment } from "./environment.ts"

describe("compileExpression()", () => {
  const env = policyEnvironment({ params: true, authorizer: true }, new Map([["n", "int"]]))
  const cases: { expression: string; returns: readonly string[] | "any"; want: string }[] = [
    { expression: "object.spec.replicas <= variables.n", returns: ["bool"], want: "bool" },
    { expression: "params.data.max", returns: "any", want: "dyn" },
    { expression: "'a' + string(variables.n)", returns: ["string"], want: "string" },
    { expression: "null", returns: ["string", "null_type"], want: "null" },
    { expression: "variables.n", returns: ["bool"], want: "must evaluate to bool but got int" },
    {
      expression: "[1]",
      returns: ["string", "null_type"],
      want: "must evaluate to one of [string null_type] but got list(int)",
    },
    {
      expression: "variables.m",
      returns: "any",
      want: "compilation failed: ERROR: <input>:1:10: undefined field 'm'\n | variables.m\n | .........^",
    },
  ]
  for (const c of cases) {
    test(c.expression, () => {
      const got = compileExpression(env, c.expression, c.returns)
      assert.equal("error" in got ? got.error : got.type, c.want)
    })
  }
})

describe("compilePolicy()", () => {
  test("each variable is typed as its expression; one that does not compile is dyn", () => {
    const p = compilePolicy({
      variables: [
        { name: "n", expression: "1" },
        { name: "bad", expression: "nope" },
        { name: "both", expression: "variables.n + variables.bad" },
      ],
      validations: [{ expression: "variables.n == 1" }],
    })
    assert.deepEqual(
      [...p.variables].map(([name, c]) => [name, "error" in c ? "error" : c.type]),
      [
        ["n", "int"],
        ["bad", "error"],
        ["both", "int"],
      ],
    )
  })

  test("params only with a paramKind", () => {
    const without = compilePolicy({ validations: [{ expression: "params == null" }] })
    assert.ok("error" in (without.validations[0]?.expression ?? {}))
    const withKind = compilePolicy({
      paramKind: { apiVersion: "v1", kind: "ConfigMap" },
      validations: [{ expression: "params == null" }],
    })
    assert.ok("program" in (withKind.validations[0]?.expression ?? {}))
  })
})

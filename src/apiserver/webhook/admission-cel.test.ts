/** CEL's `authorizer` in admission expressions: its checks are the server authorizer's decisions. */
import assert from "node:assert/strict"
import { describe, test } from "node:test"
import type { AuthorizationAttributes, Authorizer } from "../authz.ts"
import { newAuthorizer } from "./admission-cel.ts"
import { compileCondition, evaluateConditions } from "./conditions.ts"

const asked: AuthorizationAttributes[] = []
/** Allows jane to get deployments in "x" and the service account robot to read /healthz. */
const authorize: Authorizer = (a) => {
  asked.push(a)
  if (a.user.name === "jane" && a.resource === "deployments" && a.namespace === "x" && a.verb === "get")
    return { decision: "Allow", reason: "RBAC: allowed" }
  if (a.user.name === "system:serviceaccount:ns:robot" && a.path === "/healthz")
    return { decision: "Allow", reason: "" }
  return { decision: "NoOpinion", reason: "no rule" }
}
const jane = { name: "jane", groups: ["devs"] }
const request = {
  group: "apps",
  resource: "deployments",
  subresource: "",
  namespace: "x",
  name: "web",
}

const CASES: { expression: string; want: boolean }[] = [
  {
    expression: "authorizer.group('apps').resource('deployments').namespace('x').check('get').allowed()",
    want: true,
  },
  {
    expression: "authorizer.group('apps').resource('deployments').namespace('y').check('get').allowed()",
    want: false,
  },
  {
    expression:
      "authorizer.group('apps').resource('deployments').namespace('x').check('get').reason() == 'RBAC: allowed'",
    want: true,
  },
  { expression: "authorizer.requestResource.check('get').allowed()", want: true },
  { expression: "authorizer.requestResource.check('delete').allowed()", want: false },
  { expression: "authorizer.path('/healthz').check('get').allowed()", want: false },
  {
    expression: "authorizer.serviceAccount('ns', 'robot').path('/healthz').check('get').allowed()",
    want: true,
  },
  { expression: "!authorizer.requestResource.check('delete').errored()", want: true },
]

describe("the authorizer variable", () => {
  for (const c of CASES) {
    test(`${c.expression} is ${c.want}`, () => {
      const r = evaluateConditions([compileCondition("c", c.expression)], {
        object: null,
        oldObject: null,
        request: {},
        authorizer: newAuthorizer(authorize, jane, request),
      })
      assert.deepEqual(r, c.want ? { matches: true } : { matches: false, failedCondition: "c" })
    })
  }

  test("asks with upstream's attributes: any version, for a group check and for requestResource", () => {
    asked.length = 0
    const run = (e: string) =>
      evaluateConditions([compileCondition("c", e)], {
        object: null,
        oldObject: null,
        request: {},
        authorizer: newAuthorizer(authorize, jane, request),
      })
    run("authorizer.group('').resource('pods').subresource('log').name('p').check('get').allowed()")
    run("authorizer.requestResource.check('update').allowed()")
    assert.deepEqual(
      asked.map(({ user: _u, ...a }) => a),
      [
        {
          apiGroup: "",
          apiVersion: "*",
          resource: "pods",
          subresource: "log",
          name: "p",
          verb: "get",
          resourceRequest: true,
        },
        {
          apiGroup: "apps",
          apiVersion: "*",
          resource: "deployments",
          subresource: "",
          namespace: "x",
          name: "web",
          verb: "update",
          resourceRequest: true,
        },
      ],
    )
  })

  test("without the server's authorizer every check is allowed", () => {
    const r = evaluateConditions([compileCondition("c", "authorizer.path('/x').check('get').allowed()")], {
      object: null,
      oldObject: null,
      request: {},
    })
    assert.deepEqual(r, { matches: true })
  })
})

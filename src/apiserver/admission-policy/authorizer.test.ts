/**
 * A ValidatingAdmissionPolicy's `authorizer` in an API server: its checks are the server's
 * authorization (here RBAC) for the requesting user, as upstream's.
 */
import assert from "node:assert/strict"
import { describe, test } from "node:test"
import { apiCall, memoryApiServer, until } from "../../testing/index.ts"
import { FakeClock } from "../../util/index.ts"
import { createAuthenticator } from "../authn.ts"
import type { ApiServer } from "../server.ts"

let api: ApiServer
memoryApiServer((started) => (api = started), {
  clock: new FakeClock(Date.UTC(2026, 11, 1)),
  authorizationModes: ["RBAC"],
  authenticate: createAuthenticator({
    tokens: new Map([
      ["admin", { name: "admin", groups: ["system:masters", "system:authenticated"] }],
      ["jane", { name: "jane", groups: ["system:authenticated"] }],
    ]),
  }),
})

const AR = "/apis/admissionregistration.k8s.io/v1"
const RBAC = "/apis/rbac.authorization.k8s.io/v1/namespaces/default"
const as = (token: string) => ({ authorization: `Bearer ${token}` })

async function admin(method: string, path: string, body: unknown): Promise<void> {
  const r = await apiCall(api, method, path, body, as("admin"))
  assert.ok(r.status < 300, r.text)
}

function role(name: string, resources: string[], verbs: string[]) {
  return { metadata: { name }, rules: [{ apiGroups: [""], resources, verbs }] }
}

function binding(name: string) {
  return {
    metadata: { name },
    roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name },
    subjects: [{ kind: "User", apiGroup: "rbac.authorization.k8s.io", name: "jane" }],
  }
}

describe("the authorizer of a ValidatingAdmissionPolicy", () => {
  test("decides as the server's authorizer for the requesting user", async () => {
    await admin("POST", `${RBAC}/roles`, role("cm-writer", ["configmaps"], ["create"]))
    await admin("POST", `${RBAC}/rolebindings`, binding("cm-writer"))
    await admin("POST", `${AR}/validatingadmissionpolicies`, {
      metadata: { name: "secret-deleters-only" },
      spec: {
        matchConstraints: {
          resourceRules: [
            { apiGroups: [""], apiVersions: ["v1"], operations: ["CREATE"], resources: ["configmaps"] },
          ],
        },
        validations: [
          {
            expression:
              "authorizer.group('').resource('secrets').namespace(request.namespace).check('delete').allowed()",
            message: "only those who may delete secrets",
          },
        ],
      },
    })
    await admin("POST", `${AR}/validatingadmissionpolicybindings`, {
      metadata: { name: "secret-deleters-only" },
      spec: { policyName: "secret-deleters-only", validationActions: ["Deny"] },
    })
    const create = (name: string) =>
      apiCall(api, "POST", "/api/v1/namespaces/default/configmaps", { metadata: { name } }, as("jane"))
    const refused = await until("the policy denies jane", async () => {
      const r = await create("a")
      // A validation's denial is Invalid (422) unless it names another reason.
      return r.status === 422 ? r : undefined
    })
    assert.match(refused.json.message, /denied request: only those who may delete secrets$/)
    await admin("POST", `${RBAC}/roles`, role("secret-deleter", ["secrets"], ["delete"]))
    await admin("POST", `${RBAC}/rolebindings`, binding("secret-deleter"))
    await until(
      "the policy admits jane once she may delete secrets",
      async () => (await create("b")).status === 201,
    )
    // The admin (system:masters) may do anything: the policy admits it.
    assert.equal(
      (
        await apiCall(
          api,
          "POST",
          "/api/v1/namespaces/default/configmaps",
          { metadata: { name: "c" } },
          as("admin"),
        )
      ).status,
      201,
    )
  })
})

import assert from "node:assert/strict"
import { describe, test } from "node:test"
import { apiCall, memoryApiServer, until } from "../../testing/index.ts"
import type { ApiServer } from "../server.ts"

const PATH = "/apis/admissionregistration.k8s.io/v1/validatingadmissionpolicies"

function policy(expression: string): object {
  return {
    apiVersion: "admissionregistration.k8s.io/v1",
    kind: "ValidatingAdmissionPolicy",
    metadata: { name: "replicas" },
    spec: {
      failurePolicy: "Fail",
      matchConstraints: {
        resourceRules: [
          { apiGroups: ["apps"], apiVersions: ["v1"], operations: ["CREATE"], resources: ["deployments"] },
        ],
      },
      validations: [{ expression }],
    },
  }
}

describe("PolicyStatusController", () => {
  let api: ApiServer
  memoryApiServer((a) => (api = a))

  const statusAt = (generation: number) =>
    until(`the status of generation ${generation}`, async () => {
      const r = await apiCall(api, "GET", `${PATH}/replicas`)
      const p = r.json as any
      return p.status?.observedGeneration === generation && p
    })

  test("run() writes the observed generation and the type checker's warnings", async () => {
    const created = await apiCall(api, "POST", PATH, policy("object.spec.replicas <= 5"))
    assert.equal(created.status, 201)
    assert.deepEqual((await statusAt(1)).status, { observedGeneration: 1, typeChecking: {} })

    const current = (await apiCall(api, "GET", `${PATH}/replicas`)).json as any
    const updated = await apiCall(api, "PUT", `${PATH}/replicas`, {
      ...policy("object.spec.replica <= 5"),
      metadata: current.metadata,
    })
    assert.equal(updated.status, 200)
    const p = await statusAt(2)
    assert.deepEqual(p.status.typeChecking, {
      expressionWarnings: [
        {
          fieldRef: "spec.validations[0].expression",
          warning:
            "apps/v1, Kind=Deployment: ERROR: <input>:1:12: undefined field 'replica'\n | object.spec.replica <= 5\n | ...........^\n",
        },
      ],
    })
    assert.equal(p.metadata.managedFields.at(-1).manager, "validatingadmissionpolicy-status-controller")
  })
})

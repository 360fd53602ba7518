/**
 * A kubelet's service account requests under --authorization-mode=Node,RBAC with NodeRestriction:
 * it reads the account of its pod, and gets tokens only for audiences the pod uses or RBAC grants
 * it (request-serviceaccounts-token-audience).
 */
import assert from "node:assert/strict"
import { test } from "node:test"
import { generateServiceAccountKey } from "../serviceaccount/index.ts"
import { nodeModeServer } from "./_node-server.case.ts"

const { asNode, admin } = nodeModeServer({
  serviceAccountTokens: { key: generateServiceAccountKey(), issuer: "https://kubernetes.default.svc" },
})

const SA = "/api/v1/namespaces/default/serviceaccounts"
const RBAC = "/apis/rbac.authorization.k8s.io/v1"

test("a node reads its pod's account and gets tokens for the audiences the pod uses or RBAC grants", async () => {
  await admin("POST", SA, { metadata: { name: "robot" } })
  await admin("POST", SA, { metadata: { name: "other" } })
  const pod = await admin("POST", "/api/v1/namespaces/default/pods", {
    metadata: { name: "p" },
    spec: {
      nodeName: "node1",
      serviceAccountName: "robot",
      containers: [{ name: "c", image: "i" }],
      volumes: [
        { name: "t", projected: { sources: [{ serviceAccountToken: { path: "t", audience: "vault" } }] } },
      ],
    },
  })
  const token = (audiences: string[]) =>
    asNode("POST", `${SA}/robot/token`, {
      apiVersion: "authentication.k8s.io/v1",
      kind: "TokenRequest",
      spec: {
        audiences,
        boundObjectRef: { apiVersion: "v1", kind: "Pod", name: "p", uid: pod.json.metadata.uid },
      },
    })
  await admin("GET", "/api/v1/pods") // the watch cache has the pod

  assert.equal((await asNode("GET", `${SA}/robot`)).status, 200)
  assert.equal((await asNode("GET", `${SA}/other`)).status, 403)
  assert.equal((await token(["vault"])).status, 201)
  const refused = await token(["db"])
  assert.equal(refused.status, 403)
  assert.equal(
    refused.json.message,
    'serviceaccounts "robot" is forbidden: audience "db" not found in pod spec volume, system:node:node1 is not authorized to request tokens for this audience',
  )

  await admin("POST", `${RBAC}/clusterroles`, {
    metadata: { name: "db-audience" },
    rules: [{ apiGroups: [""], resources: ["db"], verbs: ["request-serviceaccounts-token-audience"] }],
  })
  await admin("POST", `${RBAC}/clusterrolebindings`, {
    metadata: { name: "db-audience" },
    roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "db-audience" },
    subjects: [{ apiGroup: "rbac.authorization.k8s.io", kind: "User", name: "system:node:node1" }],
  })
  await admin("GET", "/api/v1/pods")
  assert.equal((await token(["db"])).status, 201)
})

/**
 * RBAC mode in the API server: system:masters may do anything, anyone else what their bindings'
 * roles allow, refused with upstream's 403; the access reviews answer from the same authorizer.
 */
import assert from "node:assert/strict"
import { describe, test } from "node:test"
import { apiCall, memoryApiServer } from "../../testing/index.ts"
import { ROBOT, as, rbacServerOptions } from "./_fixtures.ts"
import type { ApiServer } from "../server.ts"

const RBAC = "/apis/rbac.authorization.k8s.io/v1"

let api: ApiServer
memoryApiServer((started) => (api = started), rbacServerOptions())

/** Writes as the admin, then lists (a consistent read) so that the watch cache has the write. */
async function admin(method: string, path: string, body?: unknown): Promise<void> {
  const r = await apiCall(api, method, path, body, as("admin"))
  assert.ok(r.status < 300, r.text)
  const collection = method === "POST" ? path : path.slice(0, path.lastIndexOf("/"))
  assert.equal((await apiCall(api, "GET", collection, undefined, as("admin"))).status, 200)
}

const podReader = {
  metadata: { name: "pod-reader" },
  rules: [{ apiGroups: [""], resources: ["pods"], verbs: ["get", "list"] }],
}

describe("RBAC authorization", () => {
  test("system:masters may do anything, before any binding", async () => {
    const r = await apiCall(api, "POST", "/api/v1/namespaces", { metadata: { name: "team" } }, as("admin"))
    assert.equal(r.status, 201, r.text)
  })

  test("anyone else is refused with upstream's Forbidden Status", async () => {
    const r = await apiCall(api, "GET", "/api/v1/namespaces/team/pods", undefined, as("robot"))
    assert.equal(r.status, 403)
    assert.deepEqual(r.json, {
      kind: "Status",
      apiVersion: "v1",
      metadata: {},
      status: "Failure",
      message: `pods is forbidden: User "${ROBOT}" cannot list resource "pods" in API group "" in the namespace "team"`,
      reason: "Forbidden",
      details: { kind: "pods" },
      code: 403,
    })
    const named = await apiCall(
      api,
      "GET",
      "/apis/apps/v1/namespaces/team/deployments/web",
      undefined,
      as("jane"),
    )
    assert.equal(
      named.json.message,
      'deployments.apps "web" is forbidden: User "jane" cannot get resource "deployments" in API group "apps" in the namespace "team"',
    )
    const path = await apiCall(api, "GET", "/metrics", undefined, as("jane"))
    assert.equal(path.json.message, 'forbidden: User "jane" cannot get path "/metrics"')
  })

  test("discovery and self reviews are every authenticated user's", async () => {
    // (/version and the health paths skip authentication and authorization altogether.)
    for (const p of ["/api", "/api/v1", "/apis", "/apis/apps/v1"])
      assert.equal((await apiCall(api, "GET", p, undefined, as("jane"))).status, 200, p)
    const review = { spec: { resourceAttributes: { verb: "list", resource: "pods", namespace: "team" } } }
    const r = await apiCall(
      api,
      "POST",
      "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews",
      review,
      as("jane"),
    )
    assert.equal(r.status, 201, r.text)
    assert.deepEqual(r.json.status, { allowed: false })
  })

  test("a Role and RoleBinding allow their rules in their namespace only", async () => {
    await admin("POST", `${RBAC}/namespaces/team/roles`, podReader)
    await admin("POST", `${RBAC}/namespaces/team/rolebindings`, {
      metadata: { name: "robot-reads-pods" },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "pod-reader" },
      subjects: [{ kind: "ServiceAccount", name: "robot" }],
    })
    assert.equal(
      (await apiCall(api, "GET", "/api/v1/namespaces/team/pods", undefined, as("robot"))).status,
      200,
    )
    assert.equal(
      (await apiCall(api, "GET", "/api/v1/namespaces/default/pods", undefined, as("robot"))).status,
      403,
    )
    assert.equal((await apiCall(api, "GET", "/api/v1/pods", undefined, as("robot"))).status, 403)
    const del = await apiCall(api, "DELETE", "/api/v1/namespaces/team/pods/x", undefined, as("robot"))
    assert.equal(del.status, 403)
  })

  test("a WebSocket exec (a GET) needs create on pods/exec too, as upstream's v1.35", async () => {
    const exec = "/api/v1/namespaces/team/pods/web/exec?command=sh&stdout=true"
    await admin("PUT", `${RBAC}/namespaces/team/roles/pod-reader`, {
      ...podReader,
      rules: [...podReader.rules, { apiGroups: [""], resources: ["pods/exec"], verbs: ["get"] }],
    })
    const refused = await apiCall(api, "GET", exec, undefined, as("robot"))
    assert.equal(refused.status, 403)
    assert.equal(refused.json.message, 'pods "web" is forbidden: ')
    await admin("PUT", `${RBAC}/namespaces/team/roles/pod-reader`, {
      ...podReader,
      rules: [...podReader.rules, { apiGroups: [""], resources: ["pods/exec"], verbs: ["get", "create"] }],
    })
    // Authorized: on to the (missing) pod.
    assert.equal((await apiCall(api, "GET", exec, undefined, as("robot"))).status, 404)
  })

  test("a ClusterRoleBinding to a group allows everywhere; a missing role is the reason given", async () => {
    await admin("POST", `${RBAC}/clusterrolebindings`, {
      metadata: { name: "devs-view" },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "not-yet" },
      subjects: [{ kind: "Group", apiGroup: "rbac.authorization.k8s.io", name: "devs" }],
    })
    const refused = await apiCall(api, "GET", "/api/v1/namespaces/team/configmaps", undefined, as("jane"))
    assert.equal(
      refused.json.message,
      'configmaps is forbidden: User "jane" cannot list resource "configmaps" in API group "" in the namespace "team": RBAC: clusterrole.rbac.authorization.k8s.io "not-yet" not found',
    )
    await admin("POST", `${RBAC}/clusterroles`, {
      metadata: { name: "not-yet" },
      rules: [{ apiGroups: [""], resources: ["configmaps"], verbs: ["list"] }],
    })
    assert.equal(
      (await apiCall(api, "GET", "/api/v1/namespaces/team/configmaps", undefined, as("jane"))).status,
      200,
    )
    assert.equal((await apiCall(api, "GET", "/api/v1/configmaps", undefined, as("jane"))).status, 200)
  })

  test("a list narrowed to one name by fieldSelector is authorized as that name", async () => {
    await admin("POST", `${RBAC}/namespaces/team/roles`, {
      metadata: { name: "one-secret" },
      rules: [{ apiGroups: [""], resources: ["secrets"], verbs: ["list", "watch"], resourceNames: ["s1"] }],
    })
    await admin("POST", `${RBAC}/namespaces/team/rolebindings`, {
      metadata: { name: "jane-one-secret" },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "one-secret" },
      subjects: [{ kind: "User", apiGroup: "rbac.authorization.k8s.io", name: "jane" }],
    })
    const path = "/api/v1/namespaces/team/secrets"
    assert.equal((await apiCall(api, "GET", path, undefined, as("jane"))).status, 403)
    const one = await apiCall(api, "GET", `${path}?fieldSelector=metadata.name%3Ds1`, undefined, as("jane"))
    assert.equal(one.status, 200, one.text)
  })

  test("a Role on namespaces in its namespace reaches no other Namespace through a namespaces/ prefix", async () => {
    await apiCall(api, "POST", "/api/v1/namespaces", { metadata: { name: "ns-scoped" } }, as("admin"))
    await admin("POST", `${RBAC}/namespaces/ns-scoped/roles`, {
      metadata: { name: "namespace-reader" },
      rules: [{ apiGroups: [""], resources: ["namespaces"], verbs: ["get", "list", "delete"] }],
    })
    await admin("POST", `${RBAC}/namespaces/ns-scoped/rolebindings`, {
      metadata: { name: "jane-reads-namespaces" },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "namespace-reader" },
      subjects: [{ kind: "User", apiGroup: "rbac.authorization.k8s.io", name: "jane" }],
    })
    // Its own Namespace, named in the path, is in its namespace: allowed.
    const own = await apiCall(api, "GET", "/api/v1/namespaces/ns-scoped", undefined, as("jane"))
    assert.equal(own.status, 200, own.text)
    for (const [method, path] of [
      ["GET", "/api/v1/namespaces/ns-scoped/namespaces"],
      ["GET", "/api/v1/namespaces/ns-scoped/namespaces/default"],
      ["DELETE", "/api/v1/namespaces/ns-scoped/namespaces/default"],
    ] as const) {
      const r = await apiCall(api, method, path, undefined, as("jane"))
      assert.equal(r.status, 404, `${method} ${path}: ${r.text}`)
      assert.equal(r.json.message, "the server could not find the requested resource")
    }
    const other = await apiCall(api, "GET", "/api/v1/namespaces/default", undefined, as("jane"))
    assert.equal(other.status, 403)
  })

  test("a PUT or apply that creates also needs create, as upstream's withAuthorization", async () => {
    await apiCall(api, "POST", "/api/v1/namespaces", { metadata: { name: "upserts" } }, as("admin"))
    const role = (verbs: string[]) => ({
      metadata: { name: "upserter" },
      rules: [
        { apiGroups: ["coordination.k8s.io"], resources: ["leases"], verbs: ["get", "update", ...verbs] },
        { apiGroups: [""], resources: ["configmaps"], verbs: ["get", "patch", ...verbs] },
      ],
    })
    await admin("POST", `${RBAC}/namespaces/upserts/roles`, role([]))
    await admin("POST", `${RBAC}/namespaces/upserts/rolebindings`, {
      metadata: { name: "jane-upserts" },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "upserter" },
      subjects: [{ kind: "User", apiGroup: "rbac.authorization.k8s.io", name: "jane" }],
    })
    const leases = "/apis/coordination.k8s.io/v1/namespaces/upserts/leases"
    // A Lease's update names the version it replaces (its strategy refuses unconditional ones).
    const put = (resourceVersion?: string) =>
      apiCall(api, "PUT", `${leases}/l1`, { metadata: { name: "l1", resourceVersion }, spec: {} }, as("jane"))
    const cm = "/api/v1/namespaces/upserts/configmaps/c1"
    const apply = () =>
      apiCall(
        api,
        "PATCH",
        `${cm}?fieldManager=jane`,
        { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c1" }, data: { a: "1" } },
        { ...as("jane"), "content-type": "application/apply-patch+yaml" },
      )
    const refusedPut = await put()
    assert.equal(refusedPut.status, 403, refusedPut.text)
    assert.deepEqual(refusedPut.json, {
      kind: "Status",
      apiVersion: "v1",
      metadata: {},
      status: "Failure",
      message: 'leases.coordination.k8s.io "l1" is forbidden: ',
      reason: "Forbidden",
      details: { name: "l1", group: "coordination.k8s.io", kind: "leases" },
      code: 403,
    })
    const refusedApply = await apply()
    assert.equal(refusedApply.status, 403, refusedApply.text)
    assert.equal(refusedApply.json.message, 'configmaps "c1" is forbidden: ')
    // Nothing was created.
    assert.equal((await apiCall(api, "GET", `${leases}/l1`, undefined, as("admin"))).status, 404)
    assert.equal((await apiCall(api, "GET", cm, undefined, as("admin"))).status, 404)
    await admin("PUT", `${RBAC}/namespaces/upserts/roles/upserter`, role(["create"]))
    const created = await put()
    assert.equal(created.status, 201)
    assert.equal((await apply()).status, 201)
    // Updating what exists needs no create.
    await admin("PUT", `${RBAC}/namespaces/upserts/roles/upserter`, role([]))
    const updated = await put(created.json.metadata.resourceVersion)
    assert.equal(updated.status, 200, updated.text)
    assert.equal((await apply()).status, 200)
  })

  test("access reviews answer from the authorizer", async () => {
    const sar = {
      spec: { user: ROBOT, resourceAttributes: { verb: "get", resource: "pods", namespace: "team" } },
    }
    const r = await apiCall(
      api,
      "POST",
      "/apis/authorization.k8s.io/v1/subjectaccessreviews",
      sar,
      as("admin"),
    )
    assert.deepEqual(r.json.status, {
      allowed: true,
      reason:
        'RBAC: allowed by RoleBinding "robot-reads-pods/team" of Role "pod-reader" to ServiceAccount "robot/team"',
    })
    // The spec's user as given: without the service accounts' groups nor system:authenticated.
    const discovery = { spec: { user: ROBOT, nonResourceAttributes: { verb: "get", path: "/api" } } }
    const d = await apiCall(
      api,
      "POST",
      "/apis/authorization.k8s.io/v1/subjectaccessreviews",
      discovery,
      as("admin"),
    )
    assert.deepEqual(d.json.status, { allowed: false })
    // Service accounts read their issuer's discovery document (the bootstrap roles).
    const jwks = {
      spec: {
        user: ROBOT,
        groups: ["system:serviceaccounts"],
        nonResourceAttributes: { verb: "get", path: "/openid/v1/jwks" },
      },
    }
    const j = await apiCall(
      api,
      "POST",
      "/apis/authorization.k8s.io/v1/subjectaccessreviews",
      jwks,
      as("admin"),
    )
    assert.equal(j.json.status.allowed, true, j.text)
    const rules = await apiCall(
      api,
      "POST",
      "/apis/authorization.k8s.io/v1/selfsubjectrulesreviews",
      { spec: { namespace: "team" } },
      as("robot"),
    )
    assert.equal(rules.status, 201, rules.text)
    const { resourceRules, nonResourceRules, incomplete } = rules.json.status
    assert.equal(incomplete, false)
    // The cluster-wide rules first, then the namespace's (pod-reader's, as the exec test left it).
    assert.deepEqual(resourceRules.slice(-2), [
      { verbs: ["get", "list"], apiGroups: [""], resources: ["pods"] },
      { verbs: ["get", "create"], apiGroups: [""], resources: ["pods/exec"] },
    ])
    assert.ok(
      resourceRules.some((r: { resources: string[] }) => r.resources.includes("selfsubjectaccessreviews")),
    )
    assert.ok(nonResourceRules.some((r: { nonResourceURLs: string[] }) => r.nonResourceURLs.includes("/api")))
  })
})

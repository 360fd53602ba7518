import assert from "node:assert/strict"
import { describe, test } from "node:test"
import { MemoryStore } from "../storage/index.ts"
import { FakeClock } from "../util/index.ts"
import { apiCall, runApiServer } from "../testing/index.ts"
import type { ApiServer } from "./server.ts"

const ROLES = "/apis/rbac.authorization.k8s.io/v1/clusterroles"
const BINDINGS = "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings"

function start(store: MemoryStore): Promise<{ api: ApiServer; stop: () => void }> {
  return runApiServer(store, { clock: new FakeClock(Date.UTC(2026, 11, 1)) })
}

describe("the default ClusterRoles and ClusterRoleBindings", () => {
  test("exist once the server is ready, as upstream bootstraps them", async () => {
    const { api, stop } = await start(new MemoryStore())
    try {
      const admin = (await apiCall(api, "GET", `${ROLES}/cluster-admin`)).json
      assert.deepEqual(admin.rules, [
        { verbs: ["*"], apiGroups: ["*"], resources: ["*"] },
        { verbs: ["*"], nonResourceURLs: ["*"] },
      ])
      assert.equal(admin.metadata.labels["kubernetes.io/bootstrapping"], "rbac-defaults")
      assert.equal(admin.metadata.annotations["rbac.authorization.kubernetes.io/autoupdate"], "true")
      const aggregation = async (name: string) => {
        const r = (await apiCall(api, "GET", `${ROLES}/${name}`)).json
        return [r.aggregationRule.clusterRoleSelectors[0].matchLabels, r.metadata.labels]
      }
      assert.deepEqual(await aggregation("admin"), [
        { "rbac.authorization.k8s.io/aggregate-to-admin": "true" },
        { "kubernetes.io/bootstrapping": "rbac-defaults" },
      ])
      assert.deepEqual(await aggregation("edit"), [
        { "rbac.authorization.k8s.io/aggregate-to-edit": "true" },
        {
          "kubernetes.io/bootstrapping": "rbac-defaults",
          "rbac.authorization.k8s.io/aggregate-to-admin": "true",
        },
      ])
      assert.deepEqual(await aggregation("view"), [
        { "rbac.authorization.k8s.io/aggregate-to-view": "true" },
        {
          "kubernetes.io/bootstrapping": "rbac-defaults",
          "rbac.authorization.k8s.io/aggregate-to-edit": "true",
        },
      ])
      const discovery = (await apiCall(api, "GET", `${ROLES}/system:discovery`)).json
      assert.deepEqual(discovery.rules, [
        {
          verbs: ["get"],
          nonResourceURLs: [
            "/api",
            "/api/*",
            "/apis",
            "/apis/*",
            "/healthz",
            "/livez",
            "/openapi",
            "/openapi/*",
            "/readyz",
            "/version",
            "/version/",
          ],
        },
      ])
      const subjects = async (name: string) => {
        const b = (await apiCall(api, "GET", `${BINDINGS}/${name}`)).json
        assert.deepEqual(b.roleRef, { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name })
        return (b.subjects ?? []).map((s: any) => `${s.kind}:${s.name}`)
      }
      assert.deepEqual(await subjects("cluster-admin"), ["Group:system:masters"])
      assert.deepEqual(await subjects("system:discovery"), ["Group:system:authenticated"])
      assert.deepEqual(await subjects("system:basic-user"), ["Group:system:authenticated"])
      assert.deepEqual(await subjects("system:public-info-viewer"), [
        "Group:system:authenticated",
        "Group:system:unauthenticated",
      ])
      // The nodes' role, bound to no one: the Node authorizer grants it (upstream since 1.8).
      assert.deepEqual(await subjects("system:node"), [])
      const node = (await apiCall(api, "GET", `${ROLES}/system:node`)).json
      assert.ok(
        node.rules.some((r: any) => r.resources?.includes("secrets") && r.verbs.join() === "get,list,watch"),
      )
      assert.ok(node.rules.some((r: any) => r.resources?.includes("csinodes")))
      const rb = await apiCall(
        api,
        "POST",
        "/apis/rbac.authorization.k8s.io/v1/namespaces/default/rolebindings",
        {
          metadata: { name: "dev-edit" },
          roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "edit" },
          subjects: [{ kind: "User", apiGroup: "rbac.authorization.k8s.io", name: "dev" }],
        },
      )
      assert.equal(rb.status, 201, rb.text)
    } finally {
      stop()
    }
  })

  test("a restart recreates the deleted ones and leaves edited ones as they are", async () => {
    const store = new MemoryStore()
    const first = await start(store)
    assert.equal((await apiCall(first.api, "DELETE", `${ROLES}/view`)).status, 200)
    const patched = await apiCall(
      first.api,
      "PATCH",
      `${ROLES}/admin`,
      { metadata: { labels: { mine: "yes" } } },
      {
        "content-type": "application/merge-patch+json",
      },
    )
    assert.equal(patched.status, 200, patched.text)
    first.stop()
    const second = await start(store)
    try {
      assert.equal((await apiCall(second.api, "GET", `${ROLES}/view`)).status, 200)
      assert.equal((await apiCall(second.api, "GET", `${ROLES}/admin`)).json.metadata.labels.mine, "yes")
    } finally {
      second.stop()
    }
  })
})

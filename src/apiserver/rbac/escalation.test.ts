/**
 * Escalation prevention in RBAC mode: roles only with rules their writer holds (or `escalate`),
 * bindings only to roles whose rules their writer holds (or `bind`), as upstream's RBAC storage.
 */
import assert from "node:assert/strict"
import { describe, test } from "node:test"
import { apiCall, memoryApiServer } from "../../testing/index.ts"
import { as, rbacServerOptions } from "./_fixtures.ts"
import type { ApiServer } from "../server.ts"

const RBAC = "/apis/rbac.authorization.k8s.io/v1"
const REF = { apiGroup: "rbac.authorization.k8s.io" }

let api: ApiServer
memoryApiServer((started) => (api = started), rbacServerOptions())

/** Writes as the admin, then lists (a consistent read) so that the watch cache has the write. */
async function admin(path: string, body: unknown): Promise<void> {
  const r = await apiCall(api, "POST", path, body, as("admin"))
  assert.equal(r.status, 201, r.text)
  assert.equal((await apiCall(api, "GET", path, undefined, as("admin"))).status, 200)
}

const rule = (verbs: string[], resources: string[], apiGroups = [""]) => ({ verbs, apiGroups, resources })

describe("RBAC escalation prevention", () => {
  test("setup: jane reads pods and writes roles and bindings in team", async () => {
    await admin("/api/v1/namespaces", { metadata: { name: "team" } })
    await admin(`${RBAC}/namespaces/team/roles`, {
      metadata: { name: "jane" },
      rules: [
        rule(["get", "list"], ["pods"]),
        rule(["create", "update"], ["roles", "rolebindings"], ["rbac.authorization.k8s.io"]),
      ],
    })
    await admin(`${RBAC}/namespaces/team/rolebindings`, {
      metadata: { name: "jane" },
      roleRef: { ...REF, kind: "Role", name: "jane" },
      subjects: [{ ...REF, kind: "User", name: "jane" }],
    })
    await admin(`${RBAC}/clusterrolebindings`, {
      metadata: { name: "jane-clusterroles" },
      roleRef: { ...REF, kind: "ClusterRole", name: "clusterrole-writer" },
      subjects: [{ ...REF, kind: "User", name: "jane" }],
    })
    await admin(`${RBAC}/clusterroles`, {
      metadata: { name: "clusterrole-writer" },
      rules: [rule(["create"], ["clusterroles"], ["rbac.authorization.k8s.io"])],
    })
  })

  test("a role with rules its writer holds is created; one with more is refused, naming them", async () => {
    const ok = await apiCall(
      api,
      "POST",
      `${RBAC}/namespaces/team/roles`,
      { metadata: { name: "reader" }, rules: [rule(["get"], ["pods"])] },
      as("jane"),
    )
    assert.equal(ok.status, 201, ok.text)
    const refused = await apiCall(
      api,
      "POST",
      `${RBAC}/namespaces/team/roles`,
      { metadata: { name: "too-much" }, rules: [rule(["get", "create", "delete"], ["pods", "secrets"])] },
      as("jane"),
    )
    assert.equal(refused.status, 403)
    assert.equal(
      refused.json.message,
      'roles.rbac.authorization.k8s.io "too-much" is forbidden: user "jane" (groups=["devs" "system:authenticated"]) is attempting to grant RBAC permissions not currently held:\n' +
        '{APIGroups:[""], Resources:["pods"], Verbs:["create" "delete"]}\n' +
        '{APIGroups:[""], Resources:["secrets"], Verbs:["get" "create" "delete"]}',
    )
    assert.deepEqual(refused.json.details, {
      name: "too-much",
      group: "rbac.authorization.k8s.io",
      kind: "roles",
    })
  })

  test("a binding to a role whose rules its writer holds is created; to one with more, refused", async () => {
    const bind = (name: string, kind: string, role: string) =>
      apiCall(
        api,
        "POST",
        `${RBAC}/namespaces/team/rolebindings`,
        {
          metadata: { name },
          roleRef: { ...REF, kind, name: role },
          subjects: [{ ...REF, kind: "User", name: "joe" }],
        },
        as("jane"),
      )
    assert.equal((await bind("joe-reads", "Role", "reader")).status, 201)
    const admin = await bind("joe-admin", "ClusterRole", "cluster-admin")
    assert.equal(admin.status, 403)
    assert.match(
      admin.json.message,
      /^rolebindings.rbac.authorization.k8s.io "joe-admin" is forbidden: user "jane" .* not currently held:\n/,
    )
    const ghost = await bind("joe-ghost", "Role", "ghost")
    assert.equal(ghost.status, 404)
    assert.equal(ghost.json.message, 'roles.rbac.authorization.k8s.io "ghost" not found')
  })

  test("`bind` on a role and `escalate` on roles let their holder grant what it lacks", async () => {
    await admin(`${RBAC}/namespaces/team/roles`, {
      metadata: { name: "delegate" },
      rules: [
        {
          ...rule(["bind"], ["clusterroles"], ["rbac.authorization.k8s.io"]),
          resourceNames: ["cluster-admin"],
        },
        rule(["escalate"], ["roles"], ["rbac.authorization.k8s.io"]),
      ],
    })
    await admin(`${RBAC}/namespaces/team/rolebindings`, {
      metadata: { name: "jane-delegates" },
      roleRef: { ...REF, kind: "Role", name: "delegate" },
      subjects: [{ ...REF, kind: "User", name: "jane" }],
    })
    const binding = {
      metadata: { name: "joe-admin" },
      roleRef: { ...REF, kind: "ClusterRole", name: "cluster-admin" },
      subjects: [{ ...REF, kind: "User", name: "joe" }],
    }
    const bound = await apiCall(api, "POST", `${RBAC}/namespaces/team/rolebindings`, binding, as("jane"))
    assert.equal(bound.status, 201, bound.text)
    const role = { metadata: { name: "anything" }, rules: [rule(["*"], ["*"], ["*"])] }
    const escalated = await apiCall(api, "POST", `${RBAC}/namespaces/team/roles`, role, as("jane"))
    assert.equal(escalated.status, 201, escalated.text)
  })

  test("`escalate` limited to a role's name does not cover creating it (a POST names nothing)", async () => {
    await admin("/api/v1/namespaces", { metadata: { name: "limited" } })
    await admin(`${RBAC}/namespaces/limited/roles`, {
      metadata: { name: "sam" },
      rules: [
        rule(["create", "update", "get"], ["roles"], ["rbac.authorization.k8s.io"]),
        { ...rule(["escalate"], ["roles"], ["rbac.authorization.k8s.io"]), resourceNames: ["foo"] },
      ],
    })
    await admin(`${RBAC}/namespaces/limited/rolebindings`, {
      metadata: { name: "sam" },
      roleRef: { ...REF, kind: "Role", name: "sam" },
      subjects: [{ ...REF, kind: "User", name: "sam" }],
    })
    const foo = { metadata: { name: "foo" }, rules: [rule(["*"], ["secrets"])] }
    const created = await apiCall(api, "POST", `${RBAC}/namespaces/limited/roles`, foo, as("sam"))
    assert.equal(created.status, 403, created.text)
    assert.match(created.json.message, /^roles.rbac.authorization.k8s.io "foo" is forbidden: user "sam" /)
    // Once it exists, an update of foo is named: escalate on foo lets sam widen it.
    await admin(`${RBAC}/namespaces/limited/roles`, { metadata: { name: "foo" }, rules: [] })
    const updated = await apiCall(api, "PUT", `${RBAC}/namespaces/limited/roles/foo`, foo, as("sam"))
    assert.equal(updated.status, 200, updated.text)
  })

  test("an apply that creates a role asks `escalate` on its name, as an update does", async () => {
    await admin("/api/v1/namespaces", { metadata: { name: "applied" } })
    await admin(`${RBAC}/namespaces/applied/roles`, {
      metadata: { name: "sam" },
      rules: [
        rule(["create", "patch", "get"], ["roles"], ["rbac.authorization.k8s.io"]),
        { ...rule(["escalate"], ["roles"], ["rbac.authorization.k8s.io"]), resourceNames: ["bar"] },
      ],
    })
    await admin(`${RBAC}/namespaces/applied/rolebindings`, {
      metadata: { name: "sam" },
      roleRef: { ...REF, kind: "Role", name: "sam" },
      subjects: [{ ...REF, kind: "User", name: "sam" }],
    })
    const apply = (name: string) =>
      apiCall(
        api,
        "PATCH",
        `${RBAC}/namespaces/applied/roles/${name}?fieldManager=sam`,
        {
          apiVersion: "rbac.authorization.k8s.io/v1",
          kind: "Role",
          metadata: { name },
          rules: [rule(["*"], ["secrets"])],
        },
        { ...as("sam"), "content-type": "application/apply-patch+yaml" },
      )
    const bar = await apply("bar")
    assert.equal(bar.status, 201, bar.text)
    const other = await apply("other")
    assert.equal(other.status, 403, other.text)
    assert.match(other.json.message, /^roles.rbac.authorization.k8s.io "other" is forbidden: user "sam" /)
  })

  test("the check comes before validation: an invalid role that escalates is a 403", async () => {
    const role = {
      metadata: { name: "invalid" },
      rules: [rule(["get"], ["secrets"]), rule([], ["pods"])],
    }
    const r = await apiCall(api, "POST", `${RBAC}/namespaces/applied/roles`, role, as("sam"))
    assert.equal(r.status, 403, r.text)
    // Invalid only, it is validation's.
    const valid = { metadata: { name: "invalid" }, rules: [rule([], ["pods"])] }
    assert.equal(
      (await apiCall(api, "POST", `${RBAC}/namespaces/applied/roles`, valid, as("sam"))).status,
      422,
    )
  })

  test('a refused create with a generateName names the object "", as upstream\'s before its name is generated', async () => {
    const role = { metadata: { generateName: "wide-" }, rules: [rule(["get"], ["secrets"])] }
    const r = await apiCall(api, "POST", `${RBAC}/namespaces/applied/roles`, role, as("sam"))
    assert.equal(r.status, 403, r.text)
    assert.equal(
      r.json.message,
      'roles.rbac.authorization.k8s.io "" is forbidden: user "sam" (groups=["system:authenticated"]) is attempting to grant RBAC permissions not currently held:\n' +
        '{APIGroups:[""], Resources:["secrets"], Verbs:["get"]}',
    )
    assert.deepEqual(r.json.details, { group: "rbac.authorization.k8s.io", kind: "roles" })
  })

  test("a write of only the GC's fields skips the check; any other change, managedFields too, does not", async () => {
    await admin("/api/v1/namespaces", { metadata: { name: "gc" } })
    await admin(`${RBAC}/namespaces/gc/roles`, {
      metadata: { name: "sam" },
      rules: [rule(["update", "get"], ["roles"], ["rbac.authorization.k8s.io"])],
    })
    await admin(`${RBAC}/namespaces/gc/rolebindings`, {
      metadata: { name: "sam" },
      roleRef: { ...REF, kind: "Role", name: "sam" },
      subjects: [{ ...REF, kind: "User", name: "sam" }],
    })
    const path = `${RBAC}/namespaces/gc/roles/wide`
    const created = await apiCall(
      api,
      "POST",
      `${RBAC}/namespaces/gc/roles?fieldManager=tool`,
      { metadata: { name: "wide" }, rules: [rule(["*"], ["secrets"])] },
      as("admin"),
    )
    assert.equal(created.status, 201, created.text)
    const put = (body: unknown) => apiCall(api, "PUT", `${path}?fieldManager=tool`, body, as("sam"))
    // The stored object written back, its keys in another order: nothing but the GC's fields changed.
    const { metadata, ...rest } = created.json
    const reordered = {
      rules: rest.rules,
      metadata: { ...metadata },
      kind: rest.kind,
      apiVersion: rest.apiVersion,
    }
    const same = await put(reordered)
    assert.equal(same.status, 200, same.text)
    // A label changes more than the GC's fields: sam lacks the role's rules.
    const labelled = await put({ ...same.json, metadata: { ...same.json.metadata, labels: { a: "b" } } })
    assert.equal(labelled.status, 403, labelled.text)
    // A finalizer is the GC's, but written by another manager it changes managedFields too,
    // which upstream compares as well.
    const finalized = { ...same.json, metadata: { ...same.json.metadata, finalizers: ["example.com/f"] } }
    const other = await apiCall(api, "PUT", `${path}?fieldManager=other`, finalized, as("sam"))
    assert.equal(other.status, 403, other.text)
  })

  test("an aggregationRule takes every permission", async () => {
    const role = {
      metadata: { name: "gathers" },
      aggregationRule: { clusterRoleSelectors: [{ matchLabels: { gather: "me" } }] },
    }
    const r = await apiCall(api, "POST", `${RBAC}/clusterroles`, role, as("jane"))
    assert.equal(r.status, 403)
    assert.equal(
      r.json.message,
      'clusterroles.rbac.authorization.k8s.io "gathers" is forbidden: must have cluster-admin privileges to use the aggregationRule',
    )
    assert.equal((await apiCall(api, "POST", `${RBAC}/clusterroles`, role, as("admin"))).status, 201)
  })
})

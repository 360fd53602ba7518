/**
 * Escalation prevention in RBAC mode: roles only with rules their writer holds (or `escalate`),
 * bindings only to roles whose rules their writer holds (or `bind`), as upstream's RBAC storage.
 * Each test works in a namespace of its own and makes the grants it needs, so none depends on
 * another having run (or not).
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

/** Makes namespace `ns` and grants `user` the `rules` there (a Role and a RoleBinding named after the user). */
async function grant(ns: string, user: string, rules: readonly unknown[]): Promise<void> {
  await admin("/api/v1/namespaces", { metadata: { name: ns } })
  await admin(`${RBAC}/namespaces/${ns}/roles`, { metadata: { name: user }, rules })
  await admin(`${RBAC}/namespaces/${ns}/rolebindings`, {
    metadata: { name: user },
    roleRef: { ...REF, kind: "Role", name: user },
    subjects: [{ ...REF, kind: "User", name: user }],
  })
}

/** What jane holds in the namespaces of the tests that write as her: reading pods, writing roles and bindings. */
const JANE = [
  rule(["get", "list"], ["pods"]),
  rule(["create", "update"], ["roles", "rolebindings"], ["rbac.authorization.k8s.io"]),
]

describe("RBAC escalation prevention", () => {
  test("a role with rules its writer holds is created; one with more is refused, naming them", async () => {
    await grant("roles", "jane", JANE)
    const ok = await apiCall(
      api,
      "POST",
      `${RBAC}/namespaces/roles/roles`,
      { metadata: { name: "reader" }, rules: [rule(["get"], ["pods"])] },
      as("jane"),
    )
    assert.equal(ok.status, 201, ok.text)
    const refused = await apiCall(
      api,
      "POST",
      `${RBAC}/namespaces/roles/roles`,
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
    await grant("bindings", "jane", JANE)
    await admin(`${RBAC}/namespaces/bindings/roles`, {
      metadata: { name: "reader" },
      rules: [rule(["get"], ["pods"])],
    })
    const bind = (name: string, kind: string, role: string) =>
      apiCall(
        api,
        "POST",
        `${RBAC}/namespaces/bindings/rolebindings`,
        {
          metadata: { name },
          roleRef: { ...REF, kind, name: role },
          subjects: [{ ...REF, kind: "User", name: "joe" }],
        },
        as("jane"),
      )
    assert.equal((await bind("joe-reads", "Role", "reader")).status, 201)
    const toAdmin = await bind("joe-admin", "ClusterRole", "cluster-admin")
    assert.equal(toAdmin.status, 403)
    assert.match(
      toAdmin.json.message,
      /^rolebindings.rbac.authorization.k8s.io "joe-admin" is forbidden: user "jane" .* not currently held:\n/,
    )
    const ghost = await bind("joe-ghost", "Role", "ghost")
    assert.equal(ghost.status, 404)
    assert.equal(ghost.json.message, 'roles.rbac.authorization.k8s.io "ghost" not found')
  })

  test("`bind` on a role and `escalate` on roles let their holder grant what it lacks", async () => {
    await grant("delegated", "jane", JANE)
    await admin(`${RBAC}/namespaces/delegated/roles`, {
      metadata: { name: "delegate" },
      rules: [
        {
          ...rule(["bind"], ["clusterroles"], ["rbac.authorization.k8s.io"]),
          resourceNames: ["cluster-admin"],
        },
        rule(["escalate"], ["roles"], ["rbac.authorization.k8s.io"]),
      ],
    })
    await admin(`${RBAC}/namespaces/delegated/rolebindings`, {
      metadata: { name: "jane-delegates" },
      roleRef: { ...REF, kind: "Role", name: "delegate" },
      subjects: [{ ...REF, kind: "User", name: "jane" }],
    })
    const binding = {
      metadata: { name: "joe-admin" },
      roleRef: { ...REF, kind: "ClusterRole", name: "cluster-admin" },
      subjects: [{ ...REF, kind: "User", name: "joe" }],
    }
    const bound = await apiCall(api, "POST", `${RBAC}/namespaces/delegated/rolebindings`, binding, as("jane"))
    assert.equal(bound.status, 201, bound.text)
    const role = { metadata: { name: "anything" }, rules: [rule(["*"], ["*"], ["*"])] }
    const escalated = await apiCall(api, "POST", `${RBAC}/namespaces/delegated/roles`, role, as("jane"))
    assert.equal(escalated.status, 201, escalated.text)
  })

  test("`escalate` limited to a role's name does not cover creating it (a POST names nothing)", async () => {
    await grant("limited", "sam", [
      rule(["create", "update", "get"], ["roles"], ["rbac.authorization.k8s.io"]),
      { ...rule(["escalate"], ["roles"], ["rbac.authorization.k8s.io"]), resourceNames: ["foo"] },
    ])
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
    await grant("applied", "sam", [
      rule(["create", "patch", "get"], ["roles"], ["rbac.authorization.k8s.io"]),
      { ...rule(["escalate"], ["roles"], ["rbac.authorization.k8s.io"]), resourceNames: ["bar"] },
    ])
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
    await grant("validated", "sam", [rule(["create"], ["roles"], ["rbac.authorization.k8s.io"])])
    const role = {
      metadata: { name: "invalid" },
      rules: [rule(["get"], ["secrets"]), rule([], ["pods"])],
    }
    const r = await apiCall(api, "POST", `${RBAC}/namespaces/validated/roles`, role, as("sam"))
    assert.equal(r.status, 403, r.text)
    // Invalid only, it is validation's.
    const valid = { metadata: { name: "invalid" }, rules: [rule([], ["pods"])] }
    assert.equal(
      (await apiCall(api, "POST", `${RBAC}/namespaces/validated/roles`, valid, as("sam"))).status,
      422,
    )
  })

  test('a refused create with a generateName names the object "", as upstream\'s before its name is generated', async () => {
    await grant("generated", "sam", [rule(["create"], ["roles"], ["rbac.authorization.k8s.io"])])
    const role = { metadata: { generateName: "wide-" }, rules: [rule(["get"], ["secrets"])] }
    const r = await apiCall(api, "POST", `${RBAC}/namespaces/generated/roles`, role, as("sam"))
    assert.equal(r.status, 403, r.text)
    assert.equal(
      r.json.message,
      'roles.rbac.authorization.k8s.io "" is forbidden: user "sam" (groups=["system:authenticated"]) is attempting to grant RBAC permissions not currently held:\n' +
        '{APIGroups:[""], Resources:["secrets"], Verbs:["get"]}',
    )
    assert.deepEqual(r.json.details, { group: "rbac.authorization.k8s.io", kind: "roles" })
  })

  test("a write of only the GC's fields skips the check; any other change, managedFields too, does not", async () => {
    await grant("gc", "sam", [rule(["update", "get"], ["roles"], ["rbac.authorization.k8s.io"])])
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
    // Cluster-wide: jane may create cluster roles.
    await admin(`${RBAC}/clusterroles`, {
      metadata: { name: "clusterrole-writer" },
      rules: [rule(["create"], ["clusterroles"], ["rbac.authorization.k8s.io"])],
    })
    await admin(`${RBAC}/clusterrolebindings`, {
      metadata: { name: "jane-clusterroles" },
      roleRef: { ...REF, kind: "ClusterRole", name: "clusterrole-writer" },
      subjects: [{ ...REF, kind: "User", name: "jane" }],
    })
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

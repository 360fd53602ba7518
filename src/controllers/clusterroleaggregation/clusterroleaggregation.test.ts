import assert from "node:assert/strict"
import { after, before, describe, test } from "node:test"
import type { PolicyRule } from "kubernetes-types/rbac/v1.js"
import { ClusterRoles, type LabelSelector } from "../../api/index.ts"
import { startLifecycleEnv, type LifecycleEnv } from "../lifecycle-env.case.ts"
import { aggregatedRules, clusterRoleAggregationController, FIELD_MANAGER } from "./clusterroleaggregation.ts"

const RBAC = "rbac.authorization.k8s.io"

function role(name: string, labels: Record<string, string>, rules: PolicyRule[], to?: string) {
  return {
    apiVersion: `${RBAC}/v1` as const,
    kind: "ClusterRole" as const,
    metadata: { name, labels },
    rules,
    ...(to ? { aggregationRule: { clusterRoleSelectors: [{ matchLabels: { [to]: "true" } }] } } : {}),
  }
}

const readPods: PolicyRule = { verbs: ["get"], apiGroups: [""], resources: ["pods"] }
const readNodes: PolicyRule = { verbs: ["get"], apiGroups: [""], resources: ["nodes"] }

describe("aggregatedRules", () => {
  test("takes each rule once, roles in name order, the role itself left out", () => {
    const agg = role("agg", { "x/to": "true" }, [], "x/to")
    const b = role("b", { "x/to": "true" }, [readNodes, readPods])
    const a = role("a", { "x/to": "true" }, [readPods, { ...readPods, resourceNames: [] }])
    const other = role("c", {}, [{ verbs: ["*"], apiGroups: ["*"], resources: ["*"] }])
    assert.deepEqual(aggregatedRules(agg, [b, agg, other, a]), [readPods, readNodes])
  })

  test("a role matched by several selectors counts once", () => {
    const clusterRoleSelectors: LabelSelector[] = [{ matchLabels: { p: "1" } }, { matchLabels: { q: "1" } }]
    const agg = { ...role("agg", {}, []), aggregationRule: { clusterRoleSelectors } }
    assert.deepEqual(aggregatedRules(agg, [role("a", { p: "1", q: "1" }, [readPods])]), [readPods])
  })
})

describe("clusterRoleAggregationController", () => {
  let t: LifecycleEnv
  before(async () => {
    t = await startLifecycleEnv([clusterRoleAggregationController()])
  })
  after(() => t.stop())

  const get = (name: string) => t.client.resource(ClusterRoles).get({ name })

  test("fills the bootstrap admin, edit and view roles from the system:aggregate-to-* roles", async () => {
    await t.until(async () => ((await get("view")).rules ?? []).length > 0, "view's rules")
    await t.until(async () => {
      const [admin, edit, view] = await Promise.all([get("admin"), get("edit"), get("view")])
      return (
        (admin.rules ?? []).length > (edit.rules ?? []).length &&
        (edit.rules ?? []).length > (view.rules?.length ?? 0)
      )
    }, "admin ⊃ edit ⊃ view")
    const view = await get("view")
    assert.ok(view.rules?.some((r) => r.resources?.includes("pods") && r.verbs.includes("list")))
    assert.ok(!view.rules?.some((r) => r.resources?.includes("secrets")), "view never reads secrets")
    const edit = await get("edit")
    assert.ok(edit.rules?.some((r) => r.resources?.includes("secrets") && r.verbs.includes("create")))
    const admin = await get("admin")
    assert.ok(admin.rules?.some((r) => r.resources?.includes("rolebindings")))
    assert.ok(
      admin.metadata?.managedFields?.some((m) => m.manager === FIELD_MANAGER && m.operation === "Apply"),
    )
  })

  test("follows roles that start and stop matching, and stomps direct edits", async () => {
    const roles = t.client.resource(ClusterRoles)
    await roles.create(role("monitoring", {}, [], "example.com/aggregate-to-monitoring"))
    await roles.create(role("monitoring-pods", { "example.com/aggregate-to-monitoring": "true" }, [readPods]))
    await t.until(async () => (await get("monitoring")).rules?.length === 1, "one rule")
    await roles.create(
      role("monitoring-nodes", { "example.com/aggregate-to-monitoring": "true" }, [readNodes]),
    )
    await t.until(async () => (await get("monitoring")).rules?.length === 2, "two rules")
    assert.deepEqual((await get("monitoring")).rules, [readNodes, readPods])

    const edited = await get("monitoring")
    await roles.update({ ...edited, rules: [{ verbs: ["*"], apiGroups: ["*"], resources: ["*"] }] })
    await t.until(async () => {
      const rules = (await get("monitoring")).rules
      return rules?.length === 2 && rules[0]?.resources?.[0] === "nodes"
    }, "the edit stomped")

    const nodes = await get("monitoring-nodes")
    await roles.update({ ...nodes, metadata: { ...nodes.metadata, labels: {} } })
    await t.until(
      async () => (await get("monitoring")).rules?.length === 1,
      "the unlabelled role's rule gone",
    )
    await roles.delete({ name: "monitoring-pods" })
    await t.until(async () => ((await get("monitoring")).rules ?? []).length === 0, "no rules left")
  })
})

import assert from "node:assert/strict"
import { describe, test } from "node:test"
import type { PolicyRule } from "kubernetes-types/rbac/v1.js"
import { compactRules, compactString, uncovered } from "./covers.ts"

const cases: { name: string; owner: PolicyRule[]; servant: PolicyRule[]; missing: string[] }[] = [
  {
    name: "the same rule",
    owner: [{ verbs: ["get", "list"], apiGroups: [""], resources: ["pods"] }],
    servant: [{ verbs: ["list"], apiGroups: [""], resources: ["pods"] }],
    missing: [],
  },
  {
    name: "split over two owner rules",
    owner: [
      { verbs: ["get"], apiGroups: [""], resources: ["pods"] },
      { verbs: ["list"], apiGroups: [""], resources: ["pods"] },
    ],
    servant: [{ verbs: ["get", "list"], apiGroups: [""], resources: ["pods"] }],
    missing: [],
  },
  {
    name: "a verb more",
    owner: [{ verbs: ["get"], apiGroups: [""], resources: ["pods"] }],
    servant: [{ verbs: ["get", "delete"], apiGroups: [""], resources: ["pods"] }],
    missing: ['{APIGroups:[""], Resources:["pods"], Verbs:["delete"]}'],
  },
  {
    name: "* covers everything",
    owner: [{ verbs: ["*"], apiGroups: ["*"], resources: ["*"] }],
    servant: [
      { verbs: ["create"], apiGroups: ["apps"], resources: ["deployments/scale"], resourceNames: ["a"] },
    ],
    missing: [],
  },
  {
    name: "*/scale covers a scale subresource, not the resource",
    owner: [{ verbs: ["update"], apiGroups: ["apps"], resources: ["*/scale"] }],
    servant: [{ verbs: ["update"], apiGroups: ["apps"], resources: ["deployments/scale", "deployments"] }],
    missing: ['{APIGroups:["apps"], Resources:["deployments"], Verbs:["update"]}'],
  },
  {
    name: "named owner rules cover those names only",
    owner: [{ verbs: ["get"], apiGroups: [""], resources: ["secrets"], resourceNames: ["a"] }],
    servant: [
      { verbs: ["get"], apiGroups: [""], resources: ["secrets"], resourceNames: ["a"] },
      { verbs: ["get"], apiGroups: [""], resources: ["secrets"] },
    ],
    missing: ['{APIGroups:[""], Resources:["secrets"], Verbs:["get"]}'],
  },
  {
    name: "URLs by prefix",
    owner: [{ verbs: ["get"], nonResourceURLs: ["/apis/*"] }],
    servant: [{ verbs: ["get"], nonResourceURLs: ["/apis/apps", "/healthz"] }],
    missing: ['{NonResourceURLs:["/healthz"], Verbs:["get"]}'],
  },
]

describe("RBAC rule coverage", () => {
  for (const c of cases) {
    test(c.name, () => {
      assert.deepEqual(compactRules(uncovered(c.owner, c.servant)).map(compactString), c.missing)
    })
  }

  test("missing rules of one group and resource are compacted into one", () => {
    const missing = uncovered([], [{ verbs: ["get", "list"], apiGroups: ["", "apps"], resources: ["pods"] }])
    assert.deepEqual(compactRules(missing).map(compactString), [
      '{APIGroups:[""], Resources:["pods"], Verbs:["get" "list"]}',
      '{APIGroups:["apps"], Resources:["pods"], Verbs:["get" "list"]}',
    ])
  })
})

import assert from "node:assert/strict"
import { test } from "node:test"
import { clusterRoleBindingPrinter, roleBindingPrinter } from "./rbac.ts"
import { headers, meta, printerCases } from "./testdata.ts"

const subjects = [
  { kind: "User", name: "alice" },
  { kind: "User", name: "bob" },
  { kind: "Group", name: "devs" },
  { kind: "ServiceAccount", name: "builder", namespace: "ci" },
]

printerCases("roleBindingPrinter", roleBindingPrinter, [
  {
    name: "subjects by kind",
    input: {
      metadata: meta("rb"),
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "edit" },
      subjects,
    },
    want: ["rb", "Role/edit", "5m", "alice, bob", "devs", "ci/builder"],
  },
])

printerCases("clusterRoleBindingPrinter", clusterRoleBindingPrinter, [
  {
    name: "no subjects",
    input: {
      metadata: meta("crb"),
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "view" },
    },
    want: ["crb", "ClusterRole/view", "5m", "", "", ""],
  },
])

test("rbac printers have upstream's headers", () => {
  assert.equal(headers(roleBindingPrinter), "Name | Role | Age | Users* | Groups* | ServiceAccounts*")
  assert.equal(clusterRoleBindingPrinter.columns[3]?.description, "Users in the clusterRoleBinding")
})

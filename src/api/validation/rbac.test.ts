import assert from "node:assert/strict"
import { test } from "node:test"
import { printed, stored } from "./_fixtures.ts"
import { validateClusterRole, validateClusterRoleBinding, validateRole, validateRoleBinding } from "./rbac.ts"

const GROUP = "rbac.authorization.k8s.io"
const meta = { name: "reader", namespace: "default" }

const cases: { name: string; input: () => string[]; want: string[] }[] = [
  {
    name: "validateRole() accepts a resource rule",
    input: () =>
      printed(
        validateRole({ metadata: meta, rules: [{ apiGroups: [""], resources: ["pods"], verbs: ["get"] }] }),
      ),
    want: [],
  },
  {
    name: "validateRole() allows names with colons",
    input: () => printed(validateRole({ metadata: { ...meta, name: "system:reader" }, rules: [] })),
    want: [],
  },
  {
    name: "validateRole() requires verbs, groups and resources",
    input: () => printed(validateRole({ metadata: meta, rules: [{} as never] })),
    want: [
      "rules[0].verbs: Required value: verbs must contain at least one value",
      "rules[0].apiGroups: Required value: resource rules must supply at least one api group",
      "rules[0].resources: Required value: resource rules must supply at least one resource",
    ],
  },
  {
    name: "validateRole() forbids non-resource URLs",
    input: () =>
      printed(validateRole({ metadata: meta, rules: [{ verbs: ["get"], nonResourceURLs: ["/healthz"] }] })),
    want: [
      'rules[0].nonResourceURLs: Invalid value: ["/healthz"]: namespaced rules cannot apply to non-resource URLs',
    ],
  },
  {
    name: "validateClusterRole() allows non-resource URLs",
    input: () =>
      printed(
        validateClusterRole({
          metadata: { name: "health" },
          rules: [{ verbs: ["get"], nonResourceURLs: ["/healthz"] }],
        }),
      ),
    want: [],
  },
  {
    name: "validateRoleBinding() checks roleRef and subjects",
    input: () =>
      printed(
        validateRoleBinding({
          metadata: meta,
          roleRef: { apiGroup: "", kind: "Thing", name: "" },
          subjects: [
            { kind: "User", name: "alice" },
            { kind: "Robot", name: "r2" },
          ],
        }),
      ),
    want: [
      `roleRef.apiGroup: Unsupported value: "": supported values: "${GROUP}"`,
      'roleRef.kind: Unsupported value: "Thing": supported values: "Role", "ClusterRole"',
      "roleRef.name: Required value",
      `subjects[0].apiGroup: Unsupported value: "": supported values: "${GROUP}"`,
      'subjects[1].kind: Unsupported value: "Robot": supported values: "ServiceAccount", "User", "Group"',
    ],
  },
  {
    name: "validateClusterRoleBinding() needs service account namespaces",
    input: () =>
      printed(
        validateClusterRoleBinding({
          metadata: { name: "b" },
          roleRef: { apiGroup: GROUP, kind: "ClusterRole", name: "view" },
          subjects: [{ kind: "ServiceAccount", name: "default" }],
        }),
      ),
    want: ["subjects[0].namespace: Required value"],
  },
  {
    name: "validateRoleBinding() on update keeps roleRef",
    input: () => {
      const old = stored({ metadata: meta, roleRef: { apiGroup: GROUP, kind: "Role", name: "a" } })
      return printed(
        validateRoleBinding({ ...old, roleRef: { apiGroup: GROUP, kind: "Role", name: "b" } }, old),
      )
    },
    want: [`roleRef: Invalid value: {"apiGroup":"${GROUP}","kind":"Role","name":"b"}: cannot change roleRef`],
  },
]

for (const c of cases) {
  test(c.name, () => {
    assert.deepEqual(c.input(), c.want)
  })
}

/** Printers of RoleBindings and ClusterRoleBindings (Roles and ClusterRoles print the default table, as upstream). */
import type { ClusterRoleBinding, RoleBinding, Subject } from "kubernetes-types/rbac/v1.js"
import { DOCS } from "./descriptions.ts"
import { age } from "./format.ts"
import { AGE_COLUMN, NAME_COLUMN, column, wide, type ColumnDefinition, type Printer } from "./types.ts"

/** USERS, GROUPS and SERVICEACCOUNTS (`namespace/name`), each joined by ", ". */
function subjectCells(subjects: readonly Subject[] | undefined): [string, string, string] {
  const users: string[] = []
  const groups: string[] = []
  const sas: string[] = []
  for (const s of subjects ?? []) {
    if (s.kind === "User") users.push(s.name)
    else if (s.kind === "Group") groups.push(s.name)
    else if (s.kind === "ServiceAccount") sas.push(`${s.namespace ?? ""}/${s.name}`)
  }
  return [users.join(", "), groups.join(", "), sas.join(", ")]
}

function bindingColumns(kind: string, roleRefDoc: string): ColumnDefinition[] {
  return [
    NAME_COLUMN,
    column("Role", "string", roleRefDoc),
    AGE_COLUMN,
    wide("Users", `Users in the ${kind}`),
    wide("Groups", `Groups in the ${kind}`),
    wide("ServiceAccounts", `ServiceAccounts in the ${kind}`),
  ]
}

function bindingCells(b: RoleBinding | ClusterRoleBinding, now: number) {
  return [
    b.metadata?.name ?? "",
    `${b.roleRef?.kind ?? ""}/${b.roleRef?.name ?? ""}`,
    age(b, now),
    ...subjectCells(b.subjects),
  ]
}

/** RoleBindings: NAME ROLE AGE | USERS GROUPS SERVICEACCOUNTS. */
export const roleBindingPrinter: Printer<RoleBinding> = {
  columns: bindingColumns("roleBinding", DOCS.rbRoleRef),
  cells: (b, { now }) => bindingCells(b, now),
}

/** ClusterRoleBindings: NAME ROLE AGE | USERS GROUPS SERVICEACCOUNTS. */
export const clusterRoleBindingPrinter: Printer<ClusterRoleBinding> = {
  columns: bindingColumns("clusterRoleBinding", DOCS.crbRoleRef),
  cells: (b, { now }) => bindingCells(b, now),
}

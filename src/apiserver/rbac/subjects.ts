/**
 * Whom a binding's subjects name (upstream's appliesTo in pkg/registry/rbac/validation): a User
 * by name, a Group by membership, a ServiceAccount by its username
 * `system:serviceaccount:<namespace>:<name>`, the namespace defaulting to the binding's own
 * (a ClusterRoleBinding's ServiceAccount without one names nobody). Unknown kinds name nobody.
 */
import type { Subject } from "kubernetes-types/rbac/v1.js"
import { goQuote } from "../../util/index.ts"
import type { UserInfo } from "../http.ts"
import { serviceAccountUsername } from "../serviceaccount/claims.ts"

/**
 * The key a subject is indexed under: `u:<username>` for a User or ServiceAccount, `g:<group>`
 * for a Group; undefined for a subject that names nobody. `namespace`: the binding's ("" for a
 * ClusterRoleBinding).
 */
export function subjectKey(s: Subject, namespace: string): string | undefined {
  switch (s.kind) {
    case "User":
      return `u:${s.name}`
    case "Group":
      return `g:${s.name}`
    case "ServiceAccount": {
      const ns = s.namespace || namespace
      return ns ? `u:${serviceAccountUsername(ns, s.name)}` : undefined
    }
    default:
      return undefined
  }
}

/** The keys a user's bindings are indexed under: its name's, then each group's. */
export function userKeys(user: UserInfo): string[] {
  const keys = [`u:${user.name}`]
  for (const g of user.groups) keys.push(`g:${g}`)
  return keys
}

/** Whether `s` names `user` in a binding of `namespace`. */
export function appliesToUser(user: UserInfo, s: Subject, namespace: string): boolean {
  switch (s.kind) {
    case "User":
      return user.name === s.name
    case "Group":
      return user.groups.includes(s.name)
    case "ServiceAccount": {
      const ns = s.namespace || namespace
      return !!ns && user.name === serviceAccountUsername(ns, s.name)
    }
    default:
      return false
  }
}

/** The index of the first of `subjects` that names `user`, or -1. */
export function appliesTo(user: UserInfo, subjects: readonly Subject[], namespace: string): number {
  return subjects.findIndex((s) => appliesToUser(user, s, namespace))
}

/** `User "jane"`, `ServiceAccount "robot/team"` as upstream's RBAC reasons name a subject. */
export function describeSubject(s: Subject, bindingNamespace: string): string {
  if (s.kind === "ServiceAccount")
    return `${s.kind} ${goQuote(`${s.name}/${s.namespace || bindingNamespace}`)}`
  return `${s.kind} ${goQuote(s.name)}`
}

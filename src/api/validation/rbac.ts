/**
 * Roles, ClusterRoles and their bindings (rbac validation): path-segment names, rules with
 * verbs and either resources or non-resource URLs, valid subjects and a fixed roleRef.
 */
import type {
  ClusterRole,
  ClusterRoleBinding,
  PolicyRule,
  Role,
  RoleBinding,
  Subject,
} from "kubernetes-types/rbac/v1.js"
import type { ObjectMeta } from "kubernetes-types/meta/v1.js"
import type { FieldError } from "../errors.ts"
import { invalidValue, notSupported, required } from "../field-errors.ts"
import { child, deepEqual, index, list } from "./_field.ts"
import { isPathSegmentName, nameIsDnsSubdomain, nameIsPathSegment } from "./names.ts"
import { validateObjectMeta, validateObjectMetaUpdate } from "./object-meta.ts"

const GROUP = "rbac.authorization.k8s.io"

function meta(m: ObjectMeta | undefined, old: ObjectMeta | undefined, namespaced: boolean): FieldError[] {
  const errs = validateObjectMeta(m, { namespaced, name: nameIsPathSegment })
  // upstream validates the new object first, then the update
  if (old) errs.push(...validateObjectMetaUpdate(m, old))
  return errs
}

function validateRule(rule: PolicyRule, namespaced: boolean, field: string): FieldError[] {
  const errs: FieldError[] = []
  if (!list(rule.verbs).length)
    errs.push(required(child(field, "verbs"), "verbs must contain at least one value"))
  const urls = list(rule.nonResourceURLs)
  if (urls.length) {
    if (namespaced)
      errs.push(
        invalidValue(
          child(field, "nonResourceURLs"),
          urls,
          "namespaced rules cannot apply to non-resource URLs",
        ),
      )
    if (list(rule.apiGroups).length || list(rule.resources).length || list(rule.resourceNames).length) {
      errs.push(
        invalidValue(
          child(field, "nonResourceURLs"),
          urls,
          "rules cannot apply to both regular resources and non-resource URLs",
        ),
      )
    }
    return errs
  }
  if (!list(rule.apiGroups).length)
    errs.push(required(child(field, "apiGroups"), "resource rules must supply at least one api group"))
  if (!list(rule.resources).length)
    errs.push(required(child(field, "resources"), "resource rules must supply at least one resource"))
  if (list(rule.resourceNames).length && list(rule.resources).length > 1) {
    errs.push(required(child(field, "resourceNames"), "resource names cannot apply to multiple resources"))
  }
  return errs
}

/** A Role on create, or on update when `old` is given. */
export function validateRole(role: Role, old?: Role): FieldError[] {
  const errs = meta(role.metadata, old?.metadata, true)
  list(role.rules).forEach((r, i) => errs.push(...validateRule(r, true, index("rules", i))))
  return errs
}

/** A ClusterRole on create, or on update when `old` is given. */
export function validateClusterRole(role: ClusterRole, old?: ClusterRole): FieldError[] {
  const errs = meta(role.metadata, old?.metadata, false)
  list(role.rules).forEach((r, i) => errs.push(...validateRule(r, false, index("rules", i))))
  return errs
}

function validateSubject(s: Subject, namespaced: boolean, field: string): FieldError[] {
  const errs: FieldError[] = []
  const name = s.name ?? ""
  if (!name) errs.push(required(child(field, "name"), ""))
  switch (s.kind) {
    case "ServiceAccount":
      if (name)
        errs.push(...nameIsDnsSubdomain(name, false).map((m) => invalidValue(child(field, "name"), name, m)))
      if (s.apiGroup) errs.push(notSupported(child(field, "apiGroup"), s.apiGroup, [""]))
      if (!namespaced && !s.namespace) errs.push(required(child(field, "namespace"), ""))
      break
    case "User":
    case "Group":
      if (!name)
        errs.push(invalidValue(child(field, "name"), name, `${s.kind.toLowerCase()} name cannot be empty`))
      if (s.apiGroup !== GROUP) errs.push(notSupported(child(field, "apiGroup"), s.apiGroup ?? "", [GROUP]))
      break
    default:
      errs.push(notSupported(child(field, "kind"), s.kind ?? "", ["ServiceAccount", "User", "Group"]))
  }
  return errs
}

function validateBinding(
  b: RoleBinding | ClusterRoleBinding,
  old: RoleBinding | ClusterRoleBinding | undefined,
  namespaced: boolean,
): FieldError[] {
  const errs = validateObjectMeta(b.metadata, { namespaced, name: nameIsPathSegment })
  const ref = b.roleRef ?? ({} as RoleBinding["roleRef"])
  if (ref.apiGroup !== GROUP) errs.push(notSupported("roleRef.apiGroup", ref.apiGroup ?? "", [GROUP]))
  const kinds = namespaced ? ["Role", "ClusterRole"] : ["ClusterRole"]
  if (!kinds.includes(ref.kind)) errs.push(notSupported("roleRef.kind", ref.kind ?? "", kinds))
  if (!ref.name) errs.push(required("roleRef.name", ""))
  else errs.push(...isPathSegmentName(ref.name).map((m) => invalidValue("roleRef.name", ref.name, m)))
  list(b.subjects).forEach((s, i) => errs.push(...validateSubject(s, namespaced, index("subjects", i))))
  if (old) {
    errs.push(...validateObjectMetaUpdate(b.metadata, old.metadata))
    if (!deepEqual(old.roleRef, b.roleRef))
      errs.push(invalidValue("roleRef", b.roleRef ?? null, "cannot change roleRef"))
  }
  return errs
}

/** A RoleBinding on create, or on update when `old` is given. */
export function validateRoleBinding(b: RoleBinding, old?: RoleBinding): FieldError[] {
  return validateBinding(b, old, true)
}

/** A ClusterRoleBinding on create, or on update when `old` is given. */
export function validateClusterRoleBinding(b: ClusterRoleBinding, old?: ClusterRoleBinding): FieldError[] {
  return validateBinding(b, old, false)
}

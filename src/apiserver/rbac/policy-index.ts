/**
 * The RBAC objects as the authorizer reads them (upstream's listers over the API server's own
 * informers, here the watch cache): roles and cluster roles by key, and the bindings indexed by
 * the subjects they name, so that finding a user's bindings costs a few map reads, not a scan
 * of every binding. The index is rebuilt lazily, on the first request after a binding changed or
 * the cache (re)listed.
 */
import type {
  ClusterRoleBinding,
  PolicyRule,
  RoleBinding,
  RoleRef,
  Subject,
} from "kubernetes-types/rbac/v1.js"
import type { ApiObject } from "../../api/index.ts"
import { goQuote } from "../../util/index.ts"
import type { UserInfo } from "../http.ts"
import type { ConfigurationCache } from "../webhook/source.ts"
import { appliesTo, describeSubject, subjectKey, userKeys } from "./subjects.ts"

/** The watch cache's view of the four RBAC kinds. */
export interface RbacCaches {
  readonly roles: ConfigurationCache & { readonly prefix: string }
  readonly roleBindings: ConfigurationCache
  readonly clusterRoles: ConfigurationCache & { readonly prefix: string }
  readonly clusterRoleBindings: ConfigurationCache
  /** How many lists the cache has loaded (each replaces its objects unannounced). */
  readonly lists: number
}

/** What granted a rule, as upstream's RBAC reasons name it. */
export type RuleSource = () => string

/**
 * Called with each rule that applies (and its source), or an error resolving a binding's role;
 * returns false to stop visiting.
 */
export type RuleVisitor = (
  source: RuleSource | undefined,
  rule: PolicyRule | undefined,
  err?: string,
) => boolean

type Binding = RoleBinding | ClusterRoleBinding

interface Index {
  /** Cluster role bindings by subject key. */
  readonly cluster: Map<string, ClusterRoleBinding[]>
  /** Role bindings by namespace, then subject key. */
  readonly namespaced: Map<string, Map<string, RoleBinding[]>>
}

function add<B>(m: Map<string, B[]>, key: string, b: B): void {
  const list = m.get(key)
  if (!list) m.set(key, [b])
  else if (list[list.length - 1] !== b) list.push(b) // a binding naming one subject twice: once
}

function byName(a: Binding, b: Binding): number {
  const x = a.metadata?.name ?? ""
  const y = b.metadata?.name ?? ""
  return x < y ? -1 : x > y ? 1 : 0
}

/**
 * Bindings named by any of `keys`, each once, in name order (upstream's lister order is
 * unspecified); most users match one key or none, answered without copying.
 */
function bindingsOf<B extends Binding>(
  m: Map<string, B[]> | undefined,
  keys: readonly string[],
): readonly B[] {
  if (!m) return []
  let first: B[] | undefined
  let merged: Set<B> | undefined
  for (const k of keys) {
    const found = m.get(k)
    if (!found) continue
    if (!first) first = found
    else {
      merged ??= new Set(first)
      for (const b of found) merged.add(b)
    }
  }
  if (merged) return [...merged].sort(byName)
  return first ?? []
}

/** Upstream's lister error for a role that does not exist. */
function notFound(kind: "role" | "clusterrole", name: string): string {
  return `${kind}.rbac.authorization.k8s.io ${goQuote(name)} not found`
}

/** Roles, cluster roles and the bindings of a user, from the watch cache. */
export class PolicyIndex {
  readonly #c: RbacCaches
  #index: Index | undefined
  /**
   * The lists the cache had loaded when the index was last valid: a list (its first, or a relist
   * after its watch ended) replaces the objects unannounced, even at the revision it had, so the
   * index is dropped once the next one has loaded.
   */
  #lists: number

  constructor(caches: RbacCaches) {
    this.#c = caches
    this.#lists = caches.lists
    const dirty = () => {
      this.#index = undefined
    }
    caches.roleBindings.subscribe(dirty)
    caches.clusterRoleBindings.subscribe(dirty)
  }

  #current(): Index {
    if (this.#c.lists !== this.#lists) {
      this.#lists = this.#c.lists
      this.#index = undefined
    }
    return (this.#index ??= this.#build(this.#c.roleBindings.objects, this.#c.clusterRoleBindings.objects))
  }

  #build(rb: ReadonlyMap<string, ApiObject>, crb: ReadonlyMap<string, ApiObject>): Index {
    const cluster = new Map<string, ClusterRoleBinding[]>()
    for (const obj of crb.values()) {
      const b = obj as unknown as ClusterRoleBinding
      for (const s of b.subjects ?? []) {
        const key = subjectKey(s, "")
        if (key) add(cluster, key, b)
      }
    }
    const namespaced = new Map<string, Map<string, RoleBinding[]>>()
    for (const obj of rb.values()) {
      const b = obj as unknown as RoleBinding
      const ns = b.metadata?.namespace ?? ""
      let m = namespaced.get(ns)
      if (!m) namespaced.set(ns, (m = new Map()))
      for (const s of b.subjects ?? []) {
        const key = subjectKey(s, ns)
        if (key) add(m, key, b)
      }
    }
    for (const list of cluster.values()) list.sort(byName)
    for (const m of namespaced.values()) for (const list of m.values()) list.sort(byName)
    return { cluster, namespaced }
  }

  /**
   * The rules a binding's roleRef grants (upstream's GetRoleReferenceRules); a Role is looked up
   * in `namespace`, the binding's.
   * @returns the rules, or the error resolving them
   */
  roleReferenceRules(ref: RoleRef, namespace: string): readonly PolicyRule[] | { error: string } {
    if (ref.kind === "Role") {
      const role = this.#c.roles.objects.get(`${this.#c.roles.prefix}${namespace}/${ref.name}`)
      return role ? ((role as { rules?: PolicyRule[] }).rules ?? []) : { error: notFound("role", ref.name) }
    }
    if (ref.kind === "ClusterRole") {
      const role = this.#c.clusterRoles.objects.get(`${this.#c.clusterRoles.prefix}${ref.name}`)
      return role
        ? ((role as { rules?: PolicyRule[] }).rules ?? [])
        : { error: notFound("clusterrole", ref.name) }
    }
    return { error: `unsupported role reference kind: ${goQuote(ref.kind)}` }
  }

  /**
   * Visits the rules that apply to `user` in `namespace` (upstream's VisitRulesFor): those of its
   * cluster role bindings, then, in a namespace, of that namespace's role bindings.
   */
  visitRulesFor(user: UserInfo, namespace: string, visit: RuleVisitor): void {
    const index = this.#current()
    const keys = userKeys(user)
    for (const b of bindingsOf(index.cluster, keys)) {
      if (!this.#visitBinding(user, b, "", visit)) return
    }
    if (!namespace) return
    for (const b of bindingsOf(index.namespaced.get(namespace), keys)) {
      if (!this.#visitBinding(user, b, namespace, visit)) return
    }
  }

  #visitBinding(user: UserInfo, b: Binding, namespace: string, visit: RuleVisitor): boolean {
    const subjects = b.subjects ?? []
    const i = appliesTo(user, subjects, namespace)
    if (i < 0) return true
    const rules = this.roleReferenceRules(b.roleRef, namespace)
    if ("error" in rules) return visit(undefined, undefined, rules.error)
    const source = () => describeBinding(b, subjects[i] as Subject, namespace)
    for (const r of rules) if (!visit(source, r)) return false
    return true
  }

  /** Every rule that applies to `user` in `namespace`, and the errors resolving them (RulesFor). */
  rulesFor(user: UserInfo, namespace: string): { rules: PolicyRule[]; errors: string[] } {
    const rules: PolicyRule[] = []
    const errors: string[] = []
    this.visitRulesFor(user, namespace, (_source, rule, err) => {
      if (rule) rules.push(rule)
      if (err) errors.push(err)
      return true
    })
    return { rules, errors }
  }
}

/** `ClusterRoleBinding "x" of ClusterRole "y" to Group "z"`, `RoleBinding "x/ns" of Role ...`. */
function describeBinding(b: Binding, s: Subject, namespace: string): string {
  const ref = `${b.roleRef.kind} ${goQuote(b.roleRef.name)}`
  const name = b.metadata?.name ?? ""
  return namespace
    ? `RoleBinding ${goQuote(`${name}/${namespace}`)} of ${ref} to ${describeSubject(s, namespace)}`
    : `ClusterRoleBinding ${goQuote(name)} of ${ref} to ${describeSubject(s, "")}`
}

/**
 * PolicyIndex over a fake of the watch cache: a binding's delete or subject change revokes at
 * once, and a relist's unannounced replacement is picked up once it has loaded, without
 * rebuilding the index on every request after it.
 */
import assert from "node:assert/strict"
import { test } from "node:test"
import type { ApiObject } from "../../api/index.ts"
import { PolicyIndex, type RbacCaches } from "./policy-index.ts"

const ROLES = "/registry/rbac.authorization.k8s.io/roles/"
const CLUSTER_ROLES = "/registry/rbac.authorization.k8s.io/clusterroles/"
const BINDINGS = "/registry/rbac.authorization.k8s.io/rolebindings/"

/** A map that counts the scans of its values (each scan of the bindings is an index build). */
class CountedMap extends Map<string, ApiObject> {
  scans = 0
  override values(): MapIterator<ApiObject> {
    this.scans++
    return super.values()
  }
}

/** One kind's objects, with its subscribers told of each change (as the watch cache's events). */
function fakeCache(prefix = "") {
  const objects = new CountedMap()
  const listeners = new Set<() => void>()
  return {
    prefix,
    objects,
    subscribe(fn: () => void) {
      listeners.add(fn)
      return () => listeners.delete(fn)
    },
    /** A watch event: the object set (or deleted) and the subscribers told. */
    event(key: string, obj: ApiObject | undefined) {
      if (obj) objects.set(key, obj)
      else objects.delete(key)
      for (const fn of listeners) fn()
    },
  }
}

function fakeCaches() {
  const caches = {
    roles: fakeCache(ROLES),
    roleBindings: fakeCache(),
    clusterRoles: fakeCache(CLUSTER_ROLES),
    clusterRoleBindings: fakeCache(),
    lists: 1,
    /** The watch ended: a list replaces the objects unannounced. */
    relist(bindings: ReadonlyMap<string, ApiObject>) {
      caches.roleBindings.objects.clear()
      for (const [k, v] of bindings) caches.roleBindings.objects.set(k, v)
      caches.lists++
    },
  }
  caches.roles.objects.set(`${ROLES}team/reader`, {
    metadata: { name: "reader", namespace: "team" },
    rules: [{ apiGroups: [""], resources: ["pods"], verbs: ["get"] }],
  } as ApiObject)
  return caches satisfies RbacCaches
}

function binding(name: string, userName: string): ApiObject {
  return {
    metadata: { name, namespace: "team" },
    roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "reader" },
    subjects: [{ apiGroup: "rbac.authorization.k8s.io", kind: "User", name: userName }],
  } as ApiObject
}

const jane = { name: "jane", groups: [] }
const joe = { name: "joe", groups: [] }
const rulesOf = (index: PolicyIndex, user: { name: string; groups: string[] }) =>
  index.rulesFor(user, "team").rules.length

test("a deleted binding revokes its rules at once", () => {
  const c = fakeCaches()
  const index = new PolicyIndex(c)
  c.roleBindings.event(`${BINDINGS}team/b`, binding("b", "jane"))
  assert.equal(rulesOf(index, jane), 1)
  c.roleBindings.event(`${BINDINGS}team/b`, undefined)
  assert.equal(rulesOf(index, jane), 0)
})

test("a binding's changed subjects move its rules to the new subject", () => {
  const c = fakeCaches()
  const index = new PolicyIndex(c)
  c.roleBindings.event(`${BINDINGS}team/b`, binding("b", "jane"))
  assert.deepEqual([rulesOf(index, jane), rulesOf(index, joe)], [1, 0])
  c.roleBindings.event(`${BINDINGS}team/b`, binding("b", "joe"))
  assert.deepEqual([rulesOf(index, jane), rulesOf(index, joe)], [0, 1])
})

test("a relist's replaced bindings count once it has loaded; the index is then built once", () => {
  const c = fakeCaches()
  const index = new PolicyIndex(c)
  c.roleBindings.event(`${BINDINGS}team/b`, binding("b", "jane"))
  assert.equal(rulesOf(index, jane), 1)
  // A relist, the binding deleted meanwhile (no event for it): revoked.
  c.relist(new Map())
  assert.equal(rulesOf(index, jane), 0)
  const scans = c.roleBindings.objects.scans
  assert.equal(rulesOf(index, jane), 0)
  assert.equal(c.roleBindings.objects.scans, scans, "kept after the relist")
})

test("a relist of what the cache had keeps one index, not one per request", () => {
  const c = fakeCaches()
  const index = new PolicyIndex(c)
  c.roleBindings.event(`${BINDINGS}team/b`, binding("b", "jane"))
  assert.equal(rulesOf(index, jane), 1)
  c.relist(new Map(c.roleBindings.objects))
  assert.equal(rulesOf(index, jane), 1)
  const scans = c.roleBindings.objects.scans
  for (let i = 0; i < 3; i++) assert.equal(rulesOf(index, jane), 1)
  assert.equal(c.roleBindings.objects.scans, scans)
})

test("the first list, loaded unannounced after the index was made, counts", () => {
  const c = fakeCaches()
  c.lists = 0
  const index = new PolicyIndex(c)
  assert.equal(rulesOf(index, jane), 0)
  c.relist(new Map([[`${BINDINGS}team/b`, binding("b", "jane")]]))
  assert.equal(rulesOf(index, jane), 1)
})

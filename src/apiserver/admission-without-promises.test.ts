import assert from "node:assert/strict"
import { test } from "node:test"
import type { LimitRange, Pod } from "kubernetes-types/core/v1.js"
import { ApiError, findResource, type ResourceInfo } from "../api/index.ts"
import { namespaceLifecycle } from "./admission.ts"
import { limitRanger } from "./limit-ranger.ts"
import { rbacEscalationGuard } from "./rbac/escalation.ts"
import type { AdmissionRequest } from "./registry/context.ts"

const PODS = findResource("", "v1", "pods") as ResourceInfo

function podCreate(namespace: string): AdmissionRequest {
  const object: Pod = {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "p", namespace },
    spec: { containers: [{ name: "app", image: "x" }] },
  }
  return {
    operation: "CREATE",
    info: PODS,
    namespace,
    name: "p",
    subresource: "",
    object: object as AdmissionRequest["object"],
    user: { name: "jane", groups: ["system:authenticated"] },
    dryRun: false,
  }
}

// A pod's create waits for a promise of these only when one has to look something up in the
// store: with the namespace and the LimitRanges in the cache, they answer at once.
test("NamespaceLifecycle answers a create in a namespace it is told of at once", async () => {
  const lifecycle = namespaceLifecycle((name) => (name === "default" ? { terminating: false } : undefined))
  assert.equal(lifecycle.mutate?.(podCreate("default")), undefined)
  assert.throws(
    () => lifecycle.mutate?.(podCreate("gone")),
    (err) => err instanceof ApiError && err.reason === "NotFound",
  )
  // A namespace read from the store: a promise, refused once it settles.
  const stored = namespaceLifecycle(() => Promise.resolve({ terminating: true }))
  await assert.rejects(Promise.resolve(stored.mutate?.(podCreate("default"))), /being terminated/)
})

test("LimitRanger defaults and checks a pod at once when its lookup answers at once", async () => {
  const lr: LimitRange = {
    metadata: { name: "lr", namespace: "default" },
    spec: { limits: [{ type: "Container", default: { cpu: "500m" }, max: { cpu: "1" } }] },
  }
  const plugin = limitRanger(() => [lr])
  const req = podCreate("default")
  assert.equal(plugin.mutate?.(req), undefined)
  assert.deepEqual((req.object as Pod).spec?.containers[0]?.resources?.limits, { cpu: "500m" })
  assert.equal(plugin.validate?.(req), undefined)
  // The same through a promise of the LimitRanges.
  const later = limitRanger(() => Promise.resolve([lr]))
  const again = podCreate("default")
  await later.mutate?.(again)
  assert.deepEqual((again.object as Pod).spec?.containers[0]?.resources?.limits, { cpu: "500m" })
})

test("the RBAC escalation guard gives no promise for a write of another resource", () => {
  const guard = rbacEscalationGuard({
    authorize: () => Promise.resolve({ decision: "Deny", reason: "" }),
    policy: undefined as never,
  } as Parameters<typeof rbacEscalationGuard>[0])
  assert.equal(guard(podCreate("default"), ""), undefined)
})

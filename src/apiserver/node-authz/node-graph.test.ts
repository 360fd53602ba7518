/** The Node authorizer's graph as the watch cache changes: what binding, deleting and resolving a pod does. */
import assert from "node:assert/strict"
import { describe, test } from "node:test"
import type { ApiObject } from "../../api/index.ts"
import { fixture } from "./_fake-caches.ts"

const NODE1 = { name: "system:node:node1", groups: ["system:nodes", "system:authenticated"] }

function pod(name: string, node: string, spec: Record<string, unknown> = {}): ApiObject {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace: "ns", uid: `uid-${name}` },
    spec: { nodeName: node, containers: [{ name: "c", image: "i" }], ...spec },
  } as ApiObject
}

describe("NodeGraph", () => {
  test("a node loses what a pod gave it when the pod goes, and gains it when it is bound", () => {
    const g = fixture()
    const ask = () =>
      g.authz.authorize({
        user: NODE1,
        resourceRequest: true,
        verb: "get",
        resource: "secrets",
        namespace: "ns",
        name: "s",
      })
    const unbound = pod("p", "", { volumes: [{ name: "s", secret: { secretName: "s" } }] })
    g.pods.put(unbound)
    assert.equal((ask() as { decision: string }).decision, "NoOpinion")
    const bound = pod("p", "node1", { volumes: [{ name: "s", secret: { secretName: "s" } }] })
    g.pods.put(bound)
    assert.equal((ask() as { decision: string }).decision, "Allow")
    g.pods.remove(bound)
    assert.equal((ask() as { decision: string }).decision, "NoOpinion")
  })

  test("a claim made from a template counts once the pod's status names it", () => {
    const g = fixture()
    const ask = () =>
      g.authz.authorize({
        user: NODE1,
        resourceRequest: true,
        verb: "get",
        apiGroup: "resource.k8s.io",
        resource: "resourceclaims",
        namespace: "ns",
        name: "made",
      })
    const spec = { resourceClaims: [{ name: "tpl", resourceClaimTemplateName: "t" }] }
    g.pods.put(pod("p", "node1", spec))
    assert.equal((ask() as { decision: string }).decision, "NoOpinion")
    g.pods.put({
      ...pod("p", "node1", spec),
      status: { resourceClaimStatuses: [{ name: "tpl", resourceClaimName: "made" }] },
    } as ApiObject)
    assert.equal((ask() as { decision: string }).decision, "Allow")
  })

  test("an ephemeral container added to a bound pod relates the secret its environment names", () => {
    const g = fixture()
    const ask = () =>
      g.authz.authorize({
        user: NODE1,
        resourceRequest: true,
        verb: "get",
        resource: "secrets",
        namespace: "ns",
        name: "debug",
      })
    g.pods.put(pod("p", "node1"))
    assert.equal((ask() as { decision: string }).decision, "NoOpinion")
    const debug = {
      name: "d",
      image: "i",
      env: [{ name: "X", valueFrom: { secretKeyRef: { name: "debug", key: "k" } } }],
    }
    g.pods.put(pod("p", "node1", { ephemeralContainers: [debug] }))
    assert.equal((ask() as { decision: string }).decision, "Allow")
  })

  test("the claim a pod's extended resource claim status names counts once set, and no more once changed", () => {
    const g = fixture()
    const ask = (name: string) =>
      (
        g.authz.authorize({
          user: NODE1,
          resourceRequest: true,
          verb: "get",
          apiGroup: "resource.k8s.io",
          resource: "resourceclaims",
          namespace: "ns",
          name,
        }) as { decision: string }
      ).decision
    g.pods.put(pod("p", "node1"))
    const withClaim = (claim: string) =>
      ({
        ...pod("p", "node1"),
        status: { extendedResourceClaimStatus: { resourceClaimName: claim } },
      }) as ApiObject
    g.pods.put(withClaim("ext-1"))
    assert.equal(ask("ext-1"), "Allow")
    g.pods.put(withClaim("ext-2"))
    assert.equal(ask("ext-1"), "NoOpinion")
    assert.equal(ask("ext-2"), "Allow")
  })
})

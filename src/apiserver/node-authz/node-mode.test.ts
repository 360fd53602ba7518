/**
 * --authorization-mode=Node,RBAC in an API server: a kubelet's client certificate
 * (CN=system:node:node1, O=system:nodes) reads a secret only while a pod bound to its node
 * references it, and NodeRestriction keeps its writes to its own Node and pods.
 */
import assert from "node:assert/strict"
import { describe, test } from "node:test"
import { nodeModeServer } from "./_node-server.case.ts"

const { asNode, admin } = nodeModeServer()

/** Lets the watch cache (and so the Node authorizer's graph) catch up with the writes so far. */
async function settled(): Promise<void> {
  await admin("GET", "/api/v1/pods")
}

const SECRET = "/api/v1/namespaces/default/secrets/db"
const podWith = (name: string, node: string) => ({
  metadata: { name },
  spec: {
    nodeName: node,
    containers: [
      { name: "c", image: "i", env: [{ name: "P", valueFrom: { secretKeyRef: { name: "db", key: "p" } } }] },
    ],
  },
})

describe("the Node authorization mode", () => {
  test("a node reads a secret only while a pod bound to it references it", async () => {
    await admin("POST", "/api/v1/namespaces/default/secrets", {
      metadata: { name: "db" },
      data: { p: "eA==" },
    })
    await settled()
    const before = await asNode("GET", SECRET)
    assert.equal(before.status, 403)
    assert.equal(
      before.json.message,
      `secrets "db" is forbidden: User "system:node:node1" cannot get resource "secrets" in API group "" in the namespace "default": no relationship found between node 'node1' and this object`,
    )
    await admin("POST", "/api/v1/namespaces/default/pods", podWith("elsewhere", "node2"))
    await settled()
    assert.equal((await asNode("GET", SECRET)).status, 403)
    await admin("POST", "/api/v1/namespaces/default/pods", podWith("web", "node1"))
    await settled()
    const allowed = await asNode("GET", SECRET)
    assert.equal(allowed.status, 200, allowed.text)
    assert.equal(allowed.json.data.p, "eA==")
    await admin("DELETE", "/api/v1/namespaces/default/pods/web?gracePeriodSeconds=0")
    await settled()
    assert.equal((await asNode("GET", SECRET)).status, 403)
  })

  test("a node reads its own Node and lists only its own pods", async () => {
    await admin("POST", "/api/v1/nodes", { metadata: { name: "node1" } })
    await admin("POST", "/api/v1/nodes", { metadata: { name: "node2" } })
    assert.equal((await asNode("GET", "/api/v1/nodes/node1")).status, 200)
    const other = await asNode("GET", "/api/v1/nodes/node2")
    assert.equal(other.status, 403)
    assert.match(other.json.message, /node 'node1' cannot read 'node2', only its own Node object$/)
    assert.equal((await asNode("GET", "/api/v1/pods?fieldSelector=spec.nodeName%3Dnode1")).status, 200)
    assert.equal((await asNode("GET", "/api/v1/pods")).status, 403)
  })

  test("NodeRestriction keeps a node's writes to its own Node and pods", async () => {
    const patch = (path: string, body: unknown) => asNode("PATCH", path, body, "application/merge-patch+json")
    const own = await patch("/api/v1/nodes/node1", {
      metadata: { labels: { "node.kubernetes.io/pool": "a" } },
    })
    assert.equal(own.status, 200)
    const restricted = await patch("/api/v1/nodes/node1", {
      metadata: { labels: { "node-restriction.kubernetes.io/x": "y" } },
    })
    assert.equal(restricted.status, 403)
    assert.equal(
      restricted.json.message,
      'nodes "node1" is forbidden: is not allowed to modify labels: node-restriction.kubernetes.io/x',
    )
    const taints = await patch("/api/v1/nodes/node1", {
      spec: { taints: [{ key: "k", effect: "NoSchedule" }] },
    })
    assert.equal(
      taints.json.message,
      'nodes "node1" is forbidden: node "node1" is not allowed to modify taints',
    )
    const otherNode = await patch("/api/v1/nodes/node2", { metadata: { labels: { a: "b" } } })
    assert.equal(
      otherNode.json.message,
      'nodes "node2" is forbidden: node "node1" is not allowed to modify node "node2"',
    )
    const pod = await asNode("POST", "/api/v1/namespaces/default/pods", podWith("mine", "node1"))
    assert.equal(pod.status, 403)
    assert.equal(
      pod.json.message,
      'pods "mine" is forbidden: pod does not have "kubernetes.io/config.mirror" annotation, node "node1" can only create mirror pods',
    )
    await settled()
    const del = await asNode("DELETE", "/api/v1/namespaces/default/pods/elsewhere")
    assert.equal(del.status, 403)
    assert.equal(
      del.json.message,
      'pods "elsewhere" is forbidden: node "node1" can only delete pods with spec.nodeName set to itself',
    )
  })
})

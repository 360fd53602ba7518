/**
 * The Node authorizer's decisions, table-driven against a graph over fake caches: what a node
 * reaches through its pods, and upstream's reasons for what it does not.
 */
import assert from "node:assert/strict"
import { describe, test } from "node:test"
import type { ApiObject } from "../../api/index.ts"
import type { AuthorizationAttributes } from "../authz.ts"
import { fixture } from "./_fake-caches.ts"

const NODE1 = { name: "system:node:node1", groups: ["system:nodes", "system:authenticated"] }

function pod(name: string, node: string, spec: Record<string, unknown> = {}, meta = {}): ApiObject {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace: "ns", uid: `uid-${name}`, ...meta },
    spec: { nodeName: node, containers: [{ name: "c", image: "i" }], ...spec },
  } as ApiObject
}

const f = fixture()
f.pods.put(
  pod("web", "node1", {
    serviceAccountName: "sa",
    imagePullSecrets: [{ name: "pull" }],
    volumes: [
      { name: "s", secret: { secretName: "vol-secret" } },
      { name: "c", configMap: { name: "vol-cm" } },
      { name: "p", persistentVolumeClaim: { claimName: "data" } },
      { name: "e", ephemeral: { volumeClaimTemplate: { spec: {} } } },
    ],
    containers: [
      {
        name: "c",
        image: "i",
        env: [{ name: "X", valueFrom: { secretKeyRef: { name: "env-secret", key: "k" } } }],
        envFrom: [{ configMapRef: { name: "env-cm" } }],
      },
    ],
    resourceClaims: [
      { name: "gpu", resourceClaimName: "gpu-claim" },
      { name: "tpl", resourceClaimTemplateName: "t" },
    ],
  }),
)
f.pods.put(pod("other", "node2", { volumes: [{ name: "s", secret: { secretName: "node2-secret" } }] }))
f.pods.put(
  pod(
    "mirror",
    "node1",
    { volumes: [{ name: "s", secret: { secretName: "mirror-secret" } }] },
    { annotations: { "kubernetes.io/config.mirror": "x" } },
  ),
)
f.pods.put(pod("pending", "", { volumes: [{ name: "s", secret: { secretName: "pending-secret" } }] }))
f.pvs.put({
  apiVersion: "v1",
  kind: "PersistentVolume",
  metadata: { name: "pv1" },
  spec: {
    claimRef: { namespace: "ns", name: "data" },
    csi: {
      driver: "d",
      volumeHandle: "h",
      nodePublishSecretRef: { name: "csi-node", namespace: "ns" },
      controllerPublishSecretRef: { name: "csi-controller", namespace: "ns" },
    },
  },
} as ApiObject)
f.attachments.put({ metadata: { name: "va1" }, spec: { nodeName: "node1" } } as ApiObject)
f.slices.put({ metadata: { name: "slice1" }, spec: { nodeName: "node1" } } as ApiObject)

const NO_RELATION = "no relationship found between node 'node1' and this object"

type Attrs = Omit<AuthorizationAttributes, "user" | "resourceRequest"> & {
  user?: AuthorizationAttributes["user"]
}

const CASES: { name: string; attrs: Attrs; want: [string, string] }[] = [
  {
    name: "a pod's secret volume",
    attrs: { verb: "get", resource: "secrets", namespace: "ns", name: "vol-secret" },
    want: ["Allow", ""],
  },
  {
    name: "a pod's pull secret",
    attrs: { verb: "get", resource: "secrets", namespace: "ns", name: "pull" },
    want: ["Allow", ""],
  },
  {
    name: "a container's env secret",
    attrs: { verb: "watch", resource: "secrets", namespace: "ns", name: "env-secret" },
    want: ["Allow", ""],
  },
  {
    name: "a secret of a pod on another node",
    attrs: { verb: "get", resource: "secrets", namespace: "ns", name: "node2-secret" },
    want: ["NoOpinion", NO_RELATION],
  },
  {
    name: "a mirror pod's secret",
    attrs: { verb: "get", resource: "secrets", namespace: "ns", name: "mirror-secret" },
    want: ["NoOpinion", NO_RELATION],
  },
  {
    name: "an unbound pod's secret",
    attrs: { verb: "get", resource: "secrets", namespace: "ns", name: "pending-secret" },
    want: ["NoOpinion", NO_RELATION],
  },
  {
    name: "a secret in another namespace",
    attrs: { verb: "get", resource: "secrets", namespace: "other", name: "vol-secret" },
    want: ["NoOpinion", NO_RELATION],
  },
  {
    name: "secrets listed",
    attrs: { verb: "list", resource: "secrets", namespace: "ns" },
    want: ["NoOpinion", "No Object name found"],
  },
  {
    name: "a secret written",
    attrs: { verb: "update", resource: "secrets", namespace: "ns", name: "vol-secret" },
    want: ["NoOpinion", "can only read resources of this type"],
  },
  {
    name: "a secret at the cluster scope",
    attrs: { verb: "get", resource: "secrets", name: "vol-secret" },
    want: ["NoOpinion", "can only read namespaced object of this type"],
  },
  {
    name: "a pod's config maps",
    attrs: { verb: "get", resource: "configmaps", namespace: "ns", name: "env-cm" },
    want: ["Allow", ""],
  },
  {
    name: "a pod's claim",
    attrs: { verb: "get", resource: "persistentvolumeclaims", namespace: "ns", name: "data" },
    want: ["Allow", ""],
  },
  {
    name: "a pod's ephemeral claim",
    attrs: { verb: "get", resource: "persistentvolumeclaims", namespace: "ns", name: "web-e" },
    want: ["Allow", ""],
  },
  {
    name: "a claim listed",
    attrs: { verb: "list", resource: "persistentvolumeclaims", namespace: "ns" },
    want: ["NoOpinion", "can only get individual resources of this type"],
  },
  {
    name: "a claim's status updated",
    attrs: {
      verb: "patch",
      resource: "persistentvolumeclaims",
      subresource: "status",
      namespace: "ns",
      name: "data",
    },
    want: ["Allow", ""],
  },
  {
    name: "a claim's status read",
    attrs: {
      verb: "get",
      resource: "persistentvolumeclaims",
      subresource: "status",
      namespace: "ns",
      name: "data",
    },
    want: ["NoOpinion", "can only get/update/patch this type"],
  },
  {
    name: "the volume bound to a pod's claim",
    attrs: { verb: "get", resource: "persistentvolumes", name: "pv1" },
    want: ["Allow", ""],
  },
  {
    name: "the volume's node publish secret",
    attrs: { verb: "get", resource: "secrets", namespace: "ns", name: "csi-node" },
    want: ["Allow", ""],
  },
  {
    name: "the volume's controller secret",
    attrs: { verb: "get", resource: "secrets", namespace: "ns", name: "csi-controller" },
    want: ["NoOpinion", NO_RELATION],
  },
  {
    name: "a named resource claim",
    attrs: {
      verb: "get",
      apiGroup: "resource.k8s.io",
      resource: "resourceclaims",
      namespace: "ns",
      name: "gpu-claim",
    },
    want: ["Allow", ""],
  },
  {
    name: "the node's volume attachment",
    attrs: { verb: "get", apiGroup: "storage.k8s.io", resource: "volumeattachments", name: "va1" },
    want: ["Allow", ""],
  },
  {
    name: "the token of a pod's service account",
    attrs: { verb: "create", resource: "serviceaccounts", subresource: "token", namespace: "ns", name: "sa" },
    want: ["Allow", ""],
  },
  {
    name: "the token of another service account",
    attrs: {
      verb: "create",
      resource: "serviceaccounts",
      subresource: "token",
      namespace: "ns",
      name: "default",
    },
    want: ["NoOpinion", NO_RELATION],
  },
  {
    name: "the service account of a pod read",
    attrs: { verb: "get", resource: "serviceaccounts", namespace: "ns", name: "sa" },
    want: ["Allow", ""],
  },
  {
    name: "another service account read",
    attrs: { verb: "get", resource: "serviceaccounts", namespace: "ns", name: "default" },
    want: ["NoOpinion", NO_RELATION],
  },
  {
    name: "service accounts listed",
    attrs: { verb: "list", resource: "serviceaccounts", namespace: "ns" },
    want: ["NoOpinion", "can only create tokens for individual service accounts"],
  },
  {
    name: "its own lease",
    attrs: {
      verb: "update",
      apiGroup: "coordination.k8s.io",
      resource: "leases",
      namespace: "kube-node-lease",
      name: "node1",
    },
    want: ["Allow", ""],
  },
  {
    name: "a lease created",
    attrs: {
      verb: "create",
      apiGroup: "coordination.k8s.io",
      resource: "leases",
      namespace: "kube-node-lease",
    },
    want: ["Allow", ""],
  },
  {
    name: "another node's lease",
    attrs: {
      verb: "get",
      apiGroup: "coordination.k8s.io",
      resource: "leases",
      namespace: "kube-node-lease",
      name: "node2",
    },
    want: ["NoOpinion", "can only access node lease with the same name as the requesting node"],
  },
  {
    name: "a lease elsewhere",
    attrs: {
      verb: "get",
      apiGroup: "coordination.k8s.io",
      resource: "leases",
      namespace: "kube-system",
      name: "node1",
    },
    want: ["NoOpinion", 'can only access leases in the "kube-node-lease" system namespace'],
  },
  {
    name: "leases listed",
    attrs: {
      verb: "list",
      apiGroup: "coordination.k8s.io",
      resource: "leases",
      namespace: "kube-node-lease",
    },
    want: ["NoOpinion", "can only get, create, update, patch, or delete a node lease"],
  },
  {
    name: "its own CSINode",
    attrs: { verb: "patch", apiGroup: "storage.k8s.io", resource: "csinodes", name: "node1" },
    want: ["Allow", ""],
  },
  {
    name: "another CSINode",
    attrs: { verb: "get", apiGroup: "storage.k8s.io", resource: "csinodes", name: "node2" },
    want: ["NoOpinion", "can only access CSINode with the same name as the requesting node"],
  },
  { name: "its own Node", attrs: { verb: "get", resource: "nodes", name: "node1" }, want: ["Allow", ""] },
  {
    name: "every node listed",
    attrs: { verb: "list", resource: "nodes" },
    want: ["NoOpinion", "node 'node1' cannot read all nodes, only its own Node object"],
  },
  {
    name: "another Node",
    attrs: { verb: "get", resource: "nodes", name: "node2" },
    want: ["NoOpinion", "node 'node1' cannot read 'node2', only its own Node object"],
  },
  {
    name: "a Node written (NodeRestriction's)",
    attrs: { verb: "patch", resource: "nodes", name: "node2" },
    want: ["Allow", ""],
  },
  {
    name: "a Node's status",
    attrs: { verb: "update", resource: "nodes", subresource: "status", name: "node1" },
    want: ["Allow", ""],
  },
  {
    name: "a Node deleted",
    attrs: { verb: "delete", resource: "nodes", name: "node1" },
    want: ["NoOpinion", ""],
  },
  {
    name: "its pods listed",
    attrs: { verb: "watch", resource: "pods", fieldSelector: "spec.nodeName=node1" },
    want: ["Allow", ""],
  },
  {
    name: "every pod listed",
    attrs: { verb: "list", resource: "pods" },
    want: ["NoOpinion", "can only list/watch pods with spec.nodeName field selector"],
  },
  {
    name: "another node's pods listed",
    attrs: { verb: "list", resource: "pods", fieldSelector: "spec.nodeName=node2" },
    want: ["NoOpinion", "can only list/watch pods with spec.nodeName field selector"],
  },
  {
    name: "its pod",
    attrs: { verb: "get", resource: "pods", namespace: "ns", name: "web" },
    want: ["Allow", ""],
  },
  {
    name: "another node's pod",
    attrs: { verb: "get", resource: "pods", namespace: "ns", name: "other" },
    want: ["NoOpinion", NO_RELATION],
  },
  {
    name: "a pod's status",
    attrs: { verb: "patch", resource: "pods", subresource: "status", namespace: "ns", name: "other" },
    want: ["Allow", ""],
  },
  {
    name: "a pod's exec",
    attrs: { verb: "create", resource: "pods", subresource: "exec", namespace: "ns", name: "web" },
    want: ["NoOpinion", ""],
  },
  {
    name: "its slices listed",
    attrs: {
      verb: "list",
      apiGroup: "resource.k8s.io",
      resource: "resourceslices",
      fieldSelector: "spec.nodeName=node1",
    },
    want: ["Allow", ""],
  },
  {
    name: "its slices listed by the alpha API's selector",
    attrs: {
      verb: "list",
      apiGroup: "resource.k8s.io",
      resource: "resourceslices",
      fieldSelector: "nodeName=node1",
    },
    want: ["NoOpinion", "can only list/watch/deletecollection resourceslices with nodeName field selector"],
  },
  {
    name: "every slice listed",
    attrs: { verb: "list", apiGroup: "resource.k8s.io", resource: "resourceslices" },
    want: ["NoOpinion", "can only list/watch/deletecollection resourceslices with nodeName field selector"],
  },
  {
    name: "its slice updated",
    attrs: { verb: "update", apiGroup: "resource.k8s.io", resource: "resourceslices", name: "slice1" },
    want: ["Allow", ""],
  },
  { name: "services (the static rules)", attrs: { verb: "list", resource: "services" }, want: ["Allow", ""] },
  {
    name: "deployments (no rule)",
    attrs: { verb: "list", apiGroup: "apps", resource: "deployments" },
    want: ["NoOpinion", ""],
  },
  {
    name: "someone else",
    attrs: {
      user: { name: "jane", groups: ["system:nodes"] },
      verb: "get",
      resource: "secrets",
      namespace: "ns",
      name: "pull",
    },
    want: ["NoOpinion", ""],
  },
  {
    name: "a node without a name",
    attrs: {
      user: { name: "system:node:", groups: ["system:nodes"] },
      verb: "get",
      resource: "secrets",
      namespace: "ns",
      name: "pull",
    },
    want: ["NoOpinion", 'unknown node for user "system:node:"'],
  },
]

describe("nodeAuthorizer()", () => {
  for (const c of CASES) {
    test(`${c.name}: ${c.want[0]}`, () => {
      const d = f.authz.authorize({ user: NODE1, resourceRequest: true, ...c.attrs })
      assert.deepEqual([(d as { decision: string }).decision, (d as { reason: string }).reason], c.want)
    })
  }

  test("rules of a node are not listed", () => {
    assert.deepEqual(f.authz.rulesFor(NODE1, "ns"), {
      resourceRules: [],
      nonResourceRules: [],
      incomplete: true,
      evaluationError: "node authorizer does not support user rule resolution",
    })
    assert.equal(f.authz.rulesFor({ name: "jane", groups: [] }, "ns").incomplete, false)
  })
})

/** NodeRestriction's decisions, table-driven: upstream's messages for what a node may not write. */
import assert from "node:assert/strict"
import { describe, test } from "node:test"
import type { ApiObject } from "../../api/index.ts"
import { findResource, type ResourceInfo } from "../../api/index.ts"
import { ApiError } from "../../api/index.ts"
import type { AdmissionRequest } from "../registry/context.ts"
import { nodeRestriction } from "./node-restriction.ts"

const NODE1 = { name: "system:node:node1", groups: ["system:nodes", "system:authenticated"] }
const pods: Record<string, ApiObject> = {
  mine: { metadata: { name: "mine", uid: "u1" }, spec: { nodeName: "node1" } } as ApiObject,
  theirs: { metadata: { name: "theirs", uid: "u2" }, spec: { nodeName: "node2" } } as ApiObject,
}
const plugin = nodeRestriction({
  pod: (_ns, name) => pods[name] as never,
  node: (name) => (name === "node1" ? ({ metadata: { name, uid: "n1" } } as never) : undefined),
  pvc: () => undefined,
  pv: () => undefined,
  csiDriver: () => undefined,
  authorize: () => ({ decision: "NoOpinion", reason: "" }),
})

function info(group: string, version: string, resource: string): ResourceInfo {
  return findResource(group, version, resource) as ResourceInfo
}

const mirror = (extra: Record<string, unknown> = {}) =>
  ({
    metadata: {
      name: "m",
      annotations: { "kubernetes.io/config.mirror": "x" },
      ownerReferences: [{ apiVersion: "v1", kind: "Node", name: "node1", uid: "n1", controller: true }],
    },
    spec: { nodeName: "node1", containers: [{ name: "c", image: "i" }], ...extra },
  }) as ApiObject

/** Its pod with `status` and an extended resource claim status mapping example.com/gpu to `request`. */
const withExtended = (request: string, status: Record<string, unknown> = {}) =>
  ({
    ...pods.mine,
    status: {
      ...status,
      extendedResourceClaimStatus: {
        resourceClaimName: "mine-extended-resources-abc",
        requestMappings: [{ containerName: "c", resourceName: "example.com/gpu", requestName: request }],
      },
    },
  }) as ApiObject

type Case = { name: string; req: Partial<AdmissionRequest>; want: string | undefined }
const POD = info("", "v1", "pods")
const CASES: Case[] = [
  {
    name: "a mirror pod of itself",
    req: { info: POD, operation: "CREATE", name: "m", object: mirror() },
    want: undefined,
  },
  {
    name: "a pod that is no mirror",
    req: {
      info: POD,
      operation: "CREATE",
      name: "p",
      object: { metadata: { name: "p" }, spec: { nodeName: "node1" } } as ApiObject,
    },
    want: 'pods "p" is forbidden: pod does not have "kubernetes.io/config.mirror" annotation, node "node1" can only create mirror pods',
  },
  {
    name: "a mirror pod with a secret",
    req: {
      info: POD,
      operation: "CREATE",
      name: "m",
      object: mirror({ volumes: [{ name: "v", secret: { secretName: "s" } }] }),
    },
    want: 'pods "m" is forbidden: node "node1" can not create pods that reference secrets',
  },
  {
    name: "a mirror pod of another node",
    req: { info: POD, operation: "CREATE", name: "m", object: mirror({ nodeName: "node2" }) },
    want: 'pods "m" is forbidden: node "node1" can only create pods with spec.nodeName set to itself',
  },
  {
    name: "its pod deleted",
    req: { info: POD, operation: "DELETE", name: "mine", old: pods.mine },
    want: undefined,
  },
  {
    name: "a pod updated",
    req: { info: POD, operation: "UPDATE", name: "mine", object: pods.mine, old: pods.mine },
    want: 'pods "mine" is forbidden: unexpected operation "UPDATE", node "node1" can only create and delete mirror pods',
  },
  {
    name: "its pod's status with new labels",
    req: {
      info: POD,
      operation: "UPDATE",
      subresource: "status",
      name: "mine",
      old: pods.mine,
      object: { ...pods.mine, metadata: { name: "mine", labels: { a: "b" } } } as ApiObject,
    },
    want: 'pods "mine" is forbidden: node "node1" cannot update labels through pod status',
  },
  {
    name: "its pod's status naming another extended resource claim",
    req: {
      info: POD,
      operation: "UPDATE",
      subresource: "status",
      name: "mine",
      old: pods.mine,
      object: {
        ...pods.mine,
        status: { extendedResourceClaimStatus: { resourceClaimName: "someone-elses" } },
      } as ApiObject,
    },
    want: 'pods "mine" is forbidden: node "node1" cannot update extended resource claim status',
  },
  {
    name: "its pod's status with its extended resource claim status unchanged",
    req: {
      info: POD,
      operation: "UPDATE",
      subresource: "status",
      name: "mine",
      old: withExtended("r1"),
      object: withExtended("r1", { phase: "Running" }),
    },
    want: undefined,
  },
  {
    name: "its pod's status with other extended resource request mappings",
    req: {
      info: POD,
      operation: "UPDATE",
      subresource: "status",
      name: "mine",
      old: withExtended("r1"),
      object: withExtended("r2"),
    },
    want: 'pods "mine" is forbidden: node "node1" cannot update extended resource claim status',
  },
  {
    name: "another node's pod's status",
    req: {
      info: POD,
      operation: "UPDATE",
      subresource: "status",
      name: "theirs",
      old: pods.theirs,
      object: pods.theirs,
    },
    want: 'pods "theirs" is forbidden: node "node1" can only update pod status for pods with spec.nodeName set to itself',
  },
  {
    name: "another node's pod evicted",
    req: {
      info: POD,
      operation: "CREATE",
      subresource: "eviction",
      name: "theirs",
      object: { metadata: { name: "theirs" } } as ApiObject,
    },
    want: 'pods "theirs" is forbidden: node node1 can only evict pods with spec.nodeName set to itself',
  },
  {
    name: "a pod binding",
    req: { info: POD, operation: "CREATE", subresource: "binding", name: "mine" },
    want: `pods "mine" is forbidden: unexpected pod subresource "binding", only 'status' and 'eviction' are allowed`,
  },
  {
    name: "its lease created",
    req: {
      info: info("coordination.k8s.io", "v1", "leases"),
      operation: "CREATE",
      namespace: "kube-node-lease",
      name: "node1",
      object: { metadata: { name: "node1" } } as ApiObject,
    },
    want: undefined,
  },
  {
    name: "another lease created",
    req: {
      info: info("coordination.k8s.io", "v1", "leases"),
      operation: "CREATE",
      namespace: "kube-node-lease",
      name: "node2",
      object: { metadata: { name: "node2" } } as ApiObject,
    },
    want: 'leases.coordination.k8s.io "node2" is forbidden: can only access node lease with the same name as the requesting node',
  },
  {
    name: "a slice of another node",
    req: {
      info: info("resource.k8s.io", "v1", "resourceslices"),
      operation: "CREATE",
      name: "s",
      object: { metadata: { name: "s" }, spec: { nodeName: "node2" } } as ApiObject,
    },
    want: 'resourceslices.resource.k8s.io "s" is forbidden: can only create ResourceSlice with the same NodeName as the requesting node',
  },
  {
    name: "a token bound to another node's pod",
    req: {
      info: info("", "v1", "serviceaccounts"),
      operation: "CREATE",
      subresource: "token",
      name: "sa",
      object: {
        metadata: { name: "sa" },
        spec: { boundObjectRef: { apiVersion: "v1", kind: "Pod", name: "theirs", uid: "u2" } },
      } as ApiObject,
    },
    want: 'serviceaccounts "sa" is forbidden: node requested token bound to a pod scheduled on a different node',
  },
  {
    name: "a token for an audience its pod does not use",
    req: {
      info: info("", "v1", "serviceaccounts"),
      operation: "CREATE",
      subresource: "token",
      name: "sa",
      object: {
        metadata: { name: "sa" },
        spec: {
          audiences: ["vault"],
          boundObjectRef: { apiVersion: "v1", kind: "Pod", name: "mine", uid: "u1" },
        },
      } as ApiObject,
    },
    want: 'serviceaccounts "sa" is forbidden: audience "vault" not found in pod spec volume, system:node:node1 is not authorized to request tokens for this audience',
  },
  {
    name: "a token bound to nothing",
    req: {
      info: info("", "v1", "serviceaccounts"),
      operation: "CREATE",
      subresource: "token",
      name: "sa",
      object: { metadata: { name: "sa" }, spec: {} } as ApiObject,
    },
    want: 'serviceaccounts "sa" is forbidden: node requested token not bound to a pod',
  },
  {
    name: "a claim written",
    req: {
      info: info("", "v1", "persistentvolumeclaims"),
      operation: "UPDATE",
      name: "c",
      object: { metadata: { name: "c" } } as ApiObject,
    },
    want: 'persistentvolumeclaims "c" is forbidden: may only update PVC status',
  },
  {
    name: "a claim's capacity",
    req: {
      info: info("", "v1", "persistentvolumeclaims"),
      operation: "UPDATE",
      subresource: "status",
      name: "c",
      old: { metadata: { name: "c", resourceVersion: "1" }, status: { phase: "Bound" } } as ApiObject,
      object: {
        metadata: { name: "c" },
        status: { phase: "Bound", capacity: { storage: "2Gi" } },
      } as ApiObject,
    },
    want: undefined,
  },
  {
    name: "a Node with a forbidden label",
    req: {
      info: info("", "v1", "nodes"),
      operation: "CREATE",
      name: "node1",
      object: {
        metadata: { name: "node1", labels: { "kubernetes.io/role": "master", "kubernetes.io/os": "linux" } },
      } as ApiObject,
    },
    want: 'nodes "node1" is forbidden: node "node1" is not allowed to set the following labels: kubernetes.io/role',
  },
  {
    name: "an empty configSource set on its Node (a non-nil one)",
    req: {
      info: info("", "v1", "nodes"),
      operation: "UPDATE",
      name: "node1",
      old: { metadata: { name: "node1" }, spec: {} } as ApiObject,
      object: { metadata: { name: "node1" }, spec: { configSource: {} } } as ApiObject,
    },
    want: 'nodes "node1" is forbidden: node "node1" is not allowed to update configSource to a new non-nil configSource',
  },
  {
    name: "someone else's write",
    req: {
      info: POD,
      operation: "CREATE",
      name: "p",
      user: { name: "jane", groups: [] },
      object: {} as ApiObject,
    },
    want: undefined,
  },
]

describe("nodeRestriction()", () => {
  for (const c of CASES) {
    test(c.name, async () => {
      const req = {
        namespace: "default",
        subresource: "",
        dryRun: false,
        user: NODE1,
        ...c.req,
      } as AdmissionRequest
      let got: string | undefined
      try {
        await plugin.mutate?.(req)
      } catch (err) {
        assert.ok(err instanceof ApiError)
        got = err.message
      }
      assert.equal(got, c.want)
    })
  }
})

import assert from "node:assert/strict"
import { describe, test } from "node:test"
import type { Container, Node, Pod } from "kubernetes-types/core/v1.js"
import { admitPod } from "./admit.ts"

const node: Node = {
  metadata: { name: "n1", labels: { "kubernetes.io/os": "linux", disk: "ssd" } },
  status: { allocatable: { cpu: "2", memory: "4Gi", pods: "3", "ephemeral-storage": "10Gi" } },
}

function pod(name: string, containers: Partial<Container>[], spec: Partial<Pod["spec"]> = {}): Pod {
  return {
    metadata: { name, namespace: "default" },
    spec: { nodeName: "n1", containers: containers.map((c, i) => ({ name: `c${i}`, ...c })), ...spec },
  }
}

const cpu = (v: string): Partial<Container> => ({ resources: { requests: { cpu: v } } })

describe("admitPod", () => {
  const cases: {
    name: string
    pod: Pod
    others?: Pod[]
    node?: Node
    want: { reason: string; message: string } | "admit"
  }[] = [
    { name: "fits", pod: pod("p", [cpu("500m")]), others: [pod("o", [cpu("1")])], want: "admit" },
    {
      name: "cpu",
      pod: pod("p", [cpu("1500m")]),
      others: [pod("o", [cpu("1")])],
      want: {
        reason: "OutOfcpu",
        message: "Node didn't have enough resource: cpu, requested: 1500, used: 1000, capacity: 2000",
      },
    },
    {
      name: "memory",
      pod: pod("p", [{ resources: { requests: { memory: "5Gi" } } }]),
      want: {
        reason: "OutOfmemory",
        message: `Node didn't have enough resource: memory, requested: ${5 * 2 ** 30}, used: 0, capacity: ${4 * 2 ** 30}`,
      },
    },
    {
      name: "pods before cpu",
      pod: pod("p", [cpu("3")]),
      others: [pod("a", []), pod("b", []), pod("c", [])],
      want: {
        reason: "OutOfpods",
        message: "Node didn't have enough resource: pods, requested: 1, used: 3, capacity: 3",
      },
    },
    {
      name: "extended resource the node has",
      pod: pod("p", [{ resources: { requests: { "example.com/gpu": "2" } } }]),
      node: { ...node, status: { allocatable: { ...node.status?.allocatable, "example.com/gpu": "1" } } },
      want: {
        reason: "OutOfexample.com/gpu",
        message: "Node didn't have enough resource: example.com/gpu, requested: 2, used: 0, capacity: 1",
      },
    },
    {
      name: "extended resource the node does not know is ignored",
      pod: pod("p", [{ resources: { requests: { "example.com/gpu": "2" } } }]),
      want: "admit",
    },
    {
      name: "init container larger than the app containers",
      pod: pod("p", [cpu("100m")], { initContainers: [{ name: "i", ...cpu("2500m") }] }),
      want: {
        reason: "OutOfcpu",
        message: "Node didn't have enough resource: cpu, requested: 2500, used: 0, capacity: 2000",
      },
    },
    {
      name: "node selector",
      pod: pod("p", [], { nodeSelector: { disk: "hdd" } }),
      want: {
        reason: "NodeAffinity",
        message: "Predicate NodeAffinity failed: node(s) didn't match Pod's node affinity/selector",
      },
    },
    {
      name: "required node affinity",
      pod: pod("p", [], {
        affinity: {
          nodeAffinity: {
            requiredDuringSchedulingIgnoredDuringExecution: {
              nodeSelectorTerms: [{ matchExpressions: [{ key: "disk", operator: "In", values: ["ssd"] }] }],
            },
          },
        },
      }),
      want: "admit",
    },
    {
      name: "host port taken",
      pod: pod("p", [{ ports: [{ containerPort: 80, hostPort: 8080 }] }]),
      others: [pod("o", [{ ports: [{ containerPort: 80, hostPort: 8080, hostIP: "127.0.0.1" }] }])],
      want: {
        reason: "NodePorts",
        message: "Predicate NodePorts failed: node(s) didn't have free ports for the requested pod ports",
      },
    },
    {
      name: "same host port, other protocol",
      pod: pod("p", [{ ports: [{ containerPort: 80, hostPort: 8080, protocol: "UDP" }] }]),
      others: [pod("o", [{ ports: [{ containerPort: 80, hostPort: 8080 }] }])],
      want: "admit",
    },
    {
      name: "untolerated NoExecute taint",
      pod: pod("p", []),
      node: { ...node, spec: { taints: [{ key: "k", value: "v", effect: "NoExecute" }] } },
      want: {
        reason: "TaintToleration",
        message: "Predicate TaintToleration failed: node(s) had taints that the pod didn't tolerate",
      },
    },
    {
      name: "NoSchedule taints are the scheduler's business",
      pod: pod("p", []),
      node: { ...node, spec: { taints: [{ key: "k", effect: "NoSchedule" }] } },
      want: "admit",
    },
    {
      name: "first failure wins: resources before ports",
      pod: pod("p", [{ ...cpu("3"), ports: [{ containerPort: 80, hostPort: 8080 }] }]),
      others: [pod("o", [{ ports: [{ containerPort: 80, hostPort: 8080 }] }])],
      want: {
        reason: "OutOfcpu",
        message: "Node didn't have enough resource: cpu, requested: 3000, used: 0, capacity: 2000",
      },
    },
    {
      name: "OS label",
      pod: { ...pod("p", []), metadata: { name: "p", labels: { "kubernetes.io/os": "windows" } } },
      want: {
        reason: "PodOSSelectorNodeLabelDoesNotMatch",
        message: "Failed to admit pod as the `kubernetes.io/os` label doesn't match node label",
      },
    },
    {
      name: "OS field",
      pod: pod("p", [], { os: { name: "windows" } }),
      want: {
        reason: "PodOSNotSupported",
        message: "Failed to admit pod as the OS field doesn't match node OS",
      },
    },
  ]
  for (const tc of cases) {
    test(tc.name, () => {
      const got = admitPod({ pod: tc.pod, node: tc.node ?? node, others: tc.others ?? [], os: "linux" })
      assert.deepEqual(got, tc.want === "admit" ? { admit: true } : { admit: false, ...tc.want })
    })
  }

  test("without the node", () => {
    assert.deepEqual(admitPod({ pod: pod("p", []), node: undefined, others: [] }), {
      admit: false,
      reason: "InvalidNodeInfo",
      message: "Kubelet cannot get node info.",
    })
  })
})

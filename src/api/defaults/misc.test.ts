import assert from "node:assert/strict"
import { test } from "node:test"
import type { HorizontalPodAutoscaler } from "kubernetes-types/autoscaling/v2.js"
import type { NetworkPolicy } from "kubernetes-types/networking/v1.js"
import type { RoleBinding } from "kubernetes-types/rbac/v1.js"
import {
  defaultBinding,
  defaultHorizontalPodAutoscaler,
  defaultNetworkPolicy,
  defaultPriorityClass,
} from "./misc.ts"

const cases: { name: string; input: () => unknown; want: unknown }[] = [
  {
    name: "defaultHorizontalPodAutoscaler() fills minReplicas and an 80% CPU target",
    input: () => {
      const h: HorizontalPodAutoscaler = {
        spec: { scaleTargetRef: { kind: "Deployment", name: "web" }, maxReplicas: 3 },
      }
      defaultHorizontalPodAutoscaler(h, "v2")
      return [h.spec!.minReplicas, h.spec!.metrics]
    },
    want: [
      1,
      [
        {
          type: "Resource",
          resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 80 } },
        },
      ],
    ],
  },
  {
    name: "defaultHorizontalPodAutoscaler() completes given behavior",
    input: () => {
      const h: HorizontalPodAutoscaler = {
        spec: {
          scaleTargetRef: { kind: "Deployment", name: "web" },
          maxReplicas: 3,
          behavior: { scaleDown: { stabilizationWindowSeconds: 60 } },
        },
      }
      defaultHorizontalPodAutoscaler(h, "v2")
      return h.spec!.behavior
    },
    want: {
      scaleDown: {
        stabilizationWindowSeconds: 60,
        selectPolicy: "Max",
        policies: [{ type: "Percent", value: 100, periodSeconds: 15 }],
      },
      scaleUp: {
        stabilizationWindowSeconds: 0,
        selectPolicy: "Max",
        policies: [
          { type: "Pods", value: 4, periodSeconds: 15 },
          { type: "Percent", value: 100, periodSeconds: 15 },
        ],
      },
    },
  },
  {
    name: "defaultNetworkPolicy() adds Egress when egress rules exist",
    input: () => {
      const np: NetworkPolicy = { spec: { podSelector: {}, egress: [{ ports: [{ port: 53 }] }] } }
      defaultNetworkPolicy(np)
      return np.spec
    },
    want: {
      podSelector: {},
      egress: [{ ports: [{ port: 53, protocol: "TCP" }] }],
      policyTypes: ["Ingress", "Egress"],
    },
  },
  {
    name: "defaultBinding() fills RBAC groups",
    input: () => {
      const b = {
        roleRef: { kind: "Role", name: "r" },
        subjects: [
          { kind: "User", name: "a" },
          { kind: "ServiceAccount", name: "s" },
        ],
      } as unknown as RoleBinding
      defaultBinding(b)
      return b
    },
    want: {
      roleRef: { kind: "Role", name: "r", apiGroup: "rbac.authorization.k8s.io" },
      subjects: [
        { kind: "User", name: "a", apiGroup: "rbac.authorization.k8s.io" },
        { kind: "ServiceAccount", name: "s" },
      ],
    },
  },
  {
    name: "defaultPriorityClass() fills the preemption policy",
    input: () => {
      const pc = { value: 10 }
      defaultPriorityClass(pc as never)
      return pc
    },
    want: { value: 10, preemptionPolicy: "PreemptLowerPriority" },
  },
]

for (const c of cases) {
  test(c.name, () => {
    assert.deepEqual(c.input(), c.want)
  })
}

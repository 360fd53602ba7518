import assert from "node:assert/strict"
import { test } from "node:test"
import type { HorizontalPodAutoscaler } from "kubernetes-types/autoscaling/v2.js"
import type { HorizontalPodAutoscaler as HpaV1 } from "kubernetes-types/autoscaling/v1.js"
import { printed } from "./_fixtures.ts"
import { validateHorizontalPodAutoscaler } from "./autoscaling.ts"

function hpa(spec: Partial<NonNullable<HorizontalPodAutoscaler["spec"]>> = {}): HorizontalPodAutoscaler {
  return {
    apiVersion: "autoscaling/v2",
    metadata: { name: "web", namespace: "default" },
    spec: {
      scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: "web" },
      minReplicas: 1,
      maxReplicas: 5,
      metrics: [
        {
          type: "Resource",
          resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 80 } },
        },
      ],
      ...spec,
    },
  }
}

const cases: { name: string; input: () => string[]; want: string[] }[] = [
  {
    name: "validateHorizontalPodAutoscaler() accepts a v2 object",
    input: () => printed(validateHorizontalPodAutoscaler(hpa())),
    want: [],
  },
  {
    name: "validateHorizontalPodAutoscaler() checks replica bounds",
    input: () => printed(validateHorizontalPodAutoscaler(hpa({ minReplicas: 0, maxReplicas: 0 }))),
    want: [
      "spec.minReplicas: Invalid value: 0: must be greater than or equal to 1",
      "spec.maxReplicas: Invalid value: 0: must be greater than 0",
    ],
  },
  {
    name: "validateHorizontalPodAutoscaler() keeps maxReplicas above minReplicas",
    input: () => printed(validateHorizontalPodAutoscaler(hpa({ minReplicas: 3, maxReplicas: 2 }))),
    want: ["spec.maxReplicas: Invalid value: 2: must be greater than or equal to `minReplicas`"],
  },
  {
    name: "validateHorizontalPodAutoscaler() requires the scale target",
    input: () => printed(validateHorizontalPodAutoscaler(hpa({ scaleTargetRef: { kind: "", name: "" } }))),
    want: ["spec.scaleTargetRef.kind: Required value", "spec.scaleTargetRef.name: Required value"],
  },
  {
    name: "validateHorizontalPodAutoscaler() requires the metric source named by its type",
    input: () => printed(validateHorizontalPodAutoscaler(hpa({ metrics: [{ type: "Pods" }] }))),
    want: ["spec.metrics[0].pods: Required value: must populate information for the given metric source"],
  },
  {
    name: "validateHorizontalPodAutoscaler() checks behavior policies",
    input: () =>
      printed(
        validateHorizontalPodAutoscaler(
          hpa({ behavior: { scaleUp: { policies: [{ type: "Pods", value: 0, periodSeconds: 15 }] } } }),
        ),
      ),
    want: ["spec.behavior.scaleUp.policies[0].value: Invalid value: 0: must be greater than zero"],
  },
  {
    name: "validateHorizontalPodAutoscaler() checks a v1 CPU target as the v2 metric",
    input: () => {
      const v1: HpaV1 = {
        apiVersion: "autoscaling/v1",
        metadata: { name: "web", namespace: "default" },
        spec: {
          scaleTargetRef: { kind: "Deployment", name: "web" },
          maxReplicas: 3,
          targetCPUUtilizationPercentage: 0,
        },
      }
      return printed(validateHorizontalPodAutoscaler(v1))
    },
    want: ["spec.metrics[0].resource.target.averageUtilization: Invalid value: 0: must be greater than 0"],
  },
]

for (const c of cases) {
  test(c.name, () => {
    assert.deepEqual(c.input(), c.want)
  })
}

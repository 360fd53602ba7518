import assert from "node:assert/strict"
import { test } from "node:test"
import type { HorizontalPodAutoscaler as HpaV1, Scale } from "kubernetes-types/autoscaling/v1.js"
import type { HorizontalPodAutoscaler as HpaV2 } from "kubernetes-types/autoscaling/v2.js"
import { hpaPrinter, scalePrinter } from "./autoscaling.ts"
import { headers, meta, printerCases } from "./testdata.ts"

const ref = { apiVersion: "apps/v1", kind: "Deployment", name: "web" }

printerCases<HpaV1 | HpaV2>("hpaPrinter", hpaPrinter, [
  {
    name: "v2 cpu utilization, not measured yet",
    input: {
      metadata: meta("web"),
      spec: {
        scaleTargetRef: ref,
        minReplicas: 1,
        maxReplicas: 10,
        metrics: [
          {
            type: "Resource",
            resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 80 } },
          },
        ],
      },
      status: { currentReplicas: 0, desiredReplicas: 0 },
    },
    want: ["web", "Deployment/web", "cpu: <unknown>/80%", "1", 10, 0, "5m"],
  },
  {
    name: "v1 cpu target and current",
    input: {
      metadata: meta("web"),
      spec: { scaleTargetRef: ref, maxReplicas: 5, targetCPUUtilizationPercentage: 50 },
      status: { currentReplicas: 2, desiredReplicas: 2, currentCPUUtilizationPercentage: 31 },
    },
    want: ["web", "Deployment/web", "cpu: 31%/50%", "<unset>", 5, 2, "5m"],
  },
  {
    name: "v2 several metric kinds, two shown",
    input: {
      metadata: meta("web"),
      spec: {
        scaleTargetRef: ref,
        minReplicas: 2,
        maxReplicas: 8,
        metrics: [
          {
            type: "Resource",
            resource: { name: "memory", target: { type: "AverageValue", averageValue: "512Mi" } },
          },
          {
            type: "Pods",
            pods: { metric: { name: "rps" }, target: { type: "AverageValue", averageValue: "10" } },
          },
          {
            type: "External",
            external: { metric: { name: "queue" }, target: { type: "Value", value: "30" } },
          },
        ],
      },
      status: {
        currentReplicas: 3,
        desiredReplicas: 3,
        currentMetrics: [
          { type: "Resource", resource: { name: "memory", current: { averageValue: "268435456" } } },
          { type: "Pods", pods: { metric: { name: "rps" }, current: { averageValue: "7500m" } } },
        ],
      },
    },
    want: ["web", "Deployment/web", "memory: 268435456/512Mi, 7500m/10 + 1 more...", "2", 8, 3, "5m"],
  },
  {
    name: "v2 object and external average values",
    input: {
      metadata: meta("q"),
      spec: {
        scaleTargetRef: ref,
        maxReplicas: 3,
        metrics: [
          {
            type: "Object",
            object: {
              describedObject: { kind: "Ingress", name: "main" },
              metric: { name: "hits" },
              target: { type: "AverageValue", averageValue: "2k" },
            },
          },
          {
            type: "External",
            external: { metric: { name: "q" }, target: { type: "AverageValue", averageValue: "5" } },
          },
        ],
      },
    },
    want: ["q", "Deployment/web", "<unknown>/2k (avg), <unknown>/5 (avg)", "<unset>", 3, 0, "5m"],
  },
  {
    name: "no metrics",
    input: { metadata: meta("n"), spec: { scaleTargetRef: ref, maxReplicas: 3 } },
    want: ["n", "Deployment/web", "<none>", "<unset>", 3, 0, "5m"],
  },
])

test("hpaPrinter has upstream's headers", () => {
  assert.equal(headers(hpaPrinter), "Name | Reference | Targets | MinPods | MaxPods | Replicas | Age")
})

printerCases<Scale>("scalePrinter", scalePrinter, [
  {
    name: "desired and observed replicas",
    input: { metadata: meta("web"), spec: { replicas: 5 }, status: { replicas: 3, selector: "app=web" } },
    want: ["web", 5, 3, "5m"],
  },
  {
    name: "scaled to zero",
    input: { metadata: meta("w"), spec: {}, status: { replicas: 0 } },
    want: ["w", 0, 0, "5m"],
  },
])

test("scalePrinter has upstream's headers", () => {
  assert.equal(headers(scalePrinter), "Name | Desired | Available | Age")
})

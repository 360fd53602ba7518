import assert from "node:assert/strict"
import { test } from "node:test"
import type { Deployment } from "kubernetes-types/apps/v1.js"
import {
  controllerRevisionPrinter,
  daemonSetPrinter,
  deploymentPrinter,
  replicaSetPrinter,
  statefulSetPrinter,
} from "./apps.ts"
import { headers, meta, printerCases } from "./testdata.ts"

const template = {
  spec: {
    containers: [
      { name: "app", image: "nginx:1.27" },
      { name: "log", image: "fluentbit" },
    ],
  },
}
const selector = { matchLabels: { app: "web" } }

printerCases<Deployment>("deploymentPrinter", deploymentPrinter, [
  {
    name: "partly ready",
    input: {
      metadata: meta("web"),
      spec: { replicas: 3, selector, template },
      status: { readyReplicas: 2, updatedReplicas: 3, availableReplicas: 2 },
    },
    want: ["web", "2/3", 3, 2, "5m", "app,log", "nginx:1.27,fluentbit", "app=web"],
  },
  {
    name: "new, without status",
    input: { metadata: meta("web"), spec: { selector: { matchLabels: {} }, template: {} } },
    want: ["web", "0/1", 0, 0, "5m", "", "", ""],
  },
  {
    name: "an invalid selector",
    input: {
      metadata: meta("web"),
      spec: { selector: { matchExpressions: [{ key: "a", operator: "Bad" }] }, template: {} },
    },
    want: ["web", "0/1", 0, 0, "5m", "", "", "<invalid>"],
  },
])

printerCases("replicaSetPrinter", replicaSetPrinter, [
  {
    name: "scaled to zero",
    input: { metadata: meta("web-5d4f"), spec: { replicas: 0, selector, template }, status: { replicas: 0 } },
    want: ["web-5d4f", 0, 0, 0, "5m", "app,log", "nginx:1.27,fluentbit", "app=web"],
  },
])

printerCases("statefulSetPrinter", statefulSetPrinter, [
  {
    name: "ready of desired",
    input: {
      metadata: meta("db"),
      spec: { replicas: 3, selector, serviceName: "db", template },
      status: { replicas: 3, readyReplicas: 1 },
    },
    want: ["db", "1/3", "5m", "app,log", "nginx:1.27,fluentbit"],
  },
])

printerCases("daemonSetPrinter", daemonSetPrinter, [
  {
    name: "counts and node selector",
    input: {
      metadata: meta("agent"),
      spec: {
        selector,
        template: { spec: { ...template.spec, nodeSelector: { "kubernetes.io/os": "linux" } } },
      },
      status: {
        desiredNumberScheduled: 3,
        currentNumberScheduled: 3,
        numberReady: 2,
        updatedNumberScheduled: 3,
        numberAvailable: 2,
        numberMisscheduled: 0,
      },
    },
    want: [
      "agent",
      3,
      3,
      2,
      3,
      2,
      "kubernetes.io/os=linux",
      "5m",
      "app,log",
      "nginx:1.27,fluentbit",
      "app=web",
    ],
  },
])

printerCases("controllerRevisionPrinter", controllerRevisionPrinter, [
  {
    name: "owned by a DaemonSet",
    input: {
      metadata: meta("agent-7f9", {
        ownerReferences: [
          { apiVersion: "apps/v1", kind: "DaemonSet", name: "agent", uid: "u", controller: true },
        ],
      }),
      revision: 2,
    },
    want: ["agent-7f9", "daemonset.apps/agent", 2, "5m"],
  },
  {
    name: "owned by a core kind",
    input: {
      metadata: meta("x", {
        ownerReferences: [{ apiVersion: "v1", kind: "Pod", name: "p", uid: "u", controller: true }],
      }),
      revision: 1,
    },
    want: ["x", "pod/p", 1, "5m"],
  },
  {
    name: "without a controller",
    input: { metadata: meta("y"), revision: 1 },
    want: ["y", "<none>", 1, "5m"],
  },
])

test("apps printers have upstream's headers", () => {
  assert.equal(
    headers(deploymentPrinter),
    "Name | Ready | Up-to-date | Available | Age | Containers* | Images* | Selector*",
  )
  assert.equal(headers(statefulSetPrinter), "Name | Ready | Age | Containers* | Images*")
  assert.equal(
    headers(daemonSetPrinter),
    "Name | Desired | Current | Ready | Up-to-date | Available | Node Selector | Age | Containers* | Images* | Selector*",
  )
  assert.equal(headers(controllerRevisionPrinter), "Name | Controller | Revision | Age")
})

import assert from "node:assert/strict"
import { test } from "node:test"
import type { Deployment, DeploymentSpec, ReplicaSet } from "kubernetes-types/apps/v1.js"
import type { ReplicationController } from "kubernetes-types/core/v1.js"
import { printed, stored, template } from "./_fixtures.ts"
import { validateDeployment, validateReplicaSet, validateReplicationController } from "./apps.ts"

function deploy(spec: Partial<DeploymentSpec> = {}): Deployment {
  return {
    metadata: { name: "web", namespace: "default" },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: "web" } },
      template: template(),
      strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: "25%", maxSurge: "25%" } },
      revisionHistoryLimit: 10,
      progressDeadlineSeconds: 600,
      ...spec,
    },
  }
}

const cases: { name: string; input: Deployment; want: string[] }[] = [
  { name: "validateDeployment() accepts a defaulted deployment", input: deploy(), want: [] },
  {
    name: "validateDeployment() requires a selector",
    input: deploy({ selector: undefined as never }),
    want: [
      "spec.selector: Required value",
      'spec.template.metadata.labels: Invalid value: {"app":"web"}: `selector` does not match template `labels`',
    ],
  },
  {
    name: "validateDeployment() refuses an empty selector",
    input: deploy({ selector: {} }),
    want: ["spec.selector: Invalid value: {}: empty selector is invalid for deployment"],
  },
  {
    name: "validateDeployment() requires the selector to match the template",
    input: deploy({ selector: { matchLabels: { app: "api" } } }),
    want: [
      'spec.template.metadata.labels: Invalid value: {"app":"web"}: `selector` does not match template `labels`',
    ],
  },
  {
    name: "validateDeployment() refuses negative replicas",
    input: deploy({ replicas: -1 }),
    want: ["spec.replicas: Invalid value: -1: must be greater than or equal to 0"],
  },
  {
    name: "validateDeployment() requires restartPolicy Always",
    input: deploy({ template: template({ restartPolicy: "Never" }) }),
    want: ['spec.template.spec.restartPolicy: Unsupported value: "Never": supported values: "Always"'],
  },
  {
    name: "validateDeployment() checks the pod template",
    input: deploy({ template: template({ containers: [] }) }),
    want: ["spec.template.spec.containers: Required value"],
  },
  {
    name: "validateDeployment() checks the strategy type",
    input: deploy({ strategy: { type: "BlueGreen" } }),
    want: [
      'spec.strategy: Unsupported value: {"type":"BlueGreen"}: supported values: "Recreate", "RollingUpdate"',
    ],
  },
  {
    name: "validateDeployment() refuses zero surge and unavailability",
    input: deploy({
      strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: "0%" } },
    }),
    want: ["spec.strategy.rollingUpdate.maxUnavailable: Invalid value: 0: may not be 0 when `maxSurge` is 0"],
  },
  {
    name: "validateDeployment() checks percentages",
    input: deploy({
      strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: "120%", maxSurge: "x" } },
    }),
    want: [
      `spec.strategy.rollingUpdate.maxSurge: Invalid value: "x": a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')`,
      'spec.strategy.rollingUpdate.maxUnavailable: Invalid value: "120%": must not be greater than 100%',
    ],
  },
  {
    name: "validateDeployment() wants the progress deadline above minReadySeconds",
    input: deploy({ minReadySeconds: 600 }),
    want: ["spec.progressDeadlineSeconds: Invalid value: 600: must be greater than minReadySeconds"],
  },
]

for (const c of cases) {
  test(c.name, () => {
    assert.deepEqual(printed(validateDeployment(c.input)), c.want)
  })
}

test("validateDeployment() on update keeps the selector", () => {
  const old = stored(deploy())
  const next = stored(
    deploy({
      selector: { matchLabels: { app: "web", tier: "x" } },
      template: template({}, { app: "web", tier: "x" }),
    }),
  )
  assert.deepEqual(printed(validateDeployment(next, old)), [
    'spec.selector: Invalid value: {"matchLabels":{"app":"web","tier":"x"}}: field is immutable',
  ])
})

test("validateReplicaSet() uses upstream's deployment wording for an empty selector", () => {
  const rs: ReplicaSet = {
    metadata: { name: "web", namespace: "default" },
    spec: { replicas: 1, selector: {}, template: template() },
  }
  assert.deepEqual(printed(validateReplicaSet(rs)), [
    "spec.selector: Invalid value: {}: empty selector is invalid for deployment",
  ])
})

test("validateReplicationController() requires a selector", () => {
  const rc: ReplicationController = {
    metadata: { name: "web", namespace: "default" },
    spec: { replicas: 1, template: template() },
  }
  assert.deepEqual(printed(validateReplicationController(rc)), ["spec.selector: Required value"])
})

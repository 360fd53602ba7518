import assert from "node:assert/strict"
import { test } from "node:test"
import type { DaemonSet, DaemonSetSpec, StatefulSet, StatefulSetSpec } from "kubernetes-types/apps/v1.js"
import { printed, stored, template } from "./_fixtures.ts"
import { validateDaemonSet, validateStatefulSet } from "./apps-stateful.ts"

function sts(spec: Partial<StatefulSetSpec> = {}, name = "db"): StatefulSet {
  return {
    metadata: { name, namespace: "default" },
    spec: {
      replicas: 1,
      serviceName: "db",
      selector: { matchLabels: { app: "web" } },
      template: template(),
      podManagementPolicy: "OrderedReady",
      updateStrategy: { type: "RollingUpdate", rollingUpdate: { partition: 0 } },
      revisionHistoryLimit: 10,
      persistentVolumeClaimRetentionPolicy: { whenDeleted: "Retain", whenScaled: "Retain" },
      ...spec,
    },
  }
}

function ds(spec: Partial<DaemonSetSpec> = {}): DaemonSet {
  return {
    metadata: { name: "agent", namespace: "default" },
    spec: {
      selector: { matchLabels: { app: "web" } },
      template: template(),
      updateStrategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } },
      revisionHistoryLimit: 10,
      ...spec,
    },
  }
}

const cases: { name: string; input: () => string[]; want: string[] }[] = [
  {
    name: "validateStatefulSet() accepts a defaulted set",
    input: () => printed(validateStatefulSet(sts())),
    want: [],
  },
  {
    name: "validateStatefulSet() requires DNS-label names",
    input: () => printed(validateStatefulSet(sts({}, "db.x"))),
    want: ['metadata.name: Invalid value: "db.x": must not contain dots'],
  },
  {
    name: "validateStatefulSet() checks the pod management policy",
    input: () => printed(validateStatefulSet(sts({ podManagementPolicy: "Random" }))),
    want: ["spec.podManagementPolicy: Invalid value: \"Random\": must be 'OrderedReady' or 'Parallel'"],
  },
  {
    name: "validateStatefulSet() refuses rollingUpdate with OnDelete",
    input: () =>
      printed(
        validateStatefulSet(sts({ updateStrategy: { type: "OnDelete", rollingUpdate: { partition: 0 } } })),
      ),
    want: [
      `spec.updateStrategy.rollingUpdate: Invalid value: {"partition":0}: only allowed for updateStrategy 'RollingUpdate'`,
    ],
  },
  {
    name: "validateStatefulSet() refuses an empty selector",
    input: () => printed(validateStatefulSet(sts({ selector: {} }))),
    want: ["spec.selector: Invalid value: {}: empty selector is invalid for statefulset"],
  },
  {
    name: "validateStatefulSet() on update forbids changing serviceName",
    input: () => printed(validateStatefulSet(stored(sts({ serviceName: "other" })), stored(sts()))),
    want: [
      "spec: Forbidden: updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden",
    ],
  },
  {
    name: "validateStatefulSet() on update allows replicas and template changes",
    input: () =>
      printed(
        validateStatefulSet(
          stored(sts({ replicas: 3, template: template({ hostname: "x" }) })),
          stored(sts()),
        ),
      ),
    want: [],
  },
  {
    name: "validateDaemonSet() accepts a defaulted set",
    input: () => printed(validateDaemonSet(ds())),
    want: [],
  },
  {
    name: "validateDaemonSet() refuses surge together with unavailability",
    input: () =>
      printed(
        validateDaemonSet(
          ds({
            updateStrategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 1, maxSurge: 1 } },
          }),
        ),
      ),
    want: [
      "spec.updateStrategy.rollingUpdate.maxSurge: Invalid value: 1: may not be set when maxUnavailable is non-zero",
    ],
  },
  {
    name: "validateDaemonSet() requires restartPolicy Always",
    input: () => printed(validateDaemonSet(ds({ template: template({ restartPolicy: "OnFailure" }) }))),
    want: ['spec.template.spec.restartPolicy: Unsupported value: "OnFailure": supported values: "Always"'],
  },
  {
    name: "validateDaemonSet() checks the strategy type",
    input: () => printed(validateDaemonSet(ds({ updateStrategy: { type: "Surge" } }))),
    want: [
      'spec.updateStrategy: Unsupported value: {"type":"Surge"}: supported values: "RollingUpdate", "OnDelete"',
    ],
  },
]

for (const c of cases) {
  test(c.name, () => {
    assert.deepEqual(c.input(), c.want)
  })
}

import assert from "node:assert/strict"
import { test } from "node:test"
import type { DaemonSet, Deployment, ReplicaSet, StatefulSet } from "kubernetes-types/apps/v1.js"
import type { ReplicationController } from "kubernetes-types/core/v1.js"
import {
  defaultDaemonSet,
  defaultDeployment,
  defaultReplicaSet,
  defaultReplicationController,
  defaultStatefulSet,
} from "./apps.ts"

const template = { metadata: { labels: { app: "web" } }, spec: { containers: [{ name: "c", image: "x:1" }] } }

function specOf(o: { spec?: unknown }): Record<string, unknown> {
  const { template: _t, ...rest } = o.spec as Record<string, unknown>
  return rest
}

const cases: { name: string; input: () => unknown; want: unknown }[] = [
  {
    name: "defaultDeployment() fills replicas, strategy, history and deadline",
    input: () => {
      const d: Deployment = { spec: { selector: { matchLabels: { app: "web" } }, template } }
      defaultDeployment(d)
      return specOf(d)
    },
    want: {
      selector: { matchLabels: { app: "web" } },
      replicas: 1,
      strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: "25%", maxSurge: "25%" } },
      revisionHistoryLimit: 10,
      progressDeadlineSeconds: 600,
    },
  },
  {
    name: "defaultDeployment() leaves Recreate without rollingUpdate",
    input: () => {
      const d: Deployment = { spec: { selector: {}, template, strategy: { type: "Recreate" }, replicas: 0 } }
      defaultDeployment(d)
      return d.spec!.strategy
    },
    want: { type: "Recreate" },
  },
  {
    name: "defaultDeployment() defaults the pod template",
    input: () => {
      const d: Deployment = { spec: { selector: {}, template: structuredClone(template) } }
      defaultDeployment(d)
      const s = d.spec!.template.spec!
      return [s.restartPolicy, s.dnsPolicy, s.containers[0]!.imagePullPolicy, s.enableServiceLinks]
    },
    want: ["Always", "ClusterFirst", "IfNotPresent", undefined],
  },
  {
    name: "defaultReplicaSet() fills replicas",
    input: () => {
      const rs: ReplicaSet = { spec: { selector: {}, template } }
      defaultReplicaSet(rs)
      return rs.spec!.replicas
    },
    want: 1,
  },
  {
    name: "defaultReplicationController() takes selector and labels from the template",
    input: () => {
      const rc: ReplicationController = {
        metadata: { name: "r" },
        spec: { template: structuredClone(template) },
      }
      defaultReplicationController(rc)
      return [rc.metadata!.labels, rc.spec!.selector, rc.spec!.replicas]
    },
    want: [{ app: "web" }, { app: "web" }, 1],
  },
  {
    name: "defaultStatefulSet() fills policies and retention",
    input: () => {
      const sts: StatefulSet = {
        spec: {
          selector: {},
          serviceName: "db",
          template,
          volumeClaimTemplates: [{ metadata: { name: "data" }, spec: {} }],
        },
      }
      defaultStatefulSet(sts)
      return specOf(sts)
    },
    want: {
      selector: {},
      serviceName: "db",
      volumeClaimTemplates: [
        { metadata: { name: "data" }, spec: { volumeMode: "Filesystem" }, status: { phase: "Pending" } },
      ],
      podManagementPolicy: "OrderedReady",
      updateStrategy: { type: "RollingUpdate", rollingUpdate: { partition: 0 } },
      persistentVolumeClaimRetentionPolicy: { whenDeleted: "Retain", whenScaled: "Retain" },
      replicas: 1,
      revisionHistoryLimit: 10,
    },
  },
  {
    name: "defaultDaemonSet() fills the rolling update",
    input: () => {
      const ds: DaemonSet = { spec: { selector: {}, template } }
      defaultDaemonSet(ds)
      return specOf(ds)
    },
    want: {
      selector: {},
      updateStrategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } },
      revisionHistoryLimit: 10,
    },
  },
]

for (const c of cases) {
  test(c.name, () => {
    assert.deepEqual(c.input(), c.want)
  })
}

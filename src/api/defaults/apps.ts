/**
 * Defaults of workload controllers (apps/v1 and core/v1 defaults.go): replicas, strategies,
 * history limits and deadlines, plus the defaults of the pod templates they embed.
 */
import type { DaemonSet, Deployment, ReplicaSet, StatefulSet } from "kubernetes-types/apps/v1.js"
import type { ReplicationController } from "kubernetes-types/core/v1.js"
import { defaultPersistentVolumeClaim } from "./core.ts"
import { defaultPodTemplateSpec } from "./pod.ts"

type Obj = Record<string, any>

/** Deployment defaults: 1 replica, RollingUpdate 25%/25%, 10 revisions, 600s progress deadline. */
export function defaultDeployment(d: Deployment): void {
  const s = (d.spec ??= {} as NonNullable<Deployment["spec"]>) as Obj
  s.replicas ??= 1
  const strategy = (s.strategy ??= {})
  if (!strategy.type) strategy.type = "RollingUpdate"
  if (strategy.type === "RollingUpdate") {
    const ru = (strategy.rollingUpdate ??= {})
    ru.maxUnavailable ??= "25%"
    ru.maxSurge ??= "25%"
  }
  s.revisionHistoryLimit ??= 10
  s.progressDeadlineSeconds ??= 600
  defaultPodTemplateSpec(s.template)
}

/** ReplicaSet defaults: 1 replica. */
export function defaultReplicaSet(rs: ReplicaSet): void {
  const s = (rs.spec ??= {} as NonNullable<ReplicaSet["spec"]>) as Obj
  s.replicas ??= 1
  defaultPodTemplateSpec(s.template)
}

/** ReplicationController defaults: selector and labels from the template's labels, 1 replica. */
export function defaultReplicationController(rc: ReplicationController): void {
  const s = (rc.spec ??= {}) as Obj
  const labels = s.template?.metadata?.labels
  if (labels) {
    if (!Object.keys(s.selector ?? {}).length) s.selector = { ...labels }
    const meta = (rc.metadata ??= {}) as Obj
    if (!Object.keys(meta.labels ?? {}).length) meta.labels = { ...labels }
  }
  s.replicas ??= 1
  defaultPodTemplateSpec(s.template)
}

/**
 * StatefulSet defaults: OrderedReady pods, RollingUpdate with partition 0, PVCs retained on
 * delete and scale-down, 1 replica, 10 revisions; claim templates get PVC defaults.
 */
export function defaultStatefulSet(sts: StatefulSet): void {
  const s = (sts.spec ??= {} as NonNullable<StatefulSet["spec"]>) as Obj
  if (!s.podManagementPolicy) s.podManagementPolicy = "OrderedReady"
  const us = (s.updateStrategy ??= {})
  if (!us.type) {
    us.type = "RollingUpdate"
    us.rollingUpdate ??= {}
  }
  if (us.type === "RollingUpdate" && us.rollingUpdate) us.rollingUpdate.partition ??= 0
  const retention = (s.persistentVolumeClaimRetentionPolicy ??= {})
  if (!retention.whenDeleted) retention.whenDeleted = "Retain"
  if (!retention.whenScaled) retention.whenScaled = "Retain"
  s.replicas ??= 1
  s.revisionHistoryLimit ??= 10
  defaultPodTemplateSpec(s.template)
  for (const pvc of s.volumeClaimTemplates ?? []) defaultPersistentVolumeClaim(pvc)
}

/** DaemonSet defaults: RollingUpdate with maxUnavailable 1 and maxSurge 0, 10 revisions. */
export function defaultDaemonSet(ds: DaemonSet): void {
  const s = (ds.spec ??= {} as NonNullable<DaemonSet["spec"]>) as Obj
  const us = (s.updateStrategy ??= {})
  if (!us.type) us.type = "RollingUpdate"
  if (us.type === "RollingUpdate") {
    const ru = (us.rollingUpdate ??= {})
    ru.maxUnavailable ??= 1
    ru.maxSurge ??= 0
  }
  s.revisionHistoryLimit ??= 10
  defaultPodTemplateSpec(s.template)
}

/**
 * The controller manager's controllers: every reconciler that keeps workloads, namespaces,
 * service accounts, nodes and garbage in order. Each lives in its own folder and reaches the
 * cluster only through the client. Imports api, client and util.
 */
import type { ControllerSpec } from "../client/index.ts"
import { autoregisterController, availabilityController } from "./apiservice/index.ts"
import { disruptionController } from "./disruption/disruption.ts"
import { staleDisruptionController } from "./disruption/stale-disruption.ts"
import { endpointsController } from "./endpoints/endpoints.ts"
import { endpointSliceController } from "./endpointslice/endpointslice.ts"
import { endpointSliceMirroringController } from "./endpointslice/mirroring.ts"
import { garbageCollectorController } from "./garbagecollector/index.ts"
import { namespaceController } from "./namespace/index.ts"
import { nodeLifecycleController, taintEvictionController } from "./nodelifecycle/index.ts"
import { podGcController } from "./podgc/index.ts"
import { rootCaCertPublisher } from "./rootcacert/index.ts"
import { clusterRoleAggregationController } from "./clusterroleaggregation/index.ts"
import { serviceAccountController } from "./serviceaccount/index.ts"
import { newDaemonSetController } from "./daemonset/index.ts"
import { statefulSetController } from "./statefulset/index.ts"
import { newDeploymentController } from "./deployment/index.ts"
import { newReplicaSetController, newReplicationControllerController } from "./replicaset/index.ts"
import { cronJobController } from "./cronjob/index.ts"
import { jobController, ttlAfterFinishedController } from "./job/index.ts"
import { horizontalPodAutoscalerController } from "./podautoscaler/index.ts"
import { nodeIpamController } from "./nodeipam/index.ts"
import {
  localPathProvisionerController,
  persistentVolumeBinderController,
  persistentVolumeExpanderController,
  pvcProtectionController,
  pvProtectionController,
} from "./volume/index.ts"
import { serviceLbController } from "./servicelb/index.ts"
import { serviceCIDRController } from "./servicecidrs/index.ts"
import { resourceQuotaController } from "./resourcequota/index.ts"
export { resourceQuotaController } from "./resourcequota/index.ts"
import { ephemeralVolumeController } from "./ephemeral/index.ts"
import { csrCleanerController, csrSigningController, type SigningKeyPair } from "./certificates/index.ts"
export { horizontalPodAutoscalerController, type HpaControllerOptions } from "./podautoscaler/index.ts"
export { localPathProvisionerController, persistentVolumeBinderController } from "./volume/index.ts"
export { ephemeralVolumeController } from "./ephemeral/index.ts"

/** What some controllers need to know about the cluster they run in. */
export interface ControllerOptions {
  /** The cluster CA certificate (PEM), published as kube-root-ca.crt in every namespace. */
  readonly rootCaPem: string
  /** --terminated-pod-gc-threshold: terminated pods kept before the oldest go (default 12500, 0 off). */
  readonly terminatedPodGcThreshold?: number
  /** --cluster-cidr: with it, nodeipam gives each Node a podCIDR from it (upstream's --allocate-node-cidrs). */
  readonly clusterCidr?: string
  /** The local-path provisioner's base dir (`<data-dir>/storage`); without it, no provisioner. */
  readonly storageDir?: string
  /**
   * The CA csrsigning signs CertificateSigningRequests with (upstream's
   * --cluster-signing-cert-file/--cluster-signing-key-file); without it, no csrsigning.
   */
  readonly clusterSigning?: SigningKeyPair
  /** --cluster-signing-duration: the longest certificate csrsigning issues (default one year). */
  readonly clusterSigningDurationMs?: number
}

/** Every controller k8ts has, enabled or not (the manager picks with its `--controllers` list). */
export function allControllers(opts: ControllerOptions): ControllerSpec[] {
  return [
    newReplicaSetController(),
    newReplicationControllerController(),
    newDeploymentController(),
    jobController,
    ttlAfterFinishedController,
    cronJobController,
    endpointsController(),
    disruptionController(),
    staleDisruptionController(),
    endpointSliceController(),
    endpointSliceMirroringController(),
    statefulSetController,
    newDaemonSetController(),
    garbageCollectorController,
    namespaceController,
    nodeLifecycleController,
    taintEvictionController,
    podGcController(
      opts.terminatedPodGcThreshold !== undefined
        ? { terminatedPodThreshold: opts.terminatedPodGcThreshold }
        : {},
    ),
    serviceAccountController,
    rootCaCertPublisher(opts.rootCaPem),
    clusterRoleAggregationController(),
    horizontalPodAutoscalerController(),
    ...(opts.clusterCidr ? [nodeIpamController({ clusterCIDR: opts.clusterCidr })] : []),
    persistentVolumeBinderController(),
    pvcProtectionController(),
    pvProtectionController(),
    ephemeralVolumeController(),
    persistentVolumeExpanderController(),
    ...(opts.storageDir ? [localPathProvisionerController({ baseDir: opts.storageDir })] : []),
    serviceLbController(),
    serviceCIDRController(),
    resourceQuotaController(),
    ...(opts.clusterSigning
      ? [csrSigningController({ ca: opts.clusterSigning, durationMs: opts.clusterSigningDurationMs })]
      : []),
    csrCleanerController,
    autoregisterController(),
    availabilityController(),
  ]
}

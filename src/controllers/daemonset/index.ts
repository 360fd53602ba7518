/**
 * The DaemonSet controller: one pod per eligible node (nodeSelector, required node affinity,
 * taints and tolerations), pinned by node affinity for the scheduler, rolled within
 * maxUnavailable/maxSurge through ControllerRevisions. Watches DaemonSets, Pods,
 * ControllerRevisions and Nodes; writes Pods, ControllerRevisions and DaemonSet status.
 */
export { daemonSetController, newDaemonSetController } from "./daemonset.ts"
export { daemonTolerations, nodeShouldRunDaemonPod, type Placement } from "./placement.ts"

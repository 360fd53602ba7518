/** The in-tree plugins by upstream name: the registry profiles pick from. */
import type { Registry } from "../framework/runner.ts"
import { newBalancedAllocation } from "./balanced-allocation/balanced-allocation.ts"
import { newDefaultBinder } from "./default-binder/default-binder.ts"
import { newDefaultPreemption } from "./default-preemption/default-preemption.ts"
import { newInterPodAffinity } from "./inter-pod-affinity/inter-pod-affinity.ts"
import { newNodeAffinity } from "./node-affinity/node-affinity.ts"
import { newNodeName } from "./node-name/node-name.ts"
import { newNodePorts } from "./node-ports/node-ports.ts"
import { newNodeResourcesFit } from "./node-resources-fit/node-resources-fit.ts"
import { newNodeUnschedulable } from "./node-unschedulable/node-unschedulable.ts"
import { newPodTopologySpread } from "./pod-topology-spread/pod-topology-spread.ts"
import { newPrioritySort } from "./queue-sort/priority-sort.ts"
import { newTaintToleration } from "./taint-toleration/taint-toleration.ts"
import { newVolumeBinding } from "./volume-binding/volume-binding.ts"

/** Every plugin k8ts has. */
export const inTreePlugins: Registry = {
  PrioritySort: () => newPrioritySort(),
  NodeUnschedulable: () => newNodeUnschedulable(),
  NodeName: () => newNodeName(),
  NodeAffinity: () => newNodeAffinity(),
  TaintToleration: () => newTaintToleration(),
  NodeResourcesFit: (args) => newNodeResourcesFit(args ?? {}),
  NodePorts: () => newNodePorts(),
  NodeResourcesBalancedAllocation: (args) => newBalancedAllocation(args ?? {}),
  InterPodAffinity: (args, handle) => newInterPodAffinity(args, handle),
  PodTopologySpread: (args, handle) => newPodTopologySpread(args, handle),
  DefaultPreemption: (args, handle) => newDefaultPreemption(args, handle),
  DefaultBinder: (args, handle) => newDefaultBinder(args, handle),
  VolumeBinding: (args, handle) => newVolumeBinding(args, handle),
}

/**
 * The node agent: makes the pods bound to its node match their spec through a container
 * runtime. For now the hollow (simulated) nodes; the process runtime comes with the kubelet
 * issue. Imports api, client, network and util.
 */
export { HollowNodes, type HollowNodesOptions } from "./hollow/hollow-nodes.ts"
export { DEFAULT_CAPACITY, type HollowCapacity, type HollowNodeSpec } from "./hollow/node-object.ts"

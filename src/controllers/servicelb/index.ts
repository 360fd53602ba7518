/** ServiceLB: LoadBalancer Services served on the nodes' addresses, without a cloud. */
export { isServiceLbService, serviceLbController } from "./servicelb.ts"

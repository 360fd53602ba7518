/**
 * The service-cidr-controller: finalizers and the Ready condition of ServiceCIDRs, and when a
 * deleted one may go. Watches ServiceCIDRs and IPAddresses; writes ServiceCIDRs.
 */
export { canDeleteServiceCIDR, serviceCIDRController } from "./servicecidrs.ts"

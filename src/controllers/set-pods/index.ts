/**
 * Pod helpers shared by the StatefulSet and DaemonSet controllers: readiness and availability,
 * pods from templates, and adoption/release by controller reference. Imports api and client.
 */
export {
  isPodAvailable,
  isPodReady,
  isTerminating,
  msUntilAvailable,
  podFromTemplate,
  type PodObject,
} from "./pods.ts"
export { claimObjects, type ClaimOptions } from "./claim.ts"

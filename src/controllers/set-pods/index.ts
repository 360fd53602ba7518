/**
 * Pod helpers shared by the StatefulSet and DaemonSet controllers: deletion, pods from
 * templates, and adoption/release by controller reference (readiness and availability are the
 * api's). Imports api and client.
 */
export { isTerminating, podFromTemplate, type PodObject } from "./pods.ts"
export { claimObjects, type ClaimOptions } from "./claim.ts"

/**
 * The APIService controllers upstream's kube-aggregator runs: autoregister keeps the local
 * APIServices of built-in and CRD group versions; apiservice-availability keeps every
 * APIService's Available condition, checking service-backed ones through the API.
 */
export { autoregisterController } from "./autoregister.ts"
export { availabilityController, type AvailabilityOptions } from "./availability.ts"

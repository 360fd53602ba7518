/**
 * The ephemeral volume controller: creates the claims of pods' generic ephemeral volumes. Watches
 * Pods and PersistentVolumeClaims; writes claims and Events. Imports api, client and util only.
 */
export { claimFor, EPHEMERAL_COMPONENT, ephemeralVolumeController } from "./ephemeral.ts"

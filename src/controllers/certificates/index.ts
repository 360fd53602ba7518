/**
 * The certificates controllers: csrsigning signs approved CertificateSigningRequests of the
 * kubernetes.io signers with the cluster CA; csrcleaner deletes finished and stale requests.
 */
export { CertificateAuthority, keyUsagesOf, type SigningKeyPair, type SigningPolicy } from "./authority.ts"
export { cleanupTime, csrCleanerController } from "./cleaner.ts"
export {
  certificateDuration,
  csrSigningController,
  isApproved,
  requestFacts,
  KUBE_APISERVER_CLIENT,
  KUBE_APISERVER_CLIENT_KUBELET,
  KUBELET_SERVING,
  type CsrSigningOptions,
} from "./signer.ts"

/**
 * PodSecurity admission: the Pod Security Standards (privileged, baseline, restricted) held to
 * pods and pod templates as their namespace's pod-security.kubernetes.io labels ask. Reads
 * namespaces and pods (from the watch cache); writes nothing; imports api and util only.
 */
export { podSecurity, type PodSecurityDeps } from "./admission.ts"

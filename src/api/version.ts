/** The Kubernetes version k8ts speaks, reported by /version and by the nodes' kubelets. */
export const KUBE_VERSION = { major: "1", minor: "35", gitVersion: "v1.35.0+k8ts" } as const

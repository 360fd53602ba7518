/** Well-known labels of Endpoints and EndpointSlices that more than one component reads or writes. */

/**
 * The label that keeps the EndpointSlice mirroring controller off an Endpoints object (discovery
 * v1's LabelSkipMirror): the API server's kubernetes Service and k8ts's kube-dns write their slices
 * themselves.
 */
export const SKIP_MIRROR_LABEL = "endpointslice.kubernetes.io/skip-mirror"

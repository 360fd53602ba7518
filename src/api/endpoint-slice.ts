/** Well-known labels of Endpoints and EndpointSlices that more than one component reads or writes. */

/**
 * The label that keeps the EndpointSlice mirroring controller off an Endpoints object (discovery
 * v1's LabelSkipMirror): the API server's kubernetes Service and k8ts's kube-dns write their slices
 * themselves.
 */
export const SKIP_MIRROR_LABEL = "endpointslice.kubernetes.io/skip-mirror"

/**
 * The label naming the Service an EndpointSlice is of (discovery v1's LabelServiceName): how the
 * proxy, DNS and the API server's Service resolvers find a Service's slices.
 */
export const SERVICE_NAME_LABEL = "kubernetes.io/service-name"

/** The root-ca-certificate-publisher: the kube-root-ca.crt ConfigMap in every namespace. */
export { rootCaCertPublisher, ROOT_CA_CONFIG_MAP, DESCRIPTION_ANNOTATION } from "./rootcacert.ts"

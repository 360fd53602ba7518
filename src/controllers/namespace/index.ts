/** The namespace controller: deletes the content of terminating namespaces, then finalizes them. */
export { namespaceController, KUBERNETES_FINALIZER } from "./namespace.ts"

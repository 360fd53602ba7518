/**
 * The Namespace strategy (upstream's namespaceStrategy), called by the generic strategy after
 * its own steps: a new namespace gets the `kubernetes` finalizer (which only the finalize
 * subresource removes afterwards), and every namespace its `kubernetes.io/metadata.name` label
 * once its name is known, as upstream's Canonicalize sets it after a generated name
 * (setNamespaceNameLabel, on every update too).
 */
import type { Namespace } from "kubernetes-types/core/v1.js"
import { setNamespaceNameLabel } from "../../api/index.ts"

/** The finalizer a new namespace gets, for the namespace controller's cleanup. */
const KUBERNETES_FINALIZER = "kubernetes"

/** Prepares a new namespace, named already. Mutates `ns`. */
export function prepareNamespaceForCreate(ns: Namespace): void {
  const spec = (ns.spec ??= {})
  const finalizers = spec.finalizers ?? []
  if (!finalizers.includes(KUBERNETES_FINALIZER)) spec.finalizers = [...finalizers, KUBERNETES_FINALIZER]
  setNamespaceNameLabel(ns)
}

/**
 * The Namespace strategy (upstream's namespaceStrategy), called by the generic strategy after
 * its own steps: a new namespace gets the `kubernetes` finalizer (which only the finalize
 * subresource removes afterwards), and every namespace its `kubernetes.io/metadata.name` label
 * once its name is known, as upstream's Canonicalize sets it after a generated name.
 */
import type { Namespace } from "kubernetes-types/core/v1.js"

/** The label every namespace carries with its own name. */
const NAME_LABEL = "kubernetes.io/metadata.name"

/** The finalizer a new namespace gets, for the namespace controller's cleanup. */
const KUBERNETES_FINALIZER = "kubernetes"

/** Prepares a new namespace, named already. Mutates `ns`. */
export function prepareNamespaceForCreate(ns: Namespace): void {
  const spec = (ns.spec ??= {})
  const finalizers = spec.finalizers ?? []
  if (!finalizers.includes(KUBERNETES_FINALIZER)) spec.finalizers = [...finalizers, KUBERNETES_FINALIZER]
  canonicalizeNamespace(ns)
}

/** Sets the name label to the namespace's name (a new labels object: the old one may be shared). */
export function canonicalizeNamespace(ns: Namespace): void {
  const meta = (ns.metadata ??= {})
  if (meta.labels?.[NAME_LABEL] === meta.name) return
  meta.labels = { ...meta.labels, [NAME_LABEL]: meta.name as string }
}

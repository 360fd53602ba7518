/**
 * DefaultIngressClass admission (upstream's plugin of that name): a new Ingress that names no
 * class (no spec.ingressClassName and no legacy kubernetes.io/ingress.class annotation, whatever
 * its value) gets the IngressClass annotated ingressclass.kubernetes.io/is-default-class=true,
 * the newest one when several are (ties go to the first name), as upstream picks it.
 */
import type { IngressClass } from "kubernetes-types/networking/v1.js"
import type { AdmissionPlugin } from "./admission.ts"

/** The annotation that marks the default IngressClass. */
export const DEFAULT_INGRESS_CLASS_ANNOTATION = "ingressclass.kubernetes.io/is-default-class"
/** The annotation that named an Ingress's class before spec.ingressClassName. */
const LEGACY_CLASS_ANNOTATION = "kubernetes.io/ingress.class"

/** The default class among `classes`: marked "true", the newest creation first, then by name. */
export function defaultIngressClassOf(classes: Iterable<IngressClass>): IngressClass | undefined {
  let best: IngressClass | undefined
  for (const c of classes) {
    if (c.metadata?.annotations?.[DEFAULT_INGRESS_CLASS_ANNOTATION] !== "true") continue
    if (!best) {
      best = c
      continue
    }
    const t = c.metadata.creationTimestamp ?? ""
    const bt = best.metadata?.creationTimestamp ?? ""
    if (t > bt || (t === bt && (c.metadata.name ?? "") < (best.metadata?.name ?? ""))) best = c
  }
  return best
}

interface IngressShape {
  metadata?: { annotations?: Record<string, string> }
  spec?: { ingressClassName?: string | null }
}

/** The DefaultIngressClass plugin; `classes` lists the IngressClasses (from the watch cache). */
export function defaultIngressClass(classes: () => Iterable<IngressClass>): AdmissionPlugin {
  return {
    name: "DefaultIngressClass",
    mutate(req) {
      if (req.operation !== "CREATE" || req.subresource !== "") return
      if (req.info.group !== "networking.k8s.io" || req.info.resource !== "ingresses") return
      const ingress = req.object as IngressShape | undefined
      if (!ingress) return
      const given = ingress.spec?.ingressClassName
      if (given !== undefined && given !== null) return
      if (ingress.metadata?.annotations?.[LEGACY_CLASS_ANNOTATION] !== undefined) return
      const name = defaultIngressClassOf(classes())?.metadata?.name
      if (name) (ingress.spec ??= {}).ingressClassName = name
    },
  }
}

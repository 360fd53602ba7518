/**
 * Which labels a kubelet may set on its own Node under NodeRestriction (upstream's
 * k8s.io/kubelet/pkg/apis IsKubeletLabel and the plugin's getForbiddenLabels).
 */

/** Labels a kubelet may set although they are in a kubernetes.io namespace. */
const KUBELET_LABELS = new Set([
  "kubernetes.io/hostname",
  "topology.kubernetes.io/zone",
  "topology.kubernetes.io/region",
  "failure-domain.beta.kubernetes.io/zone",
  "failure-domain.beta.kubernetes.io/region",
  "beta.kubernetes.io/instance-type",
  "node.kubernetes.io/instance-type",
  "kubernetes.io/os",
  "kubernetes.io/arch",
  "beta.kubernetes.io/os",
  "beta.kubernetes.io/arch",
])
const KUBELET_LABEL_NAMESPACES = ["kubelet.kubernetes.io", "node.kubernetes.io"]
const NODE_RESTRICTION_NAMESPACE = "node-restriction.kubernetes.io"

function labelNamespace(key: string): string {
  const i = key.indexOf("/")
  return i < 0 ? "" : key.slice(0, i)
}

/** `ns` is `domain` or a subdomain of it. */
function within(ns: string, domain: string): boolean {
  return ns === domain || ns.endsWith(`.${domain}`)
}

function isKubeletLabel(key: string): boolean {
  if (KUBELET_LABELS.has(key)) return true
  const ns = labelNamespace(key)
  return KUBELET_LABEL_NAMESPACES.some((d) => within(ns, d))
}

/** The keys whose values differ between `a` and `b` (added, removed or changed). */
export function modifiedLabels(
  a: Readonly<Record<string, string>> | undefined,
  b: Readonly<Record<string, string>> | undefined,
): Set<string> {
  const out = new Set<string>()
  for (const [k, v] of Object.entries(a ?? {})) if (b?.[k] !== v) out.add(k)
  for (const [k, v] of Object.entries(b ?? {})) if (a?.[k] !== v) out.add(k)
  return out
}

/** Of `modified`, those a node may not set, sorted: node-restriction ones and unknown kubernetes.io or k8s.io ones. */
export function forbiddenLabels(modified: ReadonlySet<string>): string[] {
  const out: string[] = []
  for (const key of modified) {
    const ns = labelNamespace(key)
    const kubernetes = within(ns, "kubernetes.io") || within(ns, "k8s.io")
    if (within(ns, NODE_RESTRICTION_NAMESPACE) || (kubernetes && !isKubeletLabel(key))) out.push(key)
  }
  return out.sort()
}

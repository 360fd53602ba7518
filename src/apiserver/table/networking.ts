/**
 * Printers of the networking.k8s.io/v1 kinds: Ingress, IngressClass, NetworkPolicy, ServiceCIDR,
 * IPAddress.
 */
import type { Ingress, IngressClass, IngressRule, NetworkPolicy } from "kubernetes-types/networking/v1.js"
import type { IPAddress, ServiceCIDR } from "../../api/index.ts"
import { age, formatLabelSelector } from "./format.ts"
import { AGE_COLUMN, NAME_COLUMN, column, type Printer } from "./types.ts"
import { DOCS } from "./descriptions.ts"

/** HOSTS: up to three rule hosts, then ` + N more...` (N counts rules); `*` when none names a host. */
export function ingressHosts(rules: readonly IngressRule[] | undefined): string {
  const list = rules ?? []
  const hosts: string[] = []
  let more = false
  for (const rule of list) {
    // "More" once three hosts are listed and another rule follows, as upstream counts
    if (hosts.length === 3) {
      more = true
      break
    }
    if (rule.host) hosts.push(rule.host)
  }
  if (hosts.length === 0) return "*"
  return more ? `${hosts.join(",")} + ${list.length - 3} more...` : hosts.join(",")
}

/** ADDRESS: distinct load-balancer IPs or hostnames, sorted. */
function ingressAddress(ing: Ingress): string {
  const set = new Set<string>()
  for (const lb of ing.status?.loadBalancer?.ingress ?? []) {
    if (lb.ip) set.add(lb.ip)
    else if (lb.hostname) set.add(lb.hostname)
  }
  return [...set].sort().join(",")
}

/** Ingresses: NAME CLASS HOSTS ADDRESS PORTS AGE. */
export const ingressPrinter: Printer<Ingress> = {
  columns: [
    NAME_COLUMN,
    column(
      "Class",
      "string",
      "The name of the IngressClass resource that should be used for additional configuration",
    ),
    column("Hosts", "string", "Hosts that incoming requests are matched against before the ingress rule"),
    column("Address", "string", "Address is a list containing ingress points for the load-balancer"),
    column("Ports", "string", "Ports of TLS configurations that open"),
    AGE_COLUMN,
  ],
  cells: (ing, { now }) => [
    ing.metadata?.name ?? "",
    ing.spec?.ingressClassName ?? "<none>",
    ingressHosts(ing.spec?.rules),
    ingressAddress(ing),
    (ing.spec?.tls ?? []).length > 0 ? "80, 443" : "80",
    age(ing, now),
  ],
}

/** IngressClasses: NAME CONTROLLER PARAMETERS AGE. */
export const ingressClassPrinter: Printer<IngressClass> = {
  columns: [
    NAME_COLUMN,
    column("Controller", "string", "Controller that is responsible for handling this class"),
    column("Parameters", "string", "A reference to a resource with additional parameters"),
    AGE_COLUMN,
  ],
  cells(ic, { now }) {
    const p = ic.spec?.parameters
    const params = p ? `${p.kind}${p.apiGroup ? `.${p.apiGroup}` : ""}/${p.name}` : "<none>"
    return [ic.metadata?.name ?? "", ic.spec?.controller ?? "", params, age(ic, now)]
  },
}

/** NetworkPolicies: NAME POD-SELECTOR AGE. */
export const networkPolicyPrinter: Printer<NetworkPolicy> = {
  columns: [NAME_COLUMN, column("Pod-Selector", "string", DOCS.npPodSelector), AGE_COLUMN],
  cells: (np, { now }) => [
    np.metadata?.name ?? "",
    formatLabelSelector(np.spec?.podSelector ?? {}),
    age(np, now),
  ],
}

/** ServiceCIDRs: NAME CIDRS AGE. */
export const serviceCIDRPrinter: Printer<ServiceCIDR> = {
  columns: [
    NAME_COLUMN,
    column(
      "CIDRs",
      "string",
      'CIDRs defines the IP blocks in CIDR notation (e.g. "192.168.0.0/24" or "2001:db8::/64") from which to assign service cluster IPs. Max of two CIDRs is allowed, one of each IP family. This field is immutable.',
    ),
    AGE_COLUMN,
  ],
  cells: (c, { now }) => [c.metadata?.name ?? "", (c.spec?.cidrs ?? []).join(","), age(c, now)],
}

/**
 * IPAddresses: NAME PARENTREF, the parent as `resource[.group]/[namespace/]name` (upstream's row
 * also carries an age cell without a column, which kubectl never prints).
 */
export const ipAddressPrinter: Printer<IPAddress> = {
  columns: [
    NAME_COLUMN,
    column(
      "ParentRef",
      "string",
      "ParentRef references the resource that an IPAddress is attached to. An IPAddress must reference a parent object.",
    ),
  ],
  cells(ip) {
    const ref = ip.spec?.parentRef
    let parent = "<none>"
    if (ref) {
      parent = (ref.group ? `${ref.resource ?? ""}.${ref.group}` : (ref.resource ?? "")).toLowerCase()
      if (ref.namespace) parent += `/${ref.namespace}`
      parent += `/${ref.name ?? ""}`
    }
    return [ip.metadata?.name ?? "", parent]
  },
}

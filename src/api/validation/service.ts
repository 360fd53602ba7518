/**
 * Services (core validation's ValidateService and ValidateServiceUpdate): DNS-1035 names,
 * ports, types, session affinity, cluster IPs and families, traffic policies, and the
 * cluster IP and family changes an update may make.
 */
import type { Service, ServicePort, ServiceSpec } from "kubernetes-types/core/v1.js"
import type { FieldError } from "../errors.ts"
import { duplicate, forbidden, invalidValue, notSupported, required } from "../field-errors.ts"
import { child, index, list } from "./_field.ts"
import { validateLabels } from "./labels.ts"
import { isValidCidr, isValidIp, validateNonSpecialIp } from "./net.ts"
import { isDns1123Label, isDns1123Subdomain, isQualifiedName, isValidPortNum, nameIsDns1035Label } from "./names.ts"
import { validateObjectMeta, validateObjectMetaUpdate } from "./object-meta.ts"
import { validatePortNumOrName } from "./probes.ts"

const PROTOCOLS = ["SCTP", "TCP", "UDP"]
const TYPES = ["ClusterIP", "ExternalName", "LoadBalancer", "NodePort"]
const NODE_PORT_RANGE = [30000, 32767] as const
const TRAFFIC_DISTRIBUTIONS = ["PreferClose", "PreferSameNode", "PreferSameZone"]

function isHeadless(spec: ServiceSpec): boolean {
  const ips = list(spec.clusterIPs)
  return ips.length === 1 && ips[0] === "None"
}

function externallyAccessible(spec: ServiceSpec): boolean {
  return spec.type === "LoadBalancer" || spec.type === "NodePort" || (spec.type === "ClusterIP" && list(spec.externalIPs).length > 0)
}

/** Upstream prints its internal ServicePort (no JSON tags) in duplicate-port errors. */
function internalPortKey(p: ServicePort): string {
  return `{"Name":"","Protocol":${JSON.stringify(p.protocol ?? "")},"AppProtocol":null,"Port":${p.port ?? 0},"TargetPort":0,"NodePort":0}`
}

function validatePort(sp: ServicePort, requireName: boolean, names: Set<string>, field: string): FieldError[] {
  const errs: FieldError[] = []
  if (requireName && !sp.name) errs.push(required(child(field, "name"), ""))
  else if (sp.name) {
    errs.push(...isDns1123Label(sp.name).map((m) => invalidValue(child(field, "name"), sp.name, m)))
    if (names.has(sp.name)) errs.push(duplicate(child(field, "name"), sp.name))
    else names.add(sp.name)
  }
  errs.push(...isValidPortNum(sp.port ?? 0).map((m) => invalidValue(child(field, "port"), sp.port ?? 0, m)))
  if (!sp.protocol) errs.push(required(child(field, "protocol"), ""))
  else if (!PROTOCOLS.includes(sp.protocol)) errs.push(notSupported(child(field, "protocol"), sp.protocol, PROTOCOLS))
  errs.push(...validatePortNumOrName(sp.targetPort ?? 0, child(field, "targetPort")))
  if (sp.appProtocol !== undefined) {
    errs.push(...isQualifiedName(sp.appProtocol).map((m) => invalidValue(child(field, "appProtocol"), sp.appProtocol, m)))
  }
  if (sp.nodePort && (sp.nodePort < NODE_PORT_RANGE[0] || sp.nodePort > NODE_PORT_RANGE[1])) {
    errs.push(
      invalidValue(
        child(field, "nodePort"),
        sp.nodePort,
        `provided port is not in the valid range. The range of valid ports is ${NODE_PORT_RANGE[0]}-${NODE_PORT_RANGE[1]}`,
      ),
    )
  }
  return errs
}

function validateClusterIps(spec: ServiceSpec): FieldError[] {
  if (spec.type === "ExternalName") return []
  const errs: FieldError[] = []
  const ips = list(spec.clusterIPs)
  const fld = "spec.clusterIPs"
  if (spec.clusterIP) {
    if (!ips.length) errs.push(required(fld, ""))
    else if (ips[0] !== spec.clusterIP) errs.push(invalidValue(fld, ips, "first value must match `clusterIP`"))
  } else if (ips.length) errs.push(invalidValue(fld, ips, "must be empty when `clusterIP` is not specified"))
  const seen = new Set<string>()
  list(spec.ipFamilies).forEach((f, i) => {
    if (f !== "IPv4" && f !== "IPv6") errs.push(notSupported(index("spec.ipFamilies", i), f, ["IPv4", "IPv6"]))
    if (seen.has(f)) errs.push(duplicate(index("spec.ipFamilies", i), f))
    seen.add(f)
  })
  const policy = spec.ipFamilyPolicy
  if (policy !== undefined && policy !== null && !["PreferDualStack", "RequireDualStack", "SingleStack"].includes(policy)) {
    errs.push(notSupported("spec.ipFamilyPolicy", policy, ["PreferDualStack", "RequireDualStack", "SingleStack"]))
  }
  let bad = false
  ips.forEach((ip, i) => {
    if (i === 0 && ip === "None") {
      if (ips.length > 1) {
        bad = true
        errs.push(invalidValue(fld, ips, "'None' must be the first and only value"))
      }
      return
    }
    const e = isValidIp(ip, index(fld, i))
    if (e.length) bad = true
    errs.push(...e)
  })
  if (ips.length > 2) errs.push(invalidValue(fld, ips, "may only hold up to 2 values"))
  if (bad) return errs
  if (ips.length > 1 && ips[0]?.includes(":") === ips[1]?.includes(":")) {
    errs.push(invalidValue(fld, ips, "may specify no more than one IP for each IP family"))
  }
  if (!isHeadless(spec)) {
    ips.forEach((ip, i) => {
      const fam = list(spec.ipFamilies)[i]
      if (fam === "IPv4" && ip.includes(":")) errs.push(invalidValue(index(fld, i), ip, `expected an IPv4 value as indicated by \`ipFamilies[${i}]\``))
      if (fam === "IPv6" && !ip.includes(":")) errs.push(invalidValue(index(fld, i), ip, `expected an IPv6 value as indicated by \`ipFamilies[${i}]\``))
    })
  }
  return errs
}

/** Rules that depend on the type and come before the ports in upstream's order. */
function validateTypeSpecific(spec: ServiceSpec): FieldError[] {
  const errs: FieldError[] = []
  const type = spec.type
  if ((type === "LoadBalancer" || type === "NodePort") && isHeadless(spec)) {
    errs.push(invalidValue("spec.clusterIPs[0]", "None", `may not be set to 'None' for ${type} services`))
  }
  if (type === "ExternalName") {
    if (list(spec.clusterIPs).length) errs.push(forbidden("spec.clusterIPs", "may not be set for ExternalName services"))
    if (list(spec.ipFamilies).length) errs.push(forbidden("spec.ipFamilies", "may not be set for ExternalName services"))
    if (spec.ipFamilyPolicy) errs.push(forbidden("spec.ipFamilyPolicy", "may not be set for ExternalName services"))
    const cname = (spec.externalName ?? "").replace(/\.$/, "")
    if (cname) errs.push(...isDns1123Subdomain(cname).map((m) => invalidValue("spec.externalName", cname, m)))
    else errs.push(required("spec.externalName", ""))
  }
  return errs
}

/** The type itself, node ports and duplicate ports. */
function validateTypeAndPorts(spec: ServiceSpec): FieldError[] {
  const errs: FieldError[] = []
  const type = spec.type
  if (!type) errs.push(required("spec.type", ""))
  else if (!TYPES.includes(type)) errs.push(notSupported("spec.type", type, TYPES))
  const ports = list(spec.ports)
  if (type === "ClusterIP") {
    ports.forEach((p, i) => {
      if (p.nodePort) errs.push(forbidden(child(index("spec.ports", i), "nodePort"), "may not be used when `type` is 'ClusterIP'"))
    })
  }
  const nodePorts = new Set<string>()
  const portKeys = new Set<string>()
  ports.forEach((p, i) => {
    if (p.nodePort) {
      const k = `${p.protocol}/${p.nodePort}`
      if (nodePorts.has(k)) errs.push(duplicate(child(index("spec.ports", i), "nodePort"), p.nodePort))
      nodePorts.add(k)
    }
    const k = `${p.protocol}/${p.port}`
    if (portKeys.has(k)) {
      errs.push({ type: "FieldValueDuplicate", field: index("spec.ports", i), message: `Duplicate value: ${internalPortKey(p)}` })
    }
    portKeys.add(k)
  })
  return errs
}

function validateLoadBalancerFields(svc: Service): FieldError[] {
  const spec = svc.spec ?? {}
  const errs: FieldError[] = []
  const isLb = spec.type === "LoadBalancer"
  const ranges = list(spec.loadBalancerSourceRanges)
  if (ranges.length) {
    const fld = "spec.LoadBalancerSourceRanges"
    if (!isLb) errs.push(forbidden(fld, "may only be used when `type` is 'LoadBalancer'"))
    ranges.forEach((r, i) => errs.push(...isValidCidr(r.trim(), index(fld, i))))
  }
  if (spec.allocateLoadBalancerNodePorts !== undefined && !isLb) {
    errs.push(forbidden("spec.allocateLoadBalancerNodePorts", "may only be used when `type` is 'LoadBalancer'"))
  }
  if (isLb && spec.allocateLoadBalancerNodePorts === undefined) errs.push(required("allocateLoadBalancerNodePorts", ""))
  if (spec.loadBalancerClass !== undefined && spec.loadBalancerClass !== null) {
    if (isLb) errs.push(...isQualifiedName(spec.loadBalancerClass).map((m) => invalidValue("spec.loadBalancerClass", spec.loadBalancerClass, m)))
    else errs.push(forbidden("spec.loadBalancerClass", "may only be used when `type` is 'LoadBalancer'"))
  }
  const etp = spec.externalTrafficPolicy
  if (!externallyAccessible(spec)) {
    if (etp) errs.push(invalidValue("spec.externalTrafficPolicy", etp, "may only be set for externally-accessible services"))
  } else if (!etp) errs.push(required("spec.externalTrafficPolicy", ""))
  else if (etp !== "Cluster" && etp !== "Local") errs.push(notSupported("spec.externalTrafficPolicy", etp, ["Cluster", "Local"]))
  const needsHealthCheck = isLb && etp === "Local"
  const hc = spec.healthCheckNodePort ?? 0
  if (!needsHealthCheck && hc) {
    errs.push(invalidValue("spec.healthCheckNodePort", hc, "may only be set when `type` is 'LoadBalancer' and `externalTrafficPolicy` is 'Local'"))
  } else if (needsHealthCheck && hc) {
    errs.push(...isValidPortNum(hc).map((m) => invalidValue("spec.healthCheckNodePort", hc, m)))
  }
  return errs
}

/** A Service on create, or on update when `old` is given. */
export function validateService(svc: Service, old?: Service): FieldError[] {
  const spec = svc.spec ?? {}
  const errs = old ? [...validateObjectMetaUpdate(svc.metadata, old.metadata), ...validateServiceUpdate(spec, old.spec ?? {})] : []
  errs.push(...validateObjectMeta(svc.metadata, { namespaced: true, name: nameIsDns1035Label }))
  if (!list(spec.ports).length && !isHeadless(spec) && spec.type !== "ExternalName") errs.push(required("spec.ports", ""))
  errs.push(...validateTypeSpecific(spec))
  const names = new Set<string>()
  const ports = list(spec.ports)
  ports.forEach((p, i) => errs.push(...validatePort(p, ports.length > 1, names, index("spec.ports", i))))
  if (spec.selector) errs.push(...validateLabels(spec.selector, "spec.selector"))
  const affinity = spec.sessionAffinity
  if (!affinity) errs.push(required("spec.sessionAffinity", ""))
  else if (affinity !== "ClientIP" && affinity !== "None") errs.push(notSupported("spec.sessionAffinity", affinity, ["ClientIP", "None"]))
  if (affinity === "ClientIP") {
    const timeout = spec.sessionAffinityConfig?.clientIP?.timeoutSeconds
    const fld = "spec.sessionAffinityConfig"
    if (!spec.sessionAffinityConfig) errs.push(required(fld, "when session affinity type is ClientIP"))
    else if (!spec.sessionAffinityConfig.clientIP) errs.push(required(child(fld, "clientIP"), "when session affinity type is ClientIP"))
    else if (timeout === undefined) errs.push(required(child(fld, "clientIP", "timeoutSeconds"), "when session affinity type is ClientIP"))
    else if (timeout <= 0 || timeout > 86400) {
      errs.push(invalidValue(child(fld, "clientIP", "timeoutSeconds"), timeout, "must be greater than 0 and less than 86400"))
    }
  } else if (affinity === "None" && spec.sessionAffinityConfig) {
    errs.push(forbidden("spec.sessionAffinityConfig", "must not be set when session affinity is None"))
  }
  errs.push(...validateClusterIps(spec))
  list(spec.externalIPs).forEach((ip, i) => {
    const e = isValidIp(ip, index("spec.externalIPs", i))
    errs.push(...(e.length ? e : validateNonSpecialIp(ip, index("spec.externalIPs", i))))
  })
  errs.push(...validateTypeAndPorts(spec))
  errs.push(...validateLoadBalancerFields(svc))
  const itp = spec.internalTrafficPolicy
  if (itp === undefined || itp === null) {
    if (spec.type === "NodePort" || spec.type === "LoadBalancer" || spec.type === "ClusterIP") errs.push(required("spec.internalTrafficPolicy", ""))
  } else if (itp !== "Cluster" && itp !== "Local") errs.push(notSupported("spec.internalTrafficPolicy", itp, ["Cluster", "Local"]))
  const td = spec.trafficDistribution
  if (td !== undefined && td !== null && !TRAFFIC_DISTRIBUTIONS.includes(td)) {
    errs.push(notSupported("spec.trafficDistribution", td, TRAFFIC_DISTRIBUTIONS))
  }
  return errs
}

function validateServiceUpdate(spec: ServiceSpec, old: ServiceSpec): FieldError[] {
  const errs: FieldError[] = []
  if (spec.type === "ExternalName" || old.type === "ExternalName") return errs
  const ips = list(spec.clusterIPs)
  const oldIps = list(old.clusterIPs)
  if (!(isHeadless(spec) && isHeadless(old))) {
    if (ips.length === oldIps.length) {
      oldIps.forEach((ip, i) => {
        if (ip !== ips[i]) errs.push(invalidValue(index("spec.clusterIPs", i), ips, "may not change once set"))
      })
    } else if (oldIps.length > ips.length) {
      if (!ips.length) errs.push(invalidValue("spec.clusterIPs[0]", ips, "primary clusterIP can not be unset"))
      else if (ips[0] !== oldIps[0]) errs.push(invalidValue("spec.clusterIPs[0]", ips, "may not change once set"))
      if (ips.length === 1 && spec.ipFamilyPolicy !== "SingleStack") {
        errs.push(invalidValue("spec.ipFamilyPolicy", spec.ipFamilyPolicy ?? null, "must be set to 'SingleStack' when releasing the secondary clusterIP"))
      }
    } else if (oldIps.length && ips[0] !== oldIps[0]) {
      errs.push(invalidValue("spec.clusterIPs[0]", ips, "may not change once set"))
    }
  }
  if (isHeadless(spec) === isHeadless(old) && !isHeadless(spec)) {
    const fams = list(spec.ipFamilies)
    const oldFams = list(old.ipFamilies)
    if (fams.length === oldFams.length && oldFams.some((f, i) => f !== fams[i])) {
      errs.push(invalidValue("spec.ipFamilies[0]", fams, "may not change once set"))
    }
  }
  if (spec.type === "LoadBalancer" && old.type === "LoadBalancer" && (spec.loadBalancerClass ?? null) !== (old.loadBalancerClass ?? null)) {
    errs.push(invalidValue("spec.loadBalancerClass", spec.loadBalancerClass ?? null, "may not change once set"))
  }
  const lbLocal = (s: ServiceSpec): boolean => s.type === "LoadBalancer" && s.externalTrafficPolicy === "Local"
  if (lbLocal(spec) && lbLocal(old) && spec.healthCheckNodePort !== old.healthCheckNodePort) {
    errs.push(forbidden("spec.healthCheckNodePort", "field is immutable"))
  }
  return errs
}

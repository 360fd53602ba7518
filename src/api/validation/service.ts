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
import { isDns1123Label, isDns1123Subdomain, isQualifiedName, nameIsDns1035Label } from "./names.ts"
import { isValidPortNum } from "./formats.ts"
import { validateObjectMeta, validateObjectMetaUpdate } from "./object-meta.ts"
import { validatePortNumOrName } from "./probes.ts"
import { isHeadless, validateClusterIps, validateServiceIpUpdate } from "./service-ips.ts"

const PROTOCOLS = ["SCTP", "TCP", "UDP"]
const TYPES = ["ClusterIP", "ExternalName", "LoadBalancer", "NodePort"]
const NODE_PORT_RANGE = [30000, 32767] as const
const TRAFFIC_DISTRIBUTIONS = ["PreferClose", "PreferSameNode", "PreferSameZone"]

function externallyAccessible(spec: ServiceSpec): boolean {
  return (
    spec.type === "LoadBalancer" ||
    spec.type === "NodePort" ||
    (spec.type === "ClusterIP" && list(spec.externalIPs).length > 0)
  )
}

/** Upstream prints its internal ServicePort (no JSON tags) in duplicate-port errors. */
function internalPortKey(p: ServicePort): string {
  return `{"Name":"","Protocol":${JSON.stringify(p.protocol ?? "")},"AppProtocol":null,"Port":${p.port ?? 0},"TargetPort":0,"NodePort":0}`
}

function validatePort(
  sp: ServicePort,
  requireName: boolean,
  names: Set<string>,
  field: string,
): FieldError[] {
  const errs: FieldError[] = []
  if (requireName && !sp.name) errs.push(required(child(field, "name"), ""))
  else if (sp.name) {
    errs.push(...isDns1123Label(sp.name).map((m) => invalidValue(child(field, "name"), sp.name, m)))
    if (names.has(sp.name)) errs.push(duplicate(child(field, "name"), sp.name))
    else names.add(sp.name)
  }
  errs.push(...isValidPortNum(sp.port ?? 0).map((m) => invalidValue(child(field, "port"), sp.port ?? 0, m)))
  if (!sp.protocol) errs.push(required(child(field, "protocol"), ""))
  else if (!PROTOCOLS.includes(sp.protocol))
    errs.push(notSupported(child(field, "protocol"), sp.protocol, PROTOCOLS))
  errs.push(...validatePortNumOrName(sp.targetPort ?? 0, child(field, "targetPort")))
  if (sp.appProtocol !== undefined) {
    errs.push(
      ...isQualifiedName(sp.appProtocol).map((m) =>
        invalidValue(child(field, "appProtocol"), sp.appProtocol, m),
      ),
    )
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

/** Rules that depend on the type and come before the ports in upstream's order. */
function validateTypeSpecific(spec: ServiceSpec): FieldError[] {
  const errs: FieldError[] = []
  const type = spec.type
  if ((type === "LoadBalancer" || type === "NodePort") && isHeadless(spec)) {
    errs.push(invalidValue("spec.clusterIPs[0]", "None", `may not be set to 'None' for ${type} services`))
  }
  if (type === "ExternalName") {
    if (list(spec.clusterIPs).length)
      errs.push(forbidden("spec.clusterIPs", "may not be set for ExternalName services"))
    if (list(spec.ipFamilies).length)
      errs.push(forbidden("spec.ipFamilies", "may not be set for ExternalName services"))
    if (spec.ipFamilyPolicy)
      errs.push(forbidden("spec.ipFamilyPolicy", "may not be set for ExternalName services"))
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
      if (p.nodePort)
        errs.push(
          forbidden(child(index("spec.ports", i), "nodePort"), "may not be used when `type` is 'ClusterIP'"),
        )
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
      errs.push({
        type: "FieldValueDuplicate",
        field: index("spec.ports", i),
        message: `Duplicate value: ${internalPortKey(p)}`,
      })
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
    errs.push(
      forbidden("spec.allocateLoadBalancerNodePorts", "may only be used when `type` is 'LoadBalancer'"),
    )
  }
  if (isLb && spec.allocateLoadBalancerNodePorts === undefined)
    errs.push(required("allocateLoadBalancerNodePorts", ""))
  if (spec.loadBalancerClass !== undefined && spec.loadBalancerClass !== null) {
    if (isLb)
      errs.push(
        ...isQualifiedName(spec.loadBalancerClass).map((m) =>
          invalidValue("spec.loadBalancerClass", spec.loadBalancerClass, m),
        ),
      )
    else errs.push(forbidden("spec.loadBalancerClass", "may only be used when `type` is 'LoadBalancer'"))
  }
  errs.push(...validateExternalTraffic(spec))
  return errs
}

function validateExternalTraffic(spec: ServiceSpec): FieldError[] {
  const errs: FieldError[] = []
  const etp = spec.externalTrafficPolicy
  if (!externallyAccessible(spec)) {
    if (etp)
      errs.push(
        invalidValue("spec.externalTrafficPolicy", etp, "may only be set for externally-accessible services"),
      )
  } else if (!etp) errs.push(required("spec.externalTrafficPolicy", ""))
  else if (etp !== "Cluster" && etp !== "Local")
    errs.push(notSupported("spec.externalTrafficPolicy", etp, ["Cluster", "Local"]))
  const needsHealthCheck = spec.type === "LoadBalancer" && etp === "Local"
  const hc = spec.healthCheckNodePort ?? 0
  if (!needsHealthCheck && hc) {
    errs.push(
      invalidValue(
        "spec.healthCheckNodePort",
        hc,
        "may only be set when `type` is 'LoadBalancer' and `externalTrafficPolicy` is 'Local'",
      ),
    )
  } else if (needsHealthCheck && hc) {
    errs.push(...isValidPortNum(hc).map((m) => invalidValue("spec.healthCheckNodePort", hc, m)))
  }
  return errs
}

/** A Service on create, or on update when `old` is given. */
export function validateService(svc: Service, old?: Service): FieldError[] {
  const spec = svc.spec ?? {}
  const errs = old
    ? [
        ...validateObjectMetaUpdate(svc.metadata, old.metadata),
        ...validateServiceUpdate(spec, old.spec ?? {}),
      ]
    : []
  errs.push(...validateObjectMeta(svc.metadata, { namespaced: true, name: nameIsDns1035Label }))
  if (!list(spec.ports).length && !isHeadless(spec) && spec.type !== "ExternalName")
    errs.push(required("spec.ports", ""))
  errs.push(...validateTypeSpecific(spec))
  const names = new Set<string>()
  const ports = list(spec.ports)
  ports.forEach((p, i) => errs.push(...validatePort(p, ports.length > 1, names, index("spec.ports", i))))
  if (spec.selector) errs.push(...validateLabels(spec.selector, "spec.selector"))
  errs.push(...validateSessionAffinity(spec))
  errs.push(...validateClusterIps(spec))
  list(spec.externalIPs).forEach((ip, i) => {
    const e = isValidIp(ip, index("spec.externalIPs", i))
    errs.push(...(e.length ? e : validateNonSpecialIp(ip, index("spec.externalIPs", i))))
  })
  errs.push(...validateTypeAndPorts(spec))
  errs.push(...validateLoadBalancerFields(svc))
  errs.push(...validateTrafficPolicies(spec))
  return errs
}

function validateSessionAffinity(spec: ServiceSpec): FieldError[] {
  const errs: FieldError[] = []
  const affinity = spec.sessionAffinity
  if (!affinity) errs.push(required("spec.sessionAffinity", ""))
  else if (affinity !== "ClientIP" && affinity !== "None")
    errs.push(notSupported("spec.sessionAffinity", affinity, ["ClientIP", "None"]))
  if (affinity === "ClientIP") {
    const timeout = spec.sessionAffinityConfig?.clientIP?.timeoutSeconds
    const fld = "spec.sessionAffinityConfig"
    if (!spec.sessionAffinityConfig) errs.push(required(fld, "when session affinity type is ClientIP"))
    else if (!spec.sessionAffinityConfig.clientIP)
      errs.push(required(child(fld, "clientIP"), "when session affinity type is ClientIP"))
    else if (timeout === undefined)
      errs.push(required(child(fld, "clientIP", "timeoutSeconds"), "when session affinity type is ClientIP"))
    else if (timeout <= 0 || timeout > 86400) {
      errs.push(
        invalidValue(
          child(fld, "clientIP", "timeoutSeconds"),
          timeout,
          "must be greater than 0 and less than 86400",
        ),
      )
    }
  } else if (affinity === "None" && spec.sessionAffinityConfig) {
    errs.push(forbidden("spec.sessionAffinityConfig", "must not be set when session affinity is None"))
  }
  return errs
}

function validateTrafficPolicies(spec: ServiceSpec): FieldError[] {
  const errs: FieldError[] = []
  const itp = spec.internalTrafficPolicy
  if (itp === undefined || itp === null) {
    if (spec.type === "NodePort" || spec.type === "LoadBalancer" || spec.type === "ClusterIP")
      errs.push(required("spec.internalTrafficPolicy", ""))
  } else if (itp !== "Cluster" && itp !== "Local")
    errs.push(notSupported("spec.internalTrafficPolicy", itp, ["Cluster", "Local"]))
  const td = spec.trafficDistribution
  if (td !== undefined && td !== null && !TRAFFIC_DISTRIBUTIONS.includes(td)) {
    errs.push(notSupported("spec.trafficDistribution", td, TRAFFIC_DISTRIBUTIONS))
  }
  return errs
}

function validateServiceUpdate(spec: ServiceSpec, old: ServiceSpec): FieldError[] {
  const errs = validateServiceIpUpdate(spec, old)
  if (
    spec.type === "LoadBalancer" &&
    old.type === "LoadBalancer" &&
    (spec.loadBalancerClass ?? null) !== (old.loadBalancerClass ?? null)
  ) {
    errs.push(
      invalidValue("spec.loadBalancerClass", spec.loadBalancerClass ?? null, "may not change once set"),
    )
  }
  const lbLocal = (s: ServiceSpec): boolean =>
    s.type === "LoadBalancer" && s.externalTrafficPolicy === "Local"
  if (lbLocal(spec) && lbLocal(old) && spec.healthCheckNodePort !== old.healthCheckNodePort) {
    errs.push(forbidden("spec.healthCheckNodePort", "field is immutable"))
  }
  return errs
}

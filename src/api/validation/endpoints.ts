/**
 * Endpoints (core) and EndpointSlices (discovery.k8s.io): addresses that are real, non-special
 * IPs, named ports when there are several, valid protocols, and a fixed slice address type.
 */
import type { EndpointAddress, EndpointPort, Endpoints } from "kubernetes-types/core/v1.js"
import type { EndpointSlice } from "kubernetes-types/discovery/v1.js"
import type { FieldError } from "../errors.ts"
import { duplicate, invalidValue, notSupported, required, tooMany } from "../field-errors.ts"
import { child, immutable, index, list } from "./_field.ts"
import { validateLabels } from "./labels.ts"
import { isValidIp, isValidIpv4, isValidIpv6, validateNonSpecialIp } from "./net.ts"

/** Pods of the unprivileged runtime live on loopback addresses (see validateNonSpecialIp). */
const LOOPBACK_OK = { allowLoopback: true }
import { isDns1123Label, isDns1123Subdomain, isQualifiedName, nameIsDnsSubdomain } from "./names.ts"
import { isValidPortNum } from "./formats.ts"
import { validateObjectMeta, validateObjectMetaUpdate } from "./object-meta.ts"

const PROTOCOLS = ["SCTP", "TCP", "UDP"]

function validateAddress(a: EndpointAddress, field: string): FieldError[] {
  const errs = isValidIp(a.ip ?? "", child(field, "ip"))
  if (a.hostname)
    errs.push(...isDns1123Label(a.hostname).map((m) => invalidValue(child(field, "hostname"), a.hostname, m)))
  if (a.nodeName !== undefined && a.nodeName !== null) {
    errs.push(
      ...isDns1123Subdomain(a.nodeName).map((m) => invalidValue(child(field, "nodeName"), a.nodeName, m)),
    )
  }
  errs.push(...validateNonSpecialIp(a.ip ?? "", child(field, "ip"), LOOPBACK_OK))
  return errs
}

function validatePort(p: EndpointPort, requireName: boolean, field: string): FieldError[] {
  const errs: FieldError[] = []
  if (requireName && !p.name) errs.push(required(child(field, "name"), ""))
  else if (p.name)
    errs.push(...isDns1123Label(p.name).map((m) => invalidValue(child(field, "name"), p.name, m)))
  errs.push(...isValidPortNum(p.port ?? 0).map((m) => invalidValue(child(field, "port"), p.port ?? 0, m)))
  if (!p.protocol) errs.push(required(child(field, "protocol"), ""))
  else if (!PROTOCOLS.includes(p.protocol))
    errs.push(notSupported(child(field, "protocol"), p.protocol, PROTOCOLS))
  if (p.appProtocol !== undefined) {
    errs.push(
      ...isQualifiedName(p.appProtocol).map((m) =>
        invalidValue(child(field, "appProtocol"), p.appProtocol, m),
      ),
    )
  }
  return errs
}

/** Endpoints on create, or on update when `old` is given. */
export function validateEndpoints(ep: Endpoints, old?: Endpoints): FieldError[] {
  const errs = old ? validateObjectMetaUpdate(ep.metadata, old.metadata) : []
  errs.push(...validateObjectMeta(ep.metadata, { namespaced: true, name: nameIsDnsSubdomain }))
  list(ep.subsets).forEach((ss, i) => {
    const p = index("subsets", i)
    if (!list(ss.addresses).length && !list(ss.notReadyAddresses).length) {
      errs.push(required(p, "must specify `addresses` or `notReadyAddresses`"))
    }
    list(ss.addresses).forEach((a, j) => errs.push(...validateAddress(a, index(child(p, "addresses"), j))))
    list(ss.notReadyAddresses).forEach((a, j) =>
      errs.push(...validateAddress(a, index(child(p, "notReadyAddresses"), j))),
    )
    const ports = list(ss.ports)
    ports.forEach((port, j) =>
      errs.push(...validatePort(port, ports.length > 1, index(child(p, "ports"), j))),
    )
  })
  return errs
}

const ADDRESS_TYPES = ["FQDN", "IPv4", "IPv6"]

function isFqdn(value: string, field: string): FieldError[] {
  if (!value) return [required(field, "")]
  const name = value.endsWith(".") ? value.slice(0, -1) : value
  const msgs = isDns1123Subdomain(name)
  if (msgs.length) return [invalidValue(field, name, msgs.join(","))]
  const labels = name.split(".")
  if (labels.length < 2)
    return [invalidValue(field, name, "should be a domain with at least two segments separated by dots")]
  for (const l of labels) {
    const e = isDns1123Label(l)
    if (e.length) return [invalidValue(field, l, e.join(","))]
  }
  return []
}

/** An EndpointSlice on create, or on update when `old` is given. */
export function validateEndpointSlice(slice: EndpointSlice, old?: EndpointSlice): FieldError[] {
  const errs = old ? validateObjectMetaUpdate(slice.metadata, old.metadata) : []
  errs.push(...validateObjectMeta(slice.metadata, { namespaced: true, name: nameIsDnsSubdomain }))
  const type = slice.addressType ?? ""
  // The deprecated "IP" type is only kept by existing slices
  const allowed = old ? [...ADDRESS_TYPES, "IP"].sort() : ADDRESS_TYPES
  if (!type) errs.push(required("addressType", ""))
  else if (!allowed.includes(type)) errs.push(notSupported("addressType", type, allowed))
  const endpoints = list(slice.endpoints)
  if (endpoints.length > 1000) errs.push(tooMany("endpoints", endpoints.length, 1000))
  else {
    endpoints.forEach((ep, i) => {
      const p = index("endpoints", i)
      const addrs = list(ep.addresses)
      const ap = child(p, "addresses")
      if (!addrs.length) errs.push(required(ap, "must contain at least 1 address"))
      else if (addrs.length > 100) errs.push(tooMany(ap, addrs.length, 100))
      addrs.forEach((a, j) => {
        const f = index(ap, j)
        if (type === "IPv4") errs.push(...isValidIpv4(a, f), ...validateNonSpecialIp(a, f, LOOPBACK_OK))
        else if (type === "IPv6") errs.push(...isValidIpv6(a, f), ...validateNonSpecialIp(a, f, LOOPBACK_OK))
        else if (type === "FQDN") errs.push(...isFqdn(a, f))
        else if (type === "IP") errs.push(...isValidIp(a, f))
      })
      // v1 calls it deprecatedTopology; upstream validates the internal `topology`
      const topology = ep.deprecatedTopology
      if (topology && Object.keys(topology).length > 16)
        errs.push(tooMany(child(p, "topology"), Object.keys(topology).length, 16))
      errs.push(...validateLabels(topology, child(p, "topology")))
      if (ep.hostname !== undefined && ep.hostname !== null) {
        errs.push(
          ...isDns1123Label(ep.hostname).map((m) => invalidValue(child(p, "hostname"), ep.hostname, m)),
        )
      }
    })
  }
  const ports = list(slice.ports)
  if (ports.length > 100) errs.push(tooMany("ports", ports.length, 100))
  else {
    const names = new Set<string>()
    ports.forEach((port, i) => {
      const p = index("ports", i)
      const name = port.name ?? ""
      if (name) errs.push(...isDns1123Label(name).map((m) => invalidValue(child(p, "name"), name, m)))
      if (names.has(name)) errs.push(duplicate(child(p, "name"), name))
      names.add(name)
      if (!port.protocol) errs.push(required(child(p, "protocol"), ""))
      else if (!PROTOCOLS.includes(port.protocol))
        errs.push(notSupported(child(p, "protocol"), port.protocol, PROTOCOLS))
      if (port.appProtocol !== undefined) {
        errs.push(
          ...isQualifiedName(port.appProtocol).map((m) =>
            invalidValue(child(p, "appProtocol"), port.appProtocol, m),
          ),
        )
      }
    })
  }
  if (old) errs.push(...immutable("addressType", type, old.addressType ?? ""))
  return errs
}

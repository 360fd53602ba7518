/**
 * NetworkPolicies (networking validation): the pod selector, rule ports and peers, IP blocks
 * whose exceptions lie inside them, and policy types.
 */
import { isIP } from "node:net"
import type {
  IPBlock,
  NetworkPolicy,
  NetworkPolicyPeer,
  NetworkPolicyPort,
} from "kubernetes-types/networking/v1.js"
import type { FieldError } from "../errors.ts"
import { forbidden, invalidValue, notSupported, required } from "../field-errors.ts"
import { child, index, list } from "./_field.ts"
import { validateLabelSelector } from "./labels.ts"
import { isValidCidr } from "./net.ts"
import { nameIsDnsSubdomain } from "./names.ts"
import { isValidPortName, isValidPortNum } from "./formats.ts"
import { validateObjectMeta, validateObjectMetaUpdate } from "./object-meta.ts"

function ipv4ToInt(ip: string): number {
  return ip.split(".").reduce((acc, o) => acc * 256 + Number(o), 0)
}

function validateIpBlock(b: IPBlock, field: string): FieldError[] {
  if (!b.cidr) return [required(child(field, "cidr"), "")]
  const errs = isValidCidr(b.cidr, child(field, "cidr"))
  if (errs.length) return errs
  const [ip = "", bits = "0"] = b.cidr.split("/")
  list(b.except).forEach((e, i) => {
    const p = index(child(field, "except"), i)
    const ee = isValidCidr(e, p)
    errs.push(...ee)
    if (ee.length || isIP(ip) !== 4 || isIP(e.split("/")[0] ?? "") !== 4) return
    const [eip = "", ebits = "0"] = e.split("/")
    const mask = Number(bits)
    const within = mask === 0 || ipv4ToInt(eip) >>> (32 - mask) === ipv4ToInt(ip) >>> (32 - mask)
    if (!within || mask >= Number(ebits)) errs.push(invalidValue(p, e, "must be a strict subset of `cidr`"))
  })
  return errs
}

function validatePolicyPort(port: NetworkPolicyPort, field: string): FieldError[] {
  const errs: FieldError[] = []
  if (port.protocol !== undefined && !["TCP", "UDP", "SCTP"].includes(port.protocol)) {
    errs.push(notSupported(child(field, "protocol"), port.protocol, ["TCP", "UDP", "SCTP"]))
  }
  const p = port.port
  if (p === undefined) {
    if (port.endPort !== undefined)
      errs.push(
        invalidValue(
          child(field, "endPort"),
          port.endPort,
          "may not be specified when `port` is not specified",
        ),
      )
  } else if (typeof p === "number") {
    errs.push(...isValidPortNum(p).map((m) => invalidValue(child(field, "port"), p, m)))
    if (port.endPort !== undefined) {
      if (port.endPort < p)
        errs.push(invalidValue(child(field, "endPort"), p, "must be greater than or equal to `port`"))
      errs.push(
        ...isValidPortNum(port.endPort).map((m) => invalidValue(child(field, "endPort"), port.endPort, m)),
      )
    }
  } else {
    if (port.endPort !== undefined)
      errs.push(
        invalidValue(
          child(field, "endPort"),
          port.endPort,
          "may not be specified when `port` is non-numeric",
        ),
      )
    errs.push(...isValidPortName(p).map((m) => invalidValue(child(field, "port"), p, m)))
  }
  return errs
}

function validatePeer(peer: NetworkPolicyPeer, field: string): FieldError[] {
  const errs: FieldError[] = []
  let n = 0
  if (peer.podSelector) {
    n++
    errs.push(...validateLabelSelector(peer.podSelector, child(field, "podSelector")))
  }
  if (peer.namespaceSelector) {
    n++
    errs.push(...validateLabelSelector(peer.namespaceSelector, child(field, "namespaceSelector")))
  }
  if (peer.ipBlock) {
    n++
    errs.push(...validateIpBlock(peer.ipBlock, child(field, "ipBlock")))
  }
  if (n === 0) errs.push(required(field, "must specify a peer"))
  else if (n > 1 && peer.ipBlock) errs.push(forbidden(field, "may not specify both ipBlock and another peer"))
  return errs
}

/** A NetworkPolicy on create, or on update when `old` is given. */
export function validateNetworkPolicy(np: NetworkPolicy, old?: NetworkPolicy): FieldError[] {
  const spec = np.spec ?? ({} as NonNullable<NetworkPolicy["spec"]>)
  const errs = old ? validateObjectMetaUpdate(np.metadata, old.metadata) : []
  errs.push(...validateObjectMeta(np.metadata, { namespaced: true, name: nameIsDnsSubdomain }))
  errs.push(...validateLabelSelector(spec.podSelector, "spec.podSelector"))
  for (const [dir, peers] of [
    ["ingress", "from"],
    ["egress", "to"],
  ] as const) {
    list(
      spec[dir] as
        { ports?: NetworkPolicyPort[]; from?: NetworkPolicyPeer[]; to?: NetworkPolicyPeer[] }[] | undefined,
    ).forEach((rule, i) => {
      const p = index(`spec.${dir}`, i)
      list(rule.ports).forEach((port, j) =>
        errs.push(...validatePolicyPort(port, index(child(p, "ports"), j))),
      )
      list(rule[peers]).forEach((peer, j) => errs.push(...validatePeer(peer, index(child(p, peers), j))))
    })
  }
  const types = list(spec.policyTypes)
  if (types.length > 2)
    return [...errs, invalidValue("spec.policyTypes", types, "may not specify more than two policyTypes")]
  types.forEach((t, i) => {
    if (t !== "Ingress" && t !== "Egress")
      errs.push(notSupported(index("spec.policyTypes", i), t, ["Ingress", "Egress"]))
  })
  return errs
}

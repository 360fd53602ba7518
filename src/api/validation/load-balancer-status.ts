/**
 * A Service's status writes (core validation's ValidateServiceStatusUpdate): metadata may not
 * change, and status.loadBalancer.ingress is only for LoadBalancer services, each entry a valid
 * IP with an ipMode (VIP or Proxy) or a DNS hostname that is not an IP.
 */
import type { LoadBalancerStatus, Service } from "kubernetes-types/core/v1.js"
import type { FieldError } from "../errors.ts"
import { forbidden, invalidValue, notSupported, required } from "../field-errors.ts"
import { parseIp } from "../../util/index.ts"
import { child, index, list, pushInvalid } from "./_field.ts"
import { isValidIp } from "./net.ts"
import { isDns1123Subdomain } from "./names.ts"
import { validateObjectMetaUpdate } from "./object-meta.ts"

const IP_MODES = ["Proxy", "VIP"]

/** A load balancer status of a Service of type `type`, at `field`. */
export function validateLoadBalancerStatus(
  status: LoadBalancerStatus | undefined,
  field: string,
  type: string | undefined,
): FieldError[] {
  const ingress = list(status?.ingress)
  const path = child(field, "ingress")
  // The AllowServiceLBStatusOnNonLB gate that lifted this is locked off.
  if (type !== "LoadBalancer" && ingress.length)
    return [forbidden(path, "may only be used when `spec.type` is 'LoadBalancer'")]
  const errs: FieldError[] = []
  ingress.forEach((ing, i) => {
    const at = index(path, i)
    const ip = ing.ip ?? ""
    if (ip) errs.push(...isValidIp(ip, child(at, "ip")))
    const mode = ing.ipMode
    if (mode === undefined || mode === null) {
      if (ip) errs.push(required(child(at, "ipMode"), "must be specified when `ip` is set"))
    } else if (!ip) errs.push(forbidden(child(at, "ipMode"), "may not be specified when `ip` is not set"))
    else if (!IP_MODES.includes(mode)) errs.push(notSupported(child(at, "ipMode"), mode, IP_MODES))
    const host = ing.hostname ?? ""
    if (host) {
      pushInvalid(errs, child(at, "hostname"), host, isDns1123Subdomain(host))
      if (parseIp(host, { sloppy: true }))
        errs.push(invalidValue(child(at, "hostname"), host, "must be a DNS name, not an IP address"))
    }
  })
  return errs
}

/** A write of a Service's status: its metadata and its load balancer status. */
export function validateServiceStatusUpdate(svc: Service, old: Service): FieldError[] {
  return [
    ...validateObjectMetaUpdate(svc.metadata, old.metadata),
    ...validateLoadBalancerStatus(svc.status?.loadBalancer, "status.loadBalancer", svc.spec?.type),
  ]
}

/**
 * Ingresses and IngressClasses (networking validation): rules, hosts, paths and backends;
 * class controllers and parameters.
 */
import { isIP } from "node:net"
import type { Ingress, IngressBackend, IngressClass } from "kubernetes-types/networking/v1.js"
import type { FieldError } from "../errors.ts"
import { forbidden, invalidValue, notSupported, required, tooLong } from "../field-errors.ts"
import { child, immutable, index, list } from "./_field.ts"
import {
  isDns1035Label,
  isDns1123Subdomain,
  isWildcardDns1123Subdomain,
  nameIsDnsSubdomain,
} from "./names.ts"
import { isValidPortName, isValidPortNum } from "./formats.ts"
import { validateObjectMeta, validateObjectMetaUpdate } from "./object-meta.ts"

const PATH_TYPES = ["Exact", "ImplementationSpecific", "Prefix"]

function validateHost(host: string, field: string): FieldError[] {
  if (host.includes("*")) return isWildcardDns1123Subdomain(host).map((m) => invalidValue(field, host, m))
  return isDns1123Subdomain(host).map((m) => invalidValue(field, host, m))
}

function validateBackend(b: IngressBackend, field: string): FieldError[] {
  const errs: FieldError[] = []
  if (b.resource && b.service)
    return [invalidValue(field, "", "cannot set both resource and service backends")]
  if (b.resource) {
    if (!b.resource.kind) errs.push(required(child(field, "resource", "kind"), ""))
    if (!b.resource.name) errs.push(required(child(field, "resource", "name"), ""))
    const group = b.resource.apiGroup
    if (group)
      errs.push(
        ...isDns1123Subdomain(group).map((m) => invalidValue(child(field, "resource", "apiGroup"), group, m)),
      )
    return errs
  }
  if (!b.service) return [invalidValue(field, "", "resource or service backend is required")]
  const name = b.service.name ?? ""
  if (!name) errs.push(required(child(field, "service", "name"), ""))
  else errs.push(...isDns1035Label(name).map((m) => invalidValue(child(field, "service", "name"), name, m)))
  const port = b.service.port ?? {}
  if (port.name && port.number) errs.push(invalidValue(field, "", "cannot set both port name & port number"))
  else if (port.name)
    errs.push(
      ...isValidPortName(port.name).map((m) =>
        invalidValue(child(field, "service", "port", "name"), port.name, m),
      ),
    )
  else if (port.number)
    errs.push(
      ...isValidPortNum(port.number).map((m) =>
        invalidValue(child(field, "service", "port", "number"), port.number, m),
      ),
    )
  else errs.push(required(field, "port name or number is required"))
  return errs
}

function validateRules(ing: Ingress, field: string): FieldError[] {
  const errs: FieldError[] = []
  list(ing.spec?.rules).forEach((rule, i) => {
    const p = index(field, i)
    if (rule.host) {
      if (isIP(rule.host))
        errs.push(invalidValue(child(p, "host"), rule.host, "must be a DNS name, not an IP address"))
      errs.push(...validateHost(rule.host, child(p, "host")))
    }
    if (!rule.http) return
    const paths = list(rule.http.paths)
    if (!paths.length) errs.push(required(child(p, "http", "paths"), ""))
    paths.forEach((hp, j) => {
      const pp = index(child(p, "http", "paths"), j)
      const type = hp.pathType
      const path = hp.path ?? ""
      if (!type) {
        errs.push(required(child(pp, "pathType"), "pathType must be specified"))
        return
      }
      if (type === "Exact" || type === "Prefix") {
        if (!path.startsWith("/"))
          errs.push(invalidValue(child(pp, "path"), path, "must be an absolute path"))
        for (const seq of ["//", "/./", "/../", "%2f", "%2F"]) {
          if (path.includes(seq))
            errs.push(invalidValue(child(pp, "path"), path, `must not contain '${seq}'`))
        }
        for (const suffix of ["/..", "/."]) {
          if (path.endsWith(suffix))
            errs.push(invalidValue(child(pp, "path"), path, `cannot end with '${suffix}'`))
        }
      } else if (type === "ImplementationSpecific") {
        if (path && !path.startsWith("/"))
          errs.push(invalidValue(child(pp, "path"), path, "must be an absolute path"))
      } else errs.push(notSupported(child(pp, "pathType"), type, PATH_TYPES))
      errs.push(...validateBackend(hp.backend ?? {}, child(pp, "backend")))
    })
  })
  return errs
}

/** An Ingress on create, or on update when `old` is given. */
export function validateIngress(ing: Ingress, old?: Ingress): FieldError[] {
  const spec = ing.spec ?? {}
  const errs = old ? validateObjectMetaUpdate(ing.metadata, old.metadata) : []
  errs.push(...validateObjectMeta(ing.metadata, { namespaced: true, name: nameIsDnsSubdomain }))
  if (!list(spec.rules).length && !spec.defaultBackend) {
    errs.push(
      invalidValue("spec", spec.rules ?? null, "either `defaultBackend` or `rules` must be specified"),
    )
  }
  if (spec.defaultBackend) errs.push(...validateBackend(spec.defaultBackend, "spec.defaultBackend"))
  errs.push(...validateRules(ing, "spec.rules"))
  list(spec.tls).forEach((tls, i) => {
    const p = index("spec.tls", i)
    list(tls.hosts).forEach((h, j) => errs.push(...validateHost(h, index(child(p, "hosts"), j))))
    if (tls.secretName)
      errs.push(
        ...isDns1123Subdomain(tls.secretName).map((m) =>
          invalidValue(child(p, "secretName"), tls.secretName, m),
        ),
      )
  })
  if (spec.ingressClassName !== undefined) {
    errs.push(
      ...isDns1123Subdomain(spec.ingressClassName).map((m) =>
        invalidValue("spec.ingressClassName", spec.ingressClassName, m),
      ),
    )
  }
  const annotation = ing.metadata?.annotations?.["kubernetes.io/ingress.class"]
  if (
    !old &&
    annotation !== undefined &&
    spec.ingressClassName !== undefined &&
    annotation !== spec.ingressClassName
  ) {
    errs.push(
      invalidValue(
        "annotations.kubernetes.io/ingress.class",
        annotation,
        "must match `ingressClassName` when both are specified",
      ),
    )
  }
  return errs
}

/** An IngressClass: a domain-prefixed controller that never changes. */
export function validateIngressClass(ic: IngressClass, old?: IngressClass): FieldError[] {
  const errs = old ? validateObjectMetaUpdate(ic.metadata, old.metadata) : []
  errs.push(...validateObjectMeta(ic.metadata, { namespaced: false, name: nameIsDnsSubdomain }))
  const controller = ic.spec?.controller ?? ""
  const field = "spec.controller"
  if (controller.length > 250) errs.push(tooLong(field, 250))
  if (!controller) errs.push(required(field, ""))
  else {
    const slash = controller.indexOf("/")
    const host = controller.slice(0, slash)
    if (slash <= 0 || slash === controller.length - 1)
      errs.push(invalidValue(field, controller, 'must be a domain-prefixed path (such as "acme.io/foo")'))
    else errs.push(...isDns1123Subdomain(host).map((m) => invalidValue(field, host, m)))
  }
  errs.push(...validateClassParameters(ic))
  if (old) errs.push(...immutable(field, controller, old.spec?.controller ?? ""))
  return errs
}

function validateClassParameters(ic: IngressClass): FieldError[] {
  const errs: FieldError[] = []
  const params = ic.spec?.parameters
  if (params) {
    if (!params.kind) errs.push(required("spec.parameters.kind", ""))
    if (!params.name) errs.push(required("spec.parameters.name", ""))
    const scope = params.scope
    if (scope !== undefined && scope !== "Cluster" && scope !== "Namespace")
      errs.push(notSupported("spec.parameters.scope", scope, ["Cluster", "Namespace"]))
    if (scope === "Namespace" && !params.namespace)
      errs.push(required("spec.parameters.namespace", "`parameters.scope` is set to 'Namespace'"))
    if (scope !== "Namespace" && params.namespace)
      errs.push(forbidden("spec.parameters.namespace", "`parameters.scope` is set to 'Cluster'"))
  }
  return errs
}

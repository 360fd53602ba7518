/**
 * A pod spec, in a Pod or in any template (core validation's ValidatePodSpec): volumes,
 * containers, policies, scheduling constraints, DNS settings and the names it refers to.
 */
import type { Container, PodDNSConfig, PodSpec } from "kubernetes-types/core/v1.js"
import type { FieldError } from "../errors.ts"
import { duplicate, forbidden, invalidValue, notSupported, required } from "../field-errors.ts"
import { child, deepEqual, index, list, pushInvalid } from "./_field.ts"
import { type ContainerContext, validateContainers, validateInitContainers } from "./container.ts"
import { validateEphemeralContainers } from "./ephemeral-containers.ts"
import { validateLabelName, validateLabels } from "./labels.ts"
import { isValidIp } from "./net.ts"
import {
  inclusiveRangeError,
  isDns1123Label,
  isDns1123Subdomain,
  isDns1123SubdomainWithUnderscore,
} from "./names.ts"
import { validatePodResourceRequirements, validateResourceRequirements } from "./resources.ts"
import { validateAffinity, validateTolerations, validateTopologySpread } from "./scheduling.ts"
import { validatePodSecurityContext } from "./security-context.ts"
import { validateVolumes } from "./volumes.ts"

const RESTART_POLICIES = ["Always", "OnFailure", "Never"]
const DNS_POLICIES = ["ClusterFirstWithHostNet", "ClusterFirst", "Default", "None"]
const PREEMPTION_POLICIES = ["PreemptLowerPriority", "Never"]
const MAX_INT32 = 2147483647
/** The empty set of names, shared (never changed: only read through ReadonlySet). */
const NO_NAMES: ReadonlySet<string> = new Set()

/** Checks a required enum: `Required value` when empty, `Unsupported value` when unknown. */
export function validateEnum(
  value: string | undefined,
  supported: readonly string[],
  field: string,
): FieldError[] {
  if (!value) return [required(field, "")]
  return supported.includes(value) ? [] : [notSupported(field, value, supported)]
}

function validateDnsConfig(
  cfg: PodDNSConfig | undefined,
  policy: string | undefined,
  field: string,
): FieldError[] {
  if (policy === "None") {
    if (!cfg) return [required(field, "must provide `dnsConfig` when `dnsPolicy` is None")]
    if (!list(cfg.nameservers).length) {
      return [
        required(
          child(field, "nameservers"),
          "must provide at least one DNS nameserver when `dnsPolicy` is None",
        ),
      ]
    }
  }
  if (!cfg) return []
  const errs: FieldError[] = []
  const ns = list(cfg.nameservers)
  if (ns.length > 3)
    errs.push(invalidValue(child(field, "nameservers"), ns, "must not have more than 3 nameservers"))
  ns.forEach((ip, i) => errs.push(...isValidIp(ip, index(child(field, "nameservers"), i))))
  const searches = list(cfg.searches)
  if (searches.length > 32)
    errs.push(invalidValue(child(field, "searches"), searches, "must not have more than 32 search paths"))
  if (searches.join(" ").length > 2048) {
    errs.push(
      invalidValue(
        child(field, "searches"),
        searches,
        "must not have more than 2048 characters (including spaces) in the search list",
      ),
    )
  }
  searches.forEach((s, i) => {
    if (s === ".") return
    const trimmed = s.endsWith(".") ? s.slice(0, -1) : s
    // Relaxed search validation (on by default since 1.33) also allows '_'
    const msgs = isDns1123SubdomainWithUnderscore(trimmed)
    errs.push(...msgs.map((m) => invalidValue(index(child(field, "searches"), i), trimmed, m)))
  })
  list(cfg.options).forEach((o, i) => {
    if (!o.name) errs.push(required(index(child(field, "options"), i), "must not be empty"))
  })
  return errs
}

function validateHostNetworkPorts(spec: PodSpec, field: string, isPod: boolean): FieldError[] {
  if (!spec.hostNetwork) return []
  const errs: FieldError[] = []
  list(spec.containers).forEach((c, i) => {
    list(c.ports).forEach((port, j) => {
      const hp = port.hostPort ?? 0
      if ((isPod || hp !== 0) && hp !== port.containerPort) {
        const path = child(index(child(index(child(field, "containers"), i), "ports"), j), "hostPort")
        errs.push(invalidValue(path, hp, "must match `containerPort` when `hostNetwork` is true"))
      }
    })
  })
  return errs
}

/** Adds to `errs` what is wrong with `v` as the DNS subdomain at `field`.`name`, when set. */
function checkSubdomain(errs: FieldError[], v: string | undefined, field: string, name: string): void {
  if (!v) return
  const msgs = isDns1123Subdomain(v)
  if (msgs.length) pushInvalid(errs, child(field, name), v, msgs)
}

function validateNames(spec: PodSpec, field: string): FieldError[] {
  const errs: FieldError[] = []
  checkSubdomain(errs, spec.serviceAccountName, field, "serviceAccountName")
  checkSubdomain(errs, spec.nodeName, field, "nodeName")
  checkSubdomain(errs, spec.priorityClassName, field, "priorityClassName")
  if (spec.runtimeClassName !== undefined && spec.runtimeClassName !== null) {
    errs.push(
      ...isDns1123Subdomain(spec.runtimeClassName).map((m) =>
        invalidValue(child(field, "runtimeClassName"), spec.runtimeClassName, m),
      ),
    )
  }
  for (const k of ["hostname", "subdomain"] as const) {
    const v = spec[k]
    if (!v) continue
    const msgs = isDns1123Label(v)
    if (msgs.length) pushInvalid(errs, child(field, k), v, msgs)
  }
  return errs
}

function validateClaimsAndGates(spec: PodSpec, field: string): FieldError[] {
  const errs: FieldError[] = []
  // The sets are made at their first name: most specs have no claims nor gates.
  let claims: Set<string> | undefined
  list(spec.resourceClaims).forEach((c, i) => {
    const p = index(child(field, "resourceClaims"), i)
    const named = c as { name?: string; resourceClaimName?: string; resourceClaimTemplateName?: string }
    if (!named.name) errs.push(required(child(p, "name"), ""))
    else if (claims?.has(named.name)) errs.push(duplicate(child(p, "name"), named.name))
    else {
      errs.push(...isDns1123Label(named.name).map((m) => invalidValue(child(p, "name"), named.name, m)))
      ;(claims ??= new Set()).add(named.name)
    }
    const set = Number(!!named.resourceClaimName) + Number(!!named.resourceClaimTemplateName)
    if (set > 1)
      errs.push(
        invalidValue(
          p,
          c,
          "at most one of `resourceClaimName` or `resourceClaimTemplateName` may be specified",
        ),
      )
    if (set === 0)
      errs.push(invalidValue(p, c, "must specify one of: `resourceClaimName`, `resourceClaimTemplateName`"))
  })
  list(spec.readinessGates).forEach((g, i) => {
    errs.push(
      ...validateLabelName(
        g.conditionType ?? "",
        child(index(child(field, "readinessGates"), i), "conditionType"),
      ),
    )
  })
  let gates: Set<string> | undefined
  list(spec.schedulingGates).forEach((g, i) => {
    const p = index(child(field, "schedulingGates"), i)
    errs.push(...validateLabelName(g.name ?? "", p))
    if (gates?.has(g.name)) errs.push(duplicate(p, g.name))
    ;(gates ??= new Set()).add(g.name)
  })
  list(spec.imagePullSecrets).forEach((ref, i) => {
    if (!deepEqual(ref, { name: ref.name }))
      errs.push(invalidValue(index(child(field, "imagePullSecrets"), i), ref, "only name may be set"))
  })
  return errs
}

function validateOs(spec: PodSpec, field: string): FieldError[] {
  const os = spec.os
  if (!os) return []
  if (!os.name) return [required(child(field, "os", "name"), "cannot be empty")]
  if (os.name !== "linux" && os.name !== "windows")
    return [notSupported(child(field, "os"), os.name, ["linux", "windows"])]
  const errs: FieldError[] = []
  const all: [Container | undefined, string][] = [
    ...list(spec.containers).map((c, i): [Container, string] => [c, index(child(field, "containers"), i)]),
    ...list(spec.initContainers).map((c, i): [Container, string] => [
      c,
      index(child(field, "initContainers"), i),
    ]),
  ]
  if (os.name === "linux") {
    if (spec.securityContext?.windowsOptions) {
      errs.push(
        forbidden(
          child(field, "securityContext", "windowsOptions"),
          "windows options cannot be set for a linux pod",
        ),
      )
    }
    for (const [c, p] of all) {
      if (c?.securityContext?.windowsOptions) {
        errs.push(
          forbidden(
            child(p, "securityContext", "windowsOptions"),
            "windows options cannot be set for a linux pod",
          ),
        )
      }
    }
  } else {
    const sc = spec.securityContext ?? {}
    for (const k of [
      "seLinuxOptions",
      "seccompProfile",
      "fsGroup",
      "fsGroupChangePolicy",
      "runAsUser",
      "runAsGroup",
      "supplementalGroups",
    ] as const) {
      if (sc[k] !== undefined)
        errs.push(forbidden(child(field, "securityContext", k), "cannot be set for a windows pod"))
    }
    if (spec.hostPID) errs.push(forbidden(child(field, "hostPID"), "cannot be set for a windows pod"))
    if (spec.hostIPC) errs.push(forbidden(child(field, "hostIPC"), "cannot be set for a windows pod"))
  }
  return errs
}

/** Options of validatePodSpec. */
export interface PodSpecOptions {
  /** True when the spec belongs to a Pod rather than a template. */
  readonly isPod: boolean
}

/** A pod spec at `field` (`spec`, `spec.template.spec`, ...). */
export function validatePodSpec(
  spec: PodSpec | undefined,
  field: string,
  opts: PodSpecOptions,
): FieldError[] {
  const s = spec ?? ({ containers: [] } as PodSpec)
  const errs: FieldError[] = []
  if (s.terminationGracePeriodSeconds === undefined || s.terminationGracePeriodSeconds === null) {
    errs.push(required(child(field, "terminationGracePeriodSeconds"), ""))
  }
  const hostUsers = s.hostUsers !== false
  const vols = validateVolumes(s.volumes, child(field, "volumes"), opts.isPod)
  errs.push(...vols.errors)
  errs.push(...validateClaimsAndGates(s, field))
  const resourceClaims = list(s.resourceClaims)
  const podClaims = resourceClaims.length
    ? new Set(resourceClaims.map((c) => (c as { name?: string }).name ?? "").filter((n) => n))
    : NO_NAMES
  const ctx: ContainerContext = {
    volumes: vols.volumes,
    podClaims,
    gracePeriod: s.terminationGracePeriodSeconds ?? undefined,
    restartPolicy: s.restartPolicy,
    hostUsers,
  }
  errs.push(...validateContainers(s.containers, ctx, child(field, "containers")))
  errs.push(...validateInitContainers(s.initContainers, s.containers, ctx, child(field, "initContainers")))
  errs.push(...validateEphemeralContainers(s, ctx, child(field, "ephemeralContainers")))
  const podResources = (s as { resources?: Parameters<typeof validateResourceRequirements>[0] }).resources
  if (podResources) errs.push(...validatePodResourceRequirements(podResources, child(field, "resources")))
  // The overhead (RuntimeClass admission sets it) is checked as a container's limits, as upstream's.
  if (s.overhead && Object.keys(s.overhead).length)
    errs.push(...validateResourceRequirements({ limits: s.overhead }, NO_NAMES, child(field, "overhead")))
  errs.push(...validateHostNetworkPorts(s, field, opts.isPod))
  errs.push(...validateEnum(s.restartPolicy, RESTART_POLICIES, child(field, "restartPolicy")))
  errs.push(...validateEnum(s.dnsPolicy, DNS_POLICIES, child(field, "dnsPolicy")))
  errs.push(...validateLabels(s.nodeSelector, child(field, "nodeSelector")))
  errs.push(...validatePodSecurityContext(s, child(field, "securityContext")))
  errs.push(...validateAffinity(s.affinity, child(field, "affinity")))
  errs.push(...validateDnsConfig(s.dnsConfig, s.dnsPolicy, child(field, "dnsConfig")))
  errs.push(...validateTopologySpread(s.topologySpreadConstraints, child(field, "topologySpreadConstraints")))
  if (s.hostUsers === false) {
    for (const k of ["hostNetwork", "hostPID", "hostIPC"] as const) {
      // upstream spells the last two with a capital H
      const name = k === "hostNetwork" ? k : k.replace(/^h/, "H")
      if (s[k]) errs.push(forbidden(child(field, name), "when `pod.Spec.HostUsers` is false"))
    }
  }
  errs.push(...validateNames(s, field))
  const ads = s.activeDeadlineSeconds
  if (ads !== undefined && ads !== null && (ads < 1 || ads > MAX_INT32)) {
    errs.push(invalidValue(child(field, "activeDeadlineSeconds"), ads, inclusiveRangeError(1, MAX_INT32)))
  }
  errs.push(...validateTolerations(s.tolerations, child(field, "tolerations")))
  list(s.hostAliases).forEach((a, i) => {
    const p = index(child(field, "hostAliases"), i)
    errs.push(...isValidIp(a.ip ?? "", child(p, "ip")))
    list(a.hostnames).forEach((h, j) =>
      errs.push(...isDns1123Subdomain(h).map((m) => invalidValue(index(child(p, "hostnames"), j), h, m))),
    )
  })
  if (s.preemptionPolicy !== undefined && s.preemptionPolicy !== null) {
    errs.push(...validateEnum(s.preemptionPolicy, PREEMPTION_POLICIES, child(field, "preemptionPolicy")))
  }
  errs.push(...validateOs(s, field))
  return errs
}

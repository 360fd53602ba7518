/**
 * Containers of a pod spec (core validation's container rules): names, images, ports, env,
 * mounts, pull policy, resources, probes, lifecycle handlers and the container security
 * context; regular and init containers, with upstream's name-uniqueness and host-port rules.
 */
import type { Container, ContainerPort, Volume } from "kubernetes-types/core/v1.js"
import type { FieldError } from "../errors.ts"
import { duplicate, forbidden, invalidValue, notSupported, required } from "../field-errors.ts"
import { child, index, list, pushInvalid } from "./_field.ts"
import { isDns1123Label } from "./names.ts"
import { isValidPortName, isValidPortNum } from "./formats.ts"
import { validateEnv, validateEnvFrom } from "./env.ts"
import { validateLifecycle, validateProbe } from "./probes.ts"
import { validateResourceRequirements } from "./resources.ts"
import { validateContainerSecurityContext } from "./security-context.ts"
import { validateVolumeMounts } from "./volume-mounts.ts"

/** What container validation needs from the surrounding pod spec. */
export interface ContainerContext {
  readonly volumes: ReadonlyMap<string, Volume>
  readonly podClaims: ReadonlySet<string>
  readonly gracePeriod: number | undefined
  readonly restartPolicy: string | undefined
  readonly hostUsers: boolean
}

const PROTOCOLS = ["SCTP", "TCP", "UDP"]
const PULL_POLICIES = ["Always", "IfNotPresent", "Never"]
const MESSAGE_POLICIES = ["File", "FallbackToLogsOnError"]
const RESIZE_RESOURCES = ["cpu", "memory"]
const RESIZE_POLICIES = ["NotRequired", "RestartContainer"]

/** Adds what is wrong with port number `n` at `port`.`name` (the path made only when something is). */
function pushInvalidPort(errs: FieldError[], n: number, port: string, name: string): void {
  const msgs = isValidPortNum(n)
  if (msgs.length) pushInvalid(errs, child(port, name), n, msgs)
}

function validatePorts(ports: readonly ContainerPort[] | undefined, field: string): FieldError[] {
  const errs: FieldError[] = []
  let names: Set<string> | undefined // made at the first named port
  list(ports).forEach((port, i) => {
    const p = index(field, i)
    if (port.name) {
      const msgs = isValidPortName(port.name)
      if (msgs.length) errs.push(...msgs.map((m) => invalidValue(child(p, "name"), port.name, m)))
      else if (names?.has(port.name)) errs.push(duplicate(child(p, "name"), port.name))
      else (names ??= new Set()).add(port.name)
    }
    if (!port.containerPort) errs.push(required(child(p, "containerPort"), ""))
    else pushInvalidPort(errs, port.containerPort, p, "containerPort")
    if (port.hostPort) pushInvalidPort(errs, port.hostPort, p, "hostPort")
    if (!port.protocol) errs.push(required(child(p, "protocol"), ""))
    else if (!PROTOCOLS.includes(port.protocol))
      errs.push(notSupported(child(p, "protocol"), port.protocol, PROTOCOLS))
  })
  return errs
}

function validateResizePolicy(c: Container, field: string, restartPolicy: string | undefined): FieldError[] {
  const errs: FieldError[] = []
  const policies = list(c.resizePolicy)
  if (policies.length === 0) return errs
  const seen = new Set<string>()
  policies.forEach((p, i) => {
    if (seen.has(p.resourceName)) errs.push(duplicate(index(field, i), p.resourceName))
    seen.add(p.resourceName)
    if (!p.resourceName) errs.push(required(field, ""))
    else if (!RESIZE_RESOURCES.includes(p.resourceName))
      errs.push(notSupported(field, p.resourceName, RESIZE_RESOURCES))
    if (!p.restartPolicy) errs.push(required(field, ""))
    else if (!RESIZE_POLICIES.includes(p.restartPolicy))
      errs.push(notSupported(field, p.restartPolicy, RESIZE_POLICIES))
    if (restartPolicy === "Never" && p.restartPolicy !== "NotRequired") {
      errs.push(invalidValue(field, p.restartPolicy, "must be 'NotRequired' when `restartPolicy` is 'Never'"))
    }
  })
  return errs
}

/** Checks every kind of container shares: name, image, ports, env, mounts, policies, resources. */
export function validateContainerCommon(c: Container, ctx: ContainerContext, path: string): FieldError[] {
  const errs: FieldError[] = []
  const namePath = child(path, "name")
  if (!c.name) errs.push(required(namePath, ""))
  else pushInvalid(errs, namePath, c.name, isDns1123Label(c.name))
  if (!c.image) errs.push(required(child(path, "image"), ""))
  const tmp = c.terminationMessagePolicy
  if (!tmp) errs.push(required(child(path, "terminationMessagePolicy"), ""))
  else if (!MESSAGE_POLICIES.includes(tmp))
    errs.push(notSupported(child(path, "terminationMessagePolicy"), tmp, MESSAGE_POLICIES))
  errs.push(...validatePorts(c.ports, child(path, "ports")))
  errs.push(...validateEnv(c.env, child(path, "env")))
  errs.push(...validateEnvFrom(c.envFrom, child(path, "envFrom")))
  errs.push(...validateVolumeMounts(c.volumeMounts, ctx.volumes, c, child(path, "volumeMounts")))
  const pull = c.imagePullPolicy
  if (!pull) errs.push(required(child(path, "imagePullPolicy"), ""))
  else if (!PULL_POLICIES.includes(pull))
    errs.push(notSupported(child(path, "imagePullPolicy"), pull, PULL_POLICIES))
  errs.push(...validateResourceRequirements(c.resources, ctx.podClaims, child(path, "resources")))
  errs.push(...validateResizePolicy(c, child(path, "resizePolicy"), ctx.restartPolicy))
  errs.push(
    ...validateContainerSecurityContext(c.securityContext, child(path, "securityContext"), ctx.hostUsers),
  )
  return errs
}

function validateProbes(c: Container, ctx: ContainerContext, path: string): FieldError[] {
  const errs: FieldError[] = []
  if (c.lifecycle) errs.push(...validateLifecycle(c.lifecycle, ctx.gracePeriod, child(path, "lifecycle")))
  errs.push(...validateProbe(c.livenessProbe, ctx.gracePeriod, child(path, "livenessProbe"), "liveness"))
  errs.push(...validateProbe(c.readinessProbe, ctx.gracePeriod, child(path, "readinessProbe"), "readiness"))
  errs.push(...validateProbe(c.startupProbe, ctx.gracePeriod, child(path, "startupProbe"), "startup"))
  return errs
}

/** Host ports must not collide (protocol, hostIP and port). */
function checkHostPortConflicts(containers: readonly Container[], field: string, offset = 0): FieldError[] {
  const errs: FieldError[] = []
  // Made at the first host port: most pods have none.
  let seen: Set<string> | undefined
  containers.forEach((c, ci) => {
    list(c.ports).forEach((p, pi) => {
      if (!p.hostPort) return
      const k = `${p.protocol ?? ""}/${p.hostIP ?? ""}/${p.hostPort}`
      seen ??= new Set<string>()
      if (seen.has(k))
        errs.push(duplicate(child(index(child(index(field, ci + offset), "ports"), pi), "hostPort"), k))
      seen.add(k)
    })
  })
  return errs
}

/** The regular containers: at least one, unique names, probes allowed, restartPolicy not. */
export function validateContainers(
  containers: readonly Container[] | undefined,
  ctx: ContainerContext,
  field: string,
): FieldError[] {
  const all = list(containers)
  if (all.length === 0) return [required(field, "")]
  const errs: FieldError[] = []
  // A single container cannot repeat a name (most pods have one).
  const names = all.length > 1 ? new Set<string>() : undefined
  all.forEach((c, i) => {
    const path = index(field, i)
    errs.push(...validateContainerCommon(c, ctx, path))
    if (names?.has(c.name)) errs.push(duplicate(child(path, "name"), c.name))
    else names?.add(c.name)
    errs.push(...validateProbes(c, ctx, path))
    if (c.restartPolicy)
      errs.push(forbidden(child(path, "restartPolicy"), "may not be set for non-init containers"))
  })
  errs.push(...checkHostPortConflicts(all, field))
  return errs
}

/** Init containers: names unique across all containers; probes only for restartable (sidecar) ones. */
export function validateInitContainers(
  inits: readonly Container[] | undefined,
  regular: readonly Container[] | undefined,
  ctx: ContainerContext,
  field: string,
): FieldError[] {
  const errs: FieldError[] = []
  const all = list(inits)
  if (all.length === 0) return errs
  const names = new Set(list(regular).map((c) => c.name))
  all.forEach((c, i) => {
    const path = index(field, i)
    errs.push(...validateContainerCommon(c, ctx, path))
    let sidecar = false
    if (c.restartPolicy !== undefined && c.restartPolicy !== null) {
      if (c.restartPolicy !== "Always")
        errs.push(notSupported(child(path, "restartPolicy"), c.restartPolicy, ["Always"]))
      sidecar = c.restartPolicy === "Always"
    }
    if (names.has(c.name)) errs.push(duplicate(child(path, "name"), c.name))
    else if (c.name) names.add(c.name)
    errs.push(...checkHostPortConflicts([c], field, i))
    if (sidecar) errs.push(...validateProbes(c, ctx, path))
    else {
      const detail = "may not be set for init containers without restartPolicy=Always"
      for (const k of ["lifecycle", "livenessProbe", "readinessProbe", "startupProbe"] as const) {
        if (c[k]) errs.push(forbidden(child(path, k), detail))
      }
    }
  })
  return errs
}

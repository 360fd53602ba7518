/**
 * A container's environment as the kubelet builds it: the service variables of the pod's
 * namespace, envFrom, env with `$(VAR)` expansion and valueFrom (configMap and secret keys,
 * the downward API's fields and resources), and the expansion of command and args.
 */
import { hostname } from "node:os"
import type { Container, EnvVar, Pod, Service } from "kubernetes-types/core/v1.js"
import { ApiError, ConfigMaps, milliValue, Secrets, unitValue } from "../api/index.ts"
import type { Client } from "../client/index.ts"
import { podHostnameAndDomain } from "./volumes/etc-hosts.ts"

/** A container whose configuration cannot be built yet (reason CreateContainerConfigError). */
export class ContainerConfigError extends Error {
  override name = "ContainerConfigError"
}

/** Upstream's `$(VAR)` expansion: defined names are replaced, `$$` escapes, the rest is kept. */
export function expand(input: string, vars: Readonly<Record<string, string>>): string {
  let out = ""
  for (let i = 0; i < input.length; i++) {
    const ch = input[i]
    if (ch !== "$" || i + 1 >= input.length) {
      out += ch
      continue
    }
    const next = input[i + 1]
    if (next === "$") {
      out += "$"
      i++
    } else if (next === "(") {
      const close = input.indexOf(")", i + 2)
      if (close < 0) {
        out += input.slice(i)
        break
      }
      const name = input.slice(i + 2, close)
      out += name in vars ? vars[name] : `$(${name})`
      i = close
    } else out += ch
  }
  return out
}

/** The variables of one Service: `<NAME>_SERVICE_HOST`, `_SERVICE_PORT[_<PORT>]` and docker links. */
function oneServiceEnv(s: Service, ip: string): Record<string, string> {
  const out: Record<string, string> = {}
  const name = (s.metadata?.name ?? "").toUpperCase().replaceAll("-", "_")
  const ports = s.spec?.ports ?? []
  const first = ports[0]
  if (!first) return out
  out[`${name}_SERVICE_HOST`] = ip
  out[`${name}_SERVICE_PORT`] = String(first.port)
  for (const p of ports) {
    if (p.name) out[`${name}_SERVICE_PORT_${p.name.toUpperCase().replaceAll("-", "_")}`] = String(p.port)
    const proto = (p.protocol ?? "TCP").toLowerCase()
    const prefix = `${name}_PORT_${p.port}_${proto.toUpperCase()}`
    out[prefix] = `${proto}://${ip}:${p.port}`
    out[`${prefix}_PROTO`] = proto
    out[`${prefix}_PORT`] = String(p.port)
    out[`${prefix}_ADDR`] = ip
  }
  out[`${name}_PORT`] = `${(first.protocol ?? "TCP").toLowerCase()}://${ip}:${first.port}`
  return out
}

/** The service variables a pod sees: its namespace's Services (unless links are off) and the API's. */
export function serviceEnv(
  services: readonly Service[],
  pod: Pod,
  addressOf: (clusterIP: string) => string = (ip) => ip,
): Record<string, string> {
  const out: Record<string, string> = {}
  const ns = pod.metadata?.namespace ?? "default"
  const links = pod.spec?.enableServiceLinks !== false
  for (const s of services) {
    const ip = s.spec?.clusterIP
    if (!ip || ip === "None") continue
    const isMaster = s.metadata?.namespace === "default" && s.metadata?.name === "kubernetes"
    if (isMaster || (links && s.metadata?.namespace === ns))
      Object.assign(out, oneServiceEnv(s, addressOf(ip)))
  }
  return out
}

/** What valueFrom and envFrom read. */
interface Sources {
  readonly client: Client
  readonly pod: Pod
  readonly podIP: string
  readonly hostIP: string
  readonly cache: Map<string, Record<string, string> | undefined>
}

async function dataOf(
  src: Sources,
  kind: "configmap" | "secret",
  name: string,
): Promise<Record<string, string> | undefined> {
  const ns = src.pod.metadata?.namespace ?? "default"
  const key = `${kind}/${name}`
  if (src.cache.has(key)) return src.cache.get(key)
  let data: Record<string, string> | undefined
  try {
    if (kind === "configmap") {
      const cm = await src.client.resource(ConfigMaps).get({ namespace: ns, name })
      data = { ...(cm.data ?? {}) }
      for (const [k, v] of Object.entries(cm.binaryData ?? {})) data[k] = Buffer.from(v, "base64").toString()
    } else {
      const s = await src.client.resource(Secrets).get({ namespace: ns, name })
      data = Object.fromEntries(
        Object.entries(s.data ?? {}).map(([k, v]) => [k, Buffer.from(v, "base64").toString()]),
      )
    }
  } catch (err) {
    if (!(err instanceof ApiError && err.reason === "NotFound")) throw err
  }
  src.cache.set(key, data)
  return data
}

/** The downward API's plain fields. */
const FIELDS: Readonly<Record<string, (src: Sources) => string | undefined>> = {
  "metadata.name": (src) => src.pod.metadata?.name,
  "metadata.namespace": (src) => src.pod.metadata?.namespace,
  "metadata.uid": (src) => src.pod.metadata?.uid,
  "spec.nodeName": (src) => src.pod.spec?.nodeName,
  "spec.serviceAccountName": (src) => src.pod.spec?.serviceAccountName,
  "status.hostIP": (src) => src.hostIP,
  "status.hostIPs": (src) => src.hostIP,
  "status.podIP": (src) => src.podIP,
  "status.podIPs": (src) => src.podIP,
}

function fieldValue(src: Sources, path: string): string {
  const meta = src.pod.metadata ?? {}
  const sub = /^metadata\.(labels|annotations)\['(.+)'\]$/.exec(path)
  if (sub) return (sub[1] === "labels" ? meta.labels : meta.annotations)?.[sub[2] as string] ?? ""
  const get = FIELDS[path]
  if (!get) throw new ContainerConfigError(`unsupported fieldRef path "${path}"`)
  return get(src) ?? ""
}

/** A container resource as the downward API gives it (resourceFieldRef, in units of its divisor). */
export function resourceValue(c: Container, ref: { resource: string; divisor?: string | number }): string {
  const [kind, name] = ref.resource.split(".") as [string, string]
  const from = kind === "limits" ? c.resources?.limits : c.resources?.requests
  const raw = from?.[name]
  const divisor = ref.divisor ?? "1"
  if (name === "cpu") {
    const milli = raw === undefined ? (kind === "limits" ? 1000 * 4 : 0) : milliValue(raw)
    return String(Math.ceil(milli / Math.max(1, milliValue(divisor))))
  }
  const units = raw === undefined ? 0 : unitValue(raw)
  return String(Math.ceil(units / Math.max(1, unitValue(divisor))))
}

async function valueOf(
  src: Sources,
  c: Container,
  e: EnvVar,
  vars: Record<string, string>,
): Promise<string | undefined> {
  if (!e.valueFrom) return expand(e.value ?? "", vars)
  const vf = e.valueFrom
  if (vf.fieldRef) return fieldValue(src, vf.fieldRef.fieldPath)
  if (vf.resourceFieldRef) return resourceValue(c, vf.resourceFieldRef)
  const ref = vf.configMapKeyRef ?? vf.secretKeyRef
  if (!ref) return undefined
  const kind = vf.configMapKeyRef ? "configmap" : "secret"
  const data = await dataOf(src, kind, ref.name ?? "")
  const label = kind === "configmap" ? "configmap" : "secret"
  if (!data) {
    if (ref.optional) return undefined
    throw new ContainerConfigError(`${label} "${ref.name}" not found`)
  }
  if (!(ref.key in data)) {
    if (ref.optional) return undefined
    throw new ContainerConfigError(
      `couldn't find key ${ref.key} in ${kind === "configmap" ? "ConfigMap" : "Secret"} ${src.pod.metadata?.namespace}/${ref.name}`,
    )
  }
  return data[ref.key]
}

/** Options of containerEnv. */
export interface EnvOptions {
  readonly client: Client
  readonly pod: Pod
  readonly podIP: string
  readonly hostIP: string
  readonly services: readonly Service[]
  /** Where a ClusterIP is reached from this node (its loopback mapping when pods share the host network). */
  readonly serviceAddress?: (clusterIP: string) => string
}

/**
 * A container's HOSTNAME: the pod's hostname (cut to 63 characters), or for a hostNetwork pod (which has none of its
 * own) the node's, as containerd gives a sandbox without a hostname.
 */
function hostnameOf(pod: Pod): string {
  if (pod.spec?.hostNetwork) return hostname()
  return podHostnameAndDomain(pod, "").hostname
}

/**
 * The environment of container `c`, in upstream's order: service variables, envFrom, then env
 * (later entries win; each `value` expands the ones before it).
 * @throws ContainerConfigError when a referenced ConfigMap, Secret or key is missing
 */
export async function containerEnv(c: Container, opts: EnvOptions): Promise<Record<string, string>> {
  const src: Sources = { ...opts, cache: new Map() }
  const pod = opts.pod
  const vars: Record<string, string> = {
    ...serviceEnv(opts.services, pod, opts.serviceAddress),
    HOSTNAME: hostnameOf(pod),
  }
  for (const from of c.envFrom ?? []) {
    const ref = from.configMapRef ?? from.secretRef
    const kind = from.configMapRef ? "configmap" : "secret"
    const data = await dataOf(src, kind, ref?.name ?? "")
    if (!data) {
      if (ref?.optional) continue
      throw new ContainerConfigError(`${kind} "${ref?.name}" not found`)
    }
    for (const [k, v] of Object.entries(data)) vars[`${from.prefix ?? ""}${k}`] = v
  }
  for (const e of c.env ?? []) {
    const v = await valueOf(src, c, e, vars)
    if (v !== undefined) vars[e.name] = v
  }
  return vars
}

/** Command and args with `$(VAR)` expanded from the container's environment. */
export function expandCommand(
  c: Container,
  env: Readonly<Record<string, string>>,
): { command: string[]; args: string[] } {
  return {
    command: (c.command ?? []).map((s) => expand(s, env)),
    args: (c.args ?? []).map((s) => expand(s, env)),
  }
}

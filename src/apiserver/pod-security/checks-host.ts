/**
 * The baseline checks that keep a pod off the host: privileged containers, host namespaces,
 * host ports, hostPath volumes, probe and lifecycle hosts, Windows host processes, unsafe
 * sysctls and added capabilities (upstream's policy/check_*.go of the same ids).
 */
import type { LifecycleHandler, Probe, PodSpec } from "kubernetes-types/core/v1.js"
import {
  type Check,
  type CheckPod,
  containersPhrase,
  eachContainer,
  joinQuote,
  pluralize,
  sortedSet,
} from "./check.ts"

const privileged: CheckPod = (_meta, spec) => {
  const bad: string[] = []
  eachContainer(spec, (c) => {
    if (c.securityContext?.privileged === true) bad.push(c.name)
  })
  if (bad.length === 0) return undefined
  return {
    reason: "privileged",
    detail: `${containersPhrase(bad)} must not set securityContext.privileged=true`,
  }
}

const hostNamespaces: CheckPod = (_meta, spec) => {
  const set: string[] = []
  if (spec.hostNetwork) set.push("hostNetwork=true")
  if (spec.hostPID) set.push("hostPID=true")
  if (spec.hostIPC) set.push("hostIPC=true")
  return set.length ? { reason: "host namespaces", detail: set.join(", ") } : undefined
}

const hostPorts: CheckPod = (_meta, spec) => {
  const bad: string[] = []
  const ports: string[] = []
  eachContainer(spec, (c) => {
    let uses = false
    for (const p of c.ports ?? []) {
      if (p.hostPort) {
        uses = true
        ports.push(String(p.hostPort))
      }
    }
    if (uses) bad.push(c.name)
  })
  if (bad.length === 0) return undefined
  const list = sortedSet(ports)
  return {
    reason: "hostPort",
    detail: `${containersPhrase(bad)} ${pluralize("uses", "use", bad.length)} ${pluralize("hostPort", "hostPorts", list.length)} ${list.join(", ")}`,
  }
}

const hostPathVolumes: CheckPod = (_meta, spec) => {
  const bad = (spec.volumes ?? []).filter((v) => v.hostPath != null).map((v) => v.name)
  if (bad.length === 0) return undefined
  return {
    reason: "hostPath volumes",
    detail: `${pluralize("volume", "volumes", bad.length)} ${joinQuote(bad)}`,
  }
}

function probeHosts(probe: Probe | LifecycleHandler | undefined): string[] {
  const out: string[] = []
  if (probe?.httpGet?.host) out.push(probe.httpGet.host)
  if (probe?.tcpSocket?.host) out.push(probe.tcpSocket.host)
  return out
}

const hostProbesAndHostLifecycle: CheckPod = (_meta, spec) => {
  const bad: string[] = []
  const hosts: string[] = []
  eachContainer(spec, (c) => {
    const found = [
      c.livenessProbe,
      c.readinessProbe,
      c.startupProbe,
      c.lifecycle?.postStart,
      c.lifecycle?.preStop,
    ].flatMap(probeHosts)
    if (found.length === 0) return
    bad.push(c.name)
    hosts.push(...found)
  })
  if (bad.length === 0) return undefined
  const names = sortedSet(bad)
  const list = sortedSet(hosts)
  return {
    reason: "probe or lifecycle host",
    detail:
      `${containersPhrase(names)} ${pluralize("uses", "use", names.length)} ` +
      `${pluralize("probe or lifecycle host", "probe or lifecycle hosts", list.length)} ${joinQuote(list)}`,
  }
}

const windowsHostProcess: CheckPod = (_meta, spec) => {
  const setters: string[] = []
  if (spec.securityContext?.windowsOptions?.hostProcess === true) setters.push("pod")
  const bad: string[] = []
  eachContainer(spec, (c) => {
    if (c.securityContext?.windowsOptions?.hostProcess === true) bad.push(c.name)
  })
  if (bad.length) setters.push(containersPhrase(bad))
  if (setters.length === 0) return undefined
  return {
    reason: "hostProcess",
    detail: `${setters.join(" and ")} must not set securityContext.windowsOptions.hostProcess=true`,
  }
}

const SYSCTLS_1_0 = [
  "kernel.shm_rmid_forced",
  "net.ipv4.ip_local_port_range",
  "net.ipv4.tcp_syncookies",
  "net.ipv4.ping_group_range",
  "net.ipv4.ip_unprivileged_port_start",
]
const SYSCTLS_1_27 = [...SYSCTLS_1_0, "net.ipv4.ip_local_reserved_ports"]
const SYSCTLS_1_29 = [
  ...SYSCTLS_1_27,
  "net.ipv4.tcp_keepalive_time",
  "net.ipv4.tcp_fin_timeout",
  "net.ipv4.tcp_keepalive_intvl",
  "net.ipv4.tcp_keepalive_probes",
]
const SYSCTLS_1_32 = [...SYSCTLS_1_29, "net.ipv4.tcp_rmem", "net.ipv4.tcp_wmem"]

/** The check of the sysctls a pod sets against the safe ones of a version. */
function sysctlsCheck(safe: readonly string[]): CheckPod {
  const allowed = new Set(safe)
  return (_meta, spec: PodSpec) => {
    const bad = (spec.securityContext?.sysctls ?? []).map((s) => s.name).filter((n) => !allowed.has(n))
    return bad.length ? { reason: "forbidden sysctls", detail: bad.join(", ") } : undefined
  }
}

/** The capabilities a baseline container may add (the container runtimes' default set). */
const DEFAULT_CAPABILITIES = new Set([
  "AUDIT_WRITE",
  "CHOWN",
  "DAC_OVERRIDE",
  "FOWNER",
  "FSETID",
  "KILL",
  "MKNOD",
  "NET_BIND_SERVICE",
  "SETFCAP",
  "SETGID",
  "SETPCAP",
  "SETUID",
  "SYS_CHROOT",
])

const capabilitiesBaseline: CheckPod = (_meta, spec) => {
  const bad: string[] = []
  const added: string[] = []
  eachContainer(spec, (c) => {
    const extra = (c.securityContext?.capabilities?.add ?? []).filter((cap) => !DEFAULT_CAPABILITIES.has(cap))
    if (extra.length === 0) return
    bad.push(c.name)
    added.push(...extra)
  })
  if (bad.length === 0) return undefined
  return {
    reason: "non-default capabilities",
    detail: `${containersPhrase(bad)} must not include ${joinQuote(sortedSet(added))} in securityContext.capabilities.add`,
  }
}

/** The id capabilities_restricted overrides. */
export const CAPABILITIES_BASELINE = "capabilities_baseline"
/** The id restrictedVolumes overrides. */
export const HOST_PATH_VOLUMES = "hostPathVolumes"

/** The baseline checks of this file, with their versions. */
export const HOST_CHECKS: readonly Check[] = [
  { id: "privileged", level: "baseline", versions: [{ minimum: 0, check: privileged }] },
  { id: "hostNamespaces", level: "baseline", versions: [{ minimum: 0, check: hostNamespaces }] },
  { id: "hostPorts", level: "baseline", versions: [{ minimum: 0, check: hostPorts }] },
  { id: HOST_PATH_VOLUMES, level: "baseline", versions: [{ minimum: 0, check: hostPathVolumes }] },
  {
    id: "hostProbesAndHostLifecycle",
    level: "baseline",
    versions: [{ minimum: 34, check: hostProbesAndHostLifecycle }],
  },
  { id: "windowsHostProcess", level: "baseline", versions: [{ minimum: 0, check: windowsHostProcess }] },
  {
    id: "sysctls",
    level: "baseline",
    versions: [
      { minimum: 0, check: sysctlsCheck(SYSCTLS_1_0) },
      { minimum: 27, check: sysctlsCheck(SYSCTLS_1_27) },
      { minimum: 29, check: sysctlsCheck(SYSCTLS_1_29) },
      { minimum: 32, check: sysctlsCheck(SYSCTLS_1_32) },
    ],
  },
  { id: CAPABILITIES_BASELINE, level: "baseline", versions: [{ minimum: 0, check: capabilitiesBaseline }] },
]

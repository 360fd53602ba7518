/**
 * The checks of a pod's security profiles: AppArmor, SELinux, seccomp and /proc masking
 * (upstream's check_appArmorProfile, check_seLinuxOptions, check_seccompProfile_* and
 * check_procMount_* of pod-security-admission).
 */
import type { ObjectMeta } from "kubernetes-types/meta/v1.js"
import type { PodSpec, SELinuxOptions } from "kubernetes-types/core/v1.js"
import { goQuote } from "../../util/index.ts"
import {
  type Check,
  type CheckPod,
  containersPhrase,
  eachContainer,
  exceptUserNamespace,
  exceptWindows,
  joinQuote,
  pluralize,
  sortedSet,
} from "./check.ts"

const APPARMOR_ANNOTATION_PREFIX = "container.apparmor.security.beta.kubernetes.io/"
const SECCOMP_POD_ANNOTATION = "seccomp.security.alpha.kubernetes.io/pod"
const SECCOMP_CONTAINER_ANNOTATION_PREFIX = "container.seccomp.security.alpha.kubernetes.io/"

/** Setters of a bad value: the pod itself, then the containers (`pod and container "a"`). */
function setters(pod: boolean, containers: readonly string[]): string[] {
  const out = pod ? ["pod"] : []
  if (containers.length) out.push(containersPhrase(containers))
  return out
}

function allowedProfileType(type: string | undefined): boolean {
  return type === "RuntimeDefault" || type === "Localhost"
}

function allowedAppArmorAnnotation(value: string): boolean {
  return value === "" || value === "runtime/default" || value.startsWith("localhost/")
}

const appArmorProfile: CheckPod = (meta, spec) => {
  const values: string[] = []
  const podProfile = spec.securityContext?.appArmorProfile
  const podBad = podProfile != null && !allowedProfileType(podProfile.type)
  if (podBad) values.push(podProfile.type ?? "")
  const bad: string[] = []
  eachContainer(spec, (c) => {
    const p = c.securityContext?.appArmorProfile
    if (p == null || allowedProfileType(p.type)) return
    bad.push(c.name)
    values.push(p.type ?? "")
  })
  const who = setters(podBad, bad)
  const annotations: string[] = []
  for (const [k, v] of Object.entries(meta.annotations ?? {}) as [string, string][]) {
    if (k.startsWith(APPARMOR_ANNOTATION_PREFIX) && !allowedAppArmorAnnotation(v))
      annotations.push(`${k}=${goQuote(v)}`)
  }
  const list = sortedSet(values)
  if (annotations.length) {
    list.push(...annotations.sort())
    who.push(pluralize("annotation", "annotations", annotations.length))
  }
  if (who.length === 0) return undefined
  return {
    reason: pluralize("forbidden AppArmor profile", "forbidden AppArmor profiles", list.length),
    detail: `${who.join(" and ")} must not set AppArmor profile type to ${joinQuote(list)}`,
  }
}

/** The seLinuxOptions check allowing the SELinux types `types`. */
function seLinuxCheck(types: readonly string[]): CheckPod {
  const allowed = new Set(types)
  return (_meta, spec) => {
    const badTypes: string[] = []
    let user = false
    let role = false
    const valid = (o: SELinuxOptions): boolean => {
      let ok = true
      if (!allowed.has(o.type ?? "")) {
        ok = false
        badTypes.push(o.type ?? "")
      }
      if (o.user) {
        ok = false
        user = true
      }
      if (o.role) {
        ok = false
        role = true
      }
      return ok
    }
    const podOptions = spec.securityContext?.seLinuxOptions
    const podBad = podOptions != null && !valid(podOptions)
    const bad: string[] = []
    eachContainer(spec, (c) => {
      const o = c.securityContext?.seLinuxOptions
      if (o != null && !valid(o)) bad.push(c.name)
    })
    const who = setters(podBad, bad)
    if (who.length === 0) return undefined
    const data: string[] = []
    const typeList = sortedSet(badTypes)
    if (typeList.length) data.push(`${pluralize("type", "types", typeList.length)} ${joinQuote(typeList)}`)
    if (user) data.push("user may not be set")
    if (role) data.push("role may not be set")
    return {
      reason: "seLinuxOptions",
      detail: `${who.join(" and ")} set forbidden securityContext.seLinuxOptions: ${data.join("; ")}`,
    }
  }
}

const SELINUX_TYPES_1_0 = ["", "container_t", "container_init_t", "container_kvm_t"]
const SELINUX_TYPES_1_31 = [...SELINUX_TYPES_1_0, "container_engine_t"]

function allowedSeccompAnnotation(value: string): boolean {
  return value === "runtime/default" || value === "docker/default" || value.startsWith("localhost/")
}

/** Policy versions before 1.19 read seccomp from the alpha annotations. */
const seccompAnnotations: CheckPod = (meta: ObjectMeta, spec: PodSpec) => {
  const annotations = meta.annotations ?? {}
  const bad: string[] = []
  const podValue = annotations[SECCOMP_POD_ANNOTATION]
  if (podValue !== undefined && !allowedSeccompAnnotation(podValue))
    bad.push(`${SECCOMP_POD_ANNOTATION}=${goQuote(podValue)}`)
  eachContainer(spec, (c) => {
    const key = SECCOMP_CONTAINER_ANNOTATION_PREFIX + c.name
    const v = annotations[key]
    if (v !== undefined && !allowedSeccompAnnotation(v)) bad.push(`${key}=${goQuote(v)}`)
  })
  if (bad.length === 0) return undefined
  const list = sortedSet(bad)
  return {
    reason: "seccompProfile",
    detail: `forbidden ${pluralize("annotation", "annotations", list.length)} ${list.join(", ")}`,
  }
}

/**
 * The seccompProfile check: a set profile must be RuntimeDefault or Localhost; `required`
 * (restricted) also wants one on every container the pod's own does not cover.
 */
function seccompCheck(required: boolean): CheckPod {
  return (_meta, spec) => {
    const values: string[] = []
    const podProfile = spec.securityContext?.seccompProfile
    const podBad = podProfile != null && !allowedProfileType(podProfile.type)
    if (podBad) values.push(podProfile.type ?? "")
    const podSet = podProfile != null && !podBad
    const bad: string[] = []
    const unset: string[] = []
    eachContainer(spec, (c) => {
      const p = c.securityContext?.seccompProfile
      if (p == null) {
        if (!podSet) unset.push(c.name)
      } else if (!allowedProfileType(p.type)) {
        bad.push(c.name)
        values.push(p.type ?? "")
      }
    })
    const who = setters(podBad, bad)
    if (who.length) {
      return {
        reason: "seccompProfile",
        detail: `${who.join(" and ")} must not set securityContext.seccompProfile.type to ${joinQuote(sortedSet(values))}`,
      }
    }
    if (!required || unset.length === 0) return undefined
    return {
      reason: "seccompProfile",
      detail: `pod or ${containersPhrase(unset)} must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost"`,
    }
  }
}

const seccompRestricted = seccompCheck(true)

/** Containers must keep the default /proc masks. */
const procMountDefault: CheckPod = (_meta, spec) => {
  const bad: string[] = []
  const types: string[] = []
  eachContainer(spec, (c) => {
    const t = c.securityContext?.procMount
    if (t == null || t === "Default") return
    bad.push(c.name)
    types.push(t)
  })
  if (bad.length === 0) return undefined
  return {
    reason: "procMount",
    detail: `${containersPhrase(bad)} must not set securityContext.procMount to ${joinQuote(sortedSet(types))}`,
  }
}

/** The check ids the restricted seccomp and procMount checks override. */
const SECCOMP_BASELINE = "seccompProfile_baseline"
const PROC_MOUNT = "procMount"

/** The profile checks, with their versions. */
export const PROFILE_CHECKS: readonly Check[] = [
  { id: "appArmorProfile", level: "baseline", versions: [{ minimum: 0, check: appArmorProfile }] },
  {
    id: "seLinuxOptions",
    level: "baseline",
    versions: [
      { minimum: 0, check: seLinuxCheck(SELINUX_TYPES_1_0) },
      { minimum: 31, check: seLinuxCheck(SELINUX_TYPES_1_31) },
    ],
  },
  {
    id: SECCOMP_BASELINE,
    level: "baseline",
    versions: [
      { minimum: 0, check: seccompAnnotations },
      { minimum: 19, check: seccompCheck(false) },
    ],
  },
  {
    id: "seccompProfile_restricted",
    level: "restricted",
    versions: [
      { minimum: 19, check: seccompRestricted, overrides: [SECCOMP_BASELINE] },
      { minimum: 25, check: exceptWindows(seccompRestricted), overrides: [SECCOMP_BASELINE] },
    ],
  },
  {
    id: PROC_MOUNT,
    level: "baseline",
    versions: [
      { minimum: 0, check: procMountDefault },
      { minimum: 35, check: exceptUserNamespace(procMountDefault) },
    ],
  },
  {
    id: "procMount_restricted",
    level: "restricted",
    versions: [{ minimum: 35, check: procMountDefault, overrides: [PROC_MOUNT] }],
  },
]

/**
 * Pod and container security contexts (core validation): user and group ids, seccomp and
 * AppArmor profiles, proc mounts, sysctls and the combinations upstream forbids.
 */
import type {
  AppArmorProfile,
  PodSecurityContext,
  PodSpec,
  SeccompProfile,
  SecurityContext,
} from "kubernetes-types/core/v1.js"
import type { FieldError } from "../errors.ts"
import { duplicate, invalidValue, notSupported, required, tooLong } from "../field-errors.ts"
import { child, index, list } from "./_field.ts"
import { isValidId } from "./formats.ts"
import { validateLocalDescendingPath } from "./volumes.ts"

const PROFILE_TYPES = ["Localhost", "RuntimeDefault", "Unconfined"]
const SYSCTL_RE = /^([a-z0-9]([-_a-z0-9]*[a-z0-9])?[./])*[a-z0-9]([-_a-z0-9]*[a-z0-9])?$/
const SYSCTL_RE_TEXT = "^([a-z0-9]([-_a-z0-9]*[a-z0-9])?[\\./])*[a-z0-9]([-_a-z0-9]*[a-z0-9])?$"

function validateIds(sc: { runAsUser?: number; runAsGroup?: number }, field: string): FieldError[] {
  const errs: FieldError[] = []
  if (sc.runAsUser !== undefined)
    errs.push(...isValidId(sc.runAsUser).map((m) => invalidValue(child(field, "runAsUser"), sc.runAsUser, m)))
  if (sc.runAsGroup !== undefined)
    errs.push(
      ...isValidId(sc.runAsGroup).map((m) => invalidValue(child(field, "runAsGroup"), sc.runAsGroup, m)),
    )
  return errs
}

function validateSeccomp(sp: SeccompProfile | undefined, field: string): FieldError[] {
  if (!sp) return []
  const errs: FieldError[] = []
  const type = sp.type ?? ""
  if (!type) errs.push(required(child(field, "type"), "type is required when seccompProfile is set"))
  else if (!PROFILE_TYPES.includes(type)) errs.push(notSupported(child(field, "type"), type, PROFILE_TYPES))
  if (type === "Localhost") {
    if (sp.localhostProfile === undefined)
      errs.push(required(child(field, "localhostProfile"), "must be set when seccomp type is Localhost"))
    else errs.push(...validateLocalDescendingPath(sp.localhostProfile, child(field, "localhostProfile")))
  } else if (sp.localhostProfile !== undefined) {
    errs.push(
      invalidValue(child(field, "localhostProfile"), sp, "can only be set when seccomp type is Localhost"),
    )
  }
  return errs
}

function validateAppArmor(p: AppArmorProfile | undefined, field: string): FieldError[] {
  if (!p) return []
  const type = p.type ?? ""
  const local = child(field, "localhostProfile")
  switch (type) {
    case "Localhost": {
      if (p.localhostProfile === undefined)
        return [required(local, "must be set when AppArmor type is Localhost")]
      const errs: FieldError[] = []
      if (p.localhostProfile.trim() !== p.localhostProfile)
        errs.push(invalidValue(local, p.localhostProfile, "must not be padded with whitespace"))
      else if (p.localhostProfile === "")
        errs.push(required(local, "must be set when AppArmor type is Localhost"))
      if (Buffer.byteLength(p.localhostProfile) > 4095) errs.push(tooLong(local, 4095))
      return errs
    }
    case "RuntimeDefault":
    case "Unconfined":
      return p.localhostProfile !== undefined
        ? [invalidValue(local, p.localhostProfile, "can only be set when AppArmor type is Localhost")]
        : []
    case "":
      return [required(child(field, "type"), "type is required when appArmorProfile is set")]
    default:
      return [notSupported(child(field, "type"), type, PROFILE_TYPES)]
  }
}

/** A container's security context; `hostUsers` is false when the pod has its own user namespace. */
export function validateContainerSecurityContext(
  sc: SecurityContext | undefined,
  field: string,
  hostUsers: boolean,
): FieldError[] {
  if (!sc) return []
  const errs = validateIds(sc, field)
  if (sc.procMount !== undefined) {
    if (sc.procMount !== "Default" && sc.procMount !== "Unmasked") {
      errs.push(notSupported(child(field, "procMount"), sc.procMount, ["Default", "Unmasked"]))
    }
    if (hostUsers && sc.procMount === "Unmasked") {
      errs.push(
        invalidValue(child(field, "procMount"), sc.procMount, "`hostUsers` must be false to use `Unmasked`"),
      )
    }
  }
  errs.push(...validateSeccomp(sc.seccompProfile, child(field, "seccompProfile")))
  if (sc.allowPrivilegeEscalation === false) {
    if (sc.privileged === true) {
      errs.push(
        invalidValue(field, sc, "cannot set `allowPrivilegeEscalation` to false and `privileged` to true"),
      )
    }
    if (list(sc.capabilities?.add).includes("CAP_SYS_ADMIN")) {
      errs.push(
        invalidValue(
          field,
          sc,
          "cannot set `allowPrivilegeEscalation` to false and `capabilities.Add` CAP_SYS_ADMIN",
        ),
      )
    }
  }
  errs.push(...validateAppArmor(sc.appArmorProfile, child(field, "appArmorProfile")))
  return errs
}

function sysctlNamespace(name: string): "net" | "ipc" | "" {
  const n = name.replace(/\//g, ".")
  if (n.startsWith("net.")) return "net"
  if (/^kernel\.(shm|msg)/.test(n) || n === "kernel.sem" || n.startsWith("fs.mqueue.")) return "ipc"
  return ""
}

/** The pod-level security context, with the host namespaces that live on the pod spec. */
export function validatePodSecurityContext(spec: PodSpec, field: string): FieldError[] {
  // Fields newer than the kubernetes-types release in use
  const sc = spec.securityContext as
    (PodSecurityContext & { supplementalGroupsPolicy?: string; seLinuxChangePolicy?: string }) | undefined
  if (!sc) return []
  const errs: FieldError[] = []
  if (sc.fsGroup !== undefined)
    errs.push(...isValidId(sc.fsGroup).map((m) => invalidValue(child(field, "fsGroup"), sc.fsGroup, m)))
  errs.push(...validateIds(sc, field))
  list(sc.supplementalGroups).forEach((g, i) => {
    errs.push(...isValidId(g).map((m) => invalidValue(index(child(field, "supplementalGroups"), i), g, m)))
  })
  if (spec.shareProcessNamespace === true && spec.hostPID === true) {
    errs.push(
      invalidValue(
        child(field, "shareProcessNamespace"),
        true,
        "ShareProcessNamespace and HostPID cannot both be enabled",
      ),
    )
  }
  let names: Set<string> | undefined // made at the first sysctl: most pods have none
  list(sc.sysctls).forEach((s, i) => {
    const path = child(index(child(field, "sysctls"), i), "name")
    const name = s.name ?? ""
    if (!name) errs.push(required(path, ""))
    else if (name.length > 253 || !SYSCTL_RE.test(name)) {
      errs.push(
        invalidValue(path, name, `must have at most 253 characters and match regex ${SYSCTL_RE_TEXT}`),
      )
    } else if (names?.has(name)) errs.push(duplicate(path, name))
    const ns = sysctlNamespace(name)
    if (spec.hostNetwork && ns === "net")
      errs.push(invalidValue(path, name, "may not be specified when 'hostNetwork' is true"))
    else if (spec.hostIPC && ns === "ipc")
      errs.push(invalidValue(path, name, "may not be specified when 'hostIPC' is true"))
    ;(names ??= new Set()).add(name)
  })
  const fsPolicy = sc.fsGroupChangePolicy
  if (fsPolicy !== undefined && fsPolicy !== "Always" && fsPolicy !== "OnRootMismatch") {
    errs.push(notSupported(child(field, "fsGroupChangePolicy"), fsPolicy, ["Always", "OnRootMismatch"]))
  }
  errs.push(...validateSeccomp(sc.seccompProfile, child(field, "seccompProfile")))
  errs.push(...validateAppArmor(sc.appArmorProfile, child(field, "appArmorProfile")))
  const sgp = sc.supplementalGroupsPolicy
  if (sgp !== undefined && sgp !== "Merge" && sgp !== "Strict") {
    errs.push(notSupported(child(field, "supplementalGroupsPolicy"), sgp, ["Merge", "Strict"]))
  }
  const selinux = sc.seLinuxChangePolicy
  if (selinux !== undefined && selinux !== "MountOption" && selinux !== "Recursive") {
    errs.push(notSupported(child(field, "seLinuxChangePolicy"), selinux, ["MountOption", "Recursive"]))
  }
  return errs
}

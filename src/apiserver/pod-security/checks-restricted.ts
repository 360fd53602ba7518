/**
 * The restricted level's own checks: no privilege escalation, capabilities dropped, a non-root
 * user, and only the inline volume types that cannot reach the host (upstream's
 * check_allowPrivilegeEscalation, check_capabilities_restricted, check_runAsNonRoot,
 * check_runAsUser and check_restrictedVolumes).
 */
import type { Volume } from "kubernetes-types/core/v1.js"
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
import { CAPABILITIES_BASELINE, HOST_PATH_VOLUMES } from "./checks-host.ts"

const allowPrivilegeEscalation: CheckPod = (_meta, spec) => {
  const bad: string[] = []
  eachContainer(spec, (c) => {
    if (c.securityContext?.allowPrivilegeEscalation !== false) bad.push(c.name)
  })
  if (bad.length === 0) return undefined
  return {
    reason: "allowPrivilegeEscalation != false",
    detail: `${containersPhrase(bad)} must set securityContext.allowPrivilegeEscalation=false`,
  }
}

const capabilitiesRestricted: CheckPod = (_meta, spec) => {
  const missingDrop: string[] = []
  const adding: string[] = []
  const added: string[] = []
  eachContainer(spec, (c) => {
    const caps = c.securityContext?.capabilities
    if (caps == null) {
      missingDrop.push(c.name)
      return
    }
    if (!(caps.drop ?? []).includes("ALL")) missingDrop.push(c.name)
    const extra = (caps.add ?? []).filter((cap) => cap !== "NET_BIND_SERVICE")
    if (extra.length) {
      adding.push(c.name)
      added.push(...extra)
    }
  })
  const details: string[] = []
  if (missingDrop.length)
    details.push(`${containersPhrase(missingDrop)} must set securityContext.capabilities.drop=["ALL"]`)
  if (adding.length)
    details.push(
      `${containersPhrase(adding)} must not include ${joinQuote(sortedSet(added))} in securityContext.capabilities.add`,
    )
  return details.length ? { reason: "unrestricted capabilities", detail: details.join("; ") } : undefined
}

const runAsNonRoot: CheckPod = (_meta, spec) => {
  const who: string[] = []
  const podValue = spec.securityContext?.runAsNonRoot
  if (podValue === false) who.push("pod")
  const explicit: string[] = []
  const implicit: string[] = []
  eachContainer(spec, (c) => {
    const v = c.securityContext?.runAsNonRoot
    if (v === false) explicit.push(c.name)
    else if (v == null && podValue !== true) implicit.push(c.name)
  })
  if (explicit.length) who.push(containersPhrase(explicit))
  if (who.length) {
    return {
      reason: "runAsNonRoot != true",
      detail: `${who.join(" and ")} must not set securityContext.runAsNonRoot=false`,
    }
  }
  if (implicit.length === 0) return undefined
  return {
    reason: "runAsNonRoot != true",
    detail: `pod or ${containersPhrase(implicit)} must set securityContext.runAsNonRoot=true`,
  }
}

const runAsUser: CheckPod = (_meta, spec) => {
  const who = spec.securityContext?.runAsUser === 0 ? ["pod"] : []
  const bad: string[] = []
  eachContainer(spec, (c) => {
    if (c.securityContext?.runAsUser === 0) bad.push(c.name)
  })
  if (bad.length) who.push(containersPhrase(bad))
  if (who.length === 0) return undefined
  return { reason: "runAsUser=0", detail: `${who.join(" and ")} must not set runAsUser=0` }
}

/** The inline volume sources a restricted pod may use. */
const ALLOWED_VOLUMES = [
  "configMap",
  "csi",
  "downwardAPI",
  "emptyDir",
  "ephemeral",
  "image",
  "persistentVolumeClaim",
  "projected",
  "secret",
]

/** The sources a restricted pod may not use, in the order upstream names the first one found. */
const RESTRICTED_VOLUMES = [
  "hostPath",
  "gcePersistentDisk",
  "awsElasticBlockStore",
  "gitRepo",
  "nfs",
  "iscsi",
  "glusterfs",
  "rbd",
  "flexVolume",
  "cinder",
  "cephfs",
  "flocker",
  "fc",
  "azureFile",
  "vsphereVolume",
  "quobyte",
  "azureDisk",
  "photonPersistentDisk",
  "portworxVolume",
  "scaleIO",
  "storageos",
]

const restrictedVolumes: CheckPod = (_meta, spec) => {
  const bad: string[] = []
  const types: string[] = []
  for (const v of spec.volumes ?? []) {
    const sources = v as Volume & Record<string, unknown>
    if (ALLOWED_VOLUMES.some((k) => sources[k] != null)) continue
    bad.push(v.name)
    types.push(RESTRICTED_VOLUMES.find((k) => sources[k] != null) ?? "unknown")
  }
  if (bad.length === 0) return undefined
  const list = sortedSet(types)
  return {
    reason: "restricted volume types",
    detail:
      `${pluralize("volume", "volumes", bad.length)} ${joinQuote(bad)} ${pluralize("uses", "use", bad.length)} ` +
      `${pluralize("restricted volume type", "restricted volume types", list.length)} ${joinQuote(list)}`,
  }
}

/** The restricted checks of this file, with their versions. */
export const RESTRICTED_CHECKS: readonly Check[] = [
  {
    id: "allowPrivilegeEscalation",
    level: "restricted",
    versions: [
      { minimum: 8, check: allowPrivilegeEscalation },
      { minimum: 25, check: exceptWindows(allowPrivilegeEscalation) },
    ],
  },
  {
    id: "capabilities_restricted",
    level: "restricted",
    versions: [
      { minimum: 22, check: capabilitiesRestricted, overrides: [CAPABILITIES_BASELINE] },
      { minimum: 25, check: exceptWindows(capabilitiesRestricted), overrides: [CAPABILITIES_BASELINE] },
    ],
  },
  {
    id: "runAsNonRoot",
    level: "restricted",
    versions: [
      { minimum: 0, check: runAsNonRoot },
      { minimum: 35, check: exceptUserNamespace(runAsNonRoot) },
    ],
  },
  {
    id: "runAsUser",
    level: "restricted",
    versions: [
      { minimum: 23, check: runAsUser },
      { minimum: 35, check: exceptUserNamespace(runAsUser) },
    ],
  },
  {
    id: "restrictedVolumes",
    level: "restricted",
    versions: [{ minimum: 0, check: restrictedVolumes, overrides: [HOST_PATH_VOLUMES] }],
  },
]

/** The Node a real kubelet registers: capacity and facts read from the host it runs on. */
import { createHash } from "node:crypto"
import { existsSync, readdirSync, readFileSync, statfsSync } from "node:fs"
import { join } from "node:path"
import { arch, cpus, release, totalmem } from "node:os"
import type { Node } from "kubernetes-types/core/v1.js"
import { KUBE_VERSION, quantityOf } from "../api/index.ts"
import { healthyConditions } from "./hollow/node-object.ts"
import { CONTROLLER_MANAGED_ATTACH_DETACH } from "./registered-node.ts"

/** What the kubelet knows about its node. */
export interface NodeFacts {
  readonly name: string
  /** The address the node reports as InternalIP. */
  readonly address: string
  /** The folder whose filesystem holds ephemeral storage. */
  readonly dataDir: string
  readonly podCIDR?: string
  /** The kubelet's API port (daemonEndpoints). */
  readonly kubeletPort: number
  readonly runtime: { readonly name: string; readonly version: string }
  readonly labels?: Readonly<Record<string, string>>
  /** Pods the node accepts (default 110). */
  readonly maxPods?: number
}

function osImage(): string {
  try {
    const text = readFileSync("/etc/os-release", "utf8")
    return /^PRETTY_NAME="?([^"\n]*)"?$/m.exec(text)?.[1] ?? "Linux"
  } catch {
    return "Linux"
  }
}

function fileOr(path: string, fallback: string): string {
  try {
    return existsSync(path) ? readFileSync(path, "utf8").trim() || fallback : fallback
  } catch {
    return fallback
  }
}

function goArch(): string {
  const a = arch()
  return a === "x64" ? "amd64" : a === "ia32" ? "386" : a
}

/** Where the kernel lists its huge page pools, one `hugepages-<size>kB` folder per page size. */
const HUGEPAGES_DIR = "/sys/kernel/mm/hugepages"

/**
 * The host's huge page pools as resources, as cadvisor reads them and the kubelet names them:
 * `hugepages-<page size>` (2Mi, 1Gi, ...) for every pool the kernel has, worth its pages
 * (nr_hugepages) times the page size. None where the folder is missing (no huge page support).
 */
export function hostHugePages(dir = HUGEPAGES_DIR): Record<string, number> {
  let names: string[]
  try {
    names = readdirSync(dir)
  } catch {
    return {}
  }
  const out: Record<string, number> = {}
  for (const name of names.sort()) {
    const kb = /^hugepages-(\d+)kB$/.exec(name)?.[1]
    if (kb === undefined) continue
    const pages = Number(fileOr(join(dir, name, "nr_hugepages"), "0"))
    const pageBytes = Number(kb) * 1024
    out[`hugepages-${quantityOf(pageBytes, "BinarySI")}`] = (Number.isFinite(pages) ? pages : 0) * pageBytes
  }
  return out
}

/**
 * The host's capacity: cpu, memory, ephemeral storage of `dataDir`'s filesystem, pods, and its
 * huge page pools (hostHugePages).
 */
export function hostCapacity(
  dataDir: string,
  maxPods = 110,
  hugePages: Readonly<Record<string, number>> = hostHugePages(),
): Record<string, string> {
  let storage = 0
  try {
    const fs = statfsSync(dataDir)
    storage = fs.blocks * fs.bsize
  } catch {
    storage = 0
  }
  return {
    cpu: String(cpus().length),
    memory: `${Math.floor(totalmem() / 1024)}Ki`,
    "ephemeral-storage": `${Math.floor(storage / 1024)}Ki`,
    pods: String(maxPods),
    ...Object.fromEntries(Object.entries(hugePages).map(([k, v]) => [k, quantityOf(v, "BinarySI")])),
  }
}

/** The Node object for this host. */
export function realNode(f: NodeFacts, now: number): Node {
  const hugePages = hostHugePages()
  const capacity = hostCapacity(f.dataDir, f.maxPods, hugePages)
  // Memory held in huge page pools is not allocatable as memory (upstream's MachineInfo setter).
  const pooled = Object.values(hugePages).reduce((a, b) => a + b, 0)
  const machineID = fileOr("/etc/machine-id", createHash("sha256").update(f.name).digest("hex").slice(0, 32))
  const os = process.platform === "linux" ? "linux" : process.platform
  return {
    apiVersion: "v1",
    kind: "Node",
    metadata: {
      name: f.name,
      labels: {
        "kubernetes.io/hostname": f.name,
        "kubernetes.io/os": os,
        "kubernetes.io/arch": goArch(),
        "beta.kubernetes.io/os": os,
        "beta.kubernetes.io/arch": goArch(),
        ...f.labels,
      },
      annotations: {
        "node.alpha.kubernetes.io/ttl": "0",
        [CONTROLLER_MANAGED_ATTACH_DETACH]: "true",
        "k8ts.io/runtime": f.runtime.name,
      },
    },
    spec: f.podCIDR ? { podCIDR: f.podCIDR, podCIDRs: [f.podCIDR] } : {},
    status: {
      capacity,
      allocatable: {
        ...capacity,
        memory: quantityOf(Math.max(0, totalmem() - 100 * 1024 * 1024 - pooled), "BinarySI"),
      },
      conditions: healthyConditions(now, now),
      addresses: [
        { type: "InternalIP", address: f.address },
        { type: "Hostname", address: f.name },
      ],
      daemonEndpoints: { kubeletEndpoint: { Port: f.kubeletPort } },
      nodeInfo: {
        machineID,
        systemUUID: fileOr("/sys/class/dmi/id/product_uuid", machineID),
        bootID: fileOr("/proc/sys/kernel/random/boot_id", machineID),
        kernelVersion: release(),
        osImage: osImage(),
        containerRuntimeVersion: `${f.runtime.name}://${f.runtime.version}`,
        kubeletVersion: KUBE_VERSION.gitVersion,
        // Deprecated (KEP-4004): kubelets since 1.33 leave it empty.
        kubeProxyVersion: "",
        operatingSystem: os,
        architecture: goArch(),
      },
      phase: "Running",
    },
  }
}

/**
 * The served resource table: the built-in resources plus, for every established
 * CustomResourceDefinition, one resource per served version named by its accepted names.
 * Routing, discovery and the registry hooks read it; the CRD controller keeps it current.
 */
import type {
  CustomResourceDefinition,
  CustomResourceDefinitionVersion,
  CustomResourceSubresourceScale,
} from "kubernetes-types/apiextensions/v1.js"
import {
  type ResourceInfo,
  STANDARD_VERBS,
  type StructuralSchema,
  type SubresourceInfo,
} from "../../api/index.ts"
import type { Printer } from "../table/index.ts"
import { customResourcePrinter } from "./printer.ts"

/** What serving one version of a custom resource needs beyond its ResourceInfo. */
export interface CustomResourceHandling {
  readonly crd: CustomResourceDefinition
  readonly version: CustomResourceDefinitionVersion
  readonly schema: StructuralSchema | undefined
  readonly printer: Printer
  readonly scale: CustomResourceSubresourceScale | undefined
  /** The CRD is being deleted: no new objects. */
  readonly terminating: boolean
}

const KUBE_VERSION = /^v(\d+)(?:(alpha|beta)(\d+))?$/

/** Upstream's version priority: GA before beta before alpha, higher numbers first, others last by name. */
export function compareVersions(a: string, b: string): number {
  const rank = (v: string): [number, number, number] | undefined => {
    const m = KUBE_VERSION.exec(v)
    if (!m) return undefined
    const stage = m[2] === "alpha" ? 0 : m[2] === "beta" ? 1 : 2
    return [stage, Number(m[1]), Number(m[3] ?? 0)]
  }
  const x = rank(a)
  const y = rank(b)
  if (!x || !y) return x ? -1 : y ? 1 : a < b ? -1 : a > b ? 1 : 0
  for (let i = 0; i < 3; i++) if (x[i] !== y[i]) return (y[i] as number) - (x[i] as number)
  return 0
}

/** True when the CRD has the condition `type` with status True. */
export function hasCondition(crd: CustomResourceDefinition, type: string): boolean {
  return (crd.status?.conditions ?? []).some((c) => c.type === type && c.status === "True")
}

const STATUS: SubresourceInfo = { name: "status", verbs: ["get", "patch", "update"] }
const SCALE: SubresourceInfo = {
  name: "scale",
  verbs: ["get", "patch", "update"],
  kind: "Scale",
  group: "autoscaling",
  version: "v1",
}

/** One ResourceInfo per served version of a CRD (by priority), with what serving it needs. */
export function customResources(crd: CustomResourceDefinition): [ResourceInfo, CustomResourceHandling][] {
  const spec = crd.spec
  const accepted = crd.status?.acceptedNames
  const names = accepted?.plural ? accepted : spec.names
  const storage = spec.versions.find((v) => v.storage)?.name
  const served = spec.versions.filter((v) => v.served).sort((a, b) => compareVersions(a.name, b.name))
  return served.map((v) => {
    const sub = v.subresources
    const info: ResourceInfo = {
      group: spec.group,
      version: v.name,
      resource: names.plural,
      kind: names.kind,
      namespaced: spec.scope === "Namespaced",
      singular: names.singular ?? names.kind.toLowerCase(),
      shortNames: names.shortNames ?? [],
      categories: names.categories ?? [],
      verbs: STANDARD_VERBS,
      subresources: [...(sub?.status ? [STATUS] : []), ...(sub?.scale ? [SCALE] : [])],
      ...(storage ? { storageVersion: storage } : {}),
      ...(v.deprecated
        ? { deprecated: { warning: v.deprecationWarning ?? defaultDeprecationWarning(crd, v.name) } }
        : {}),
      custom: true,
    }
    const handling: CustomResourceHandling = {
      crd,
      version: v,
      schema: v.schema?.openAPIV3Schema as StructuralSchema | undefined,
      printer: customResourcePrinter(v.additionalPrinterColumns),
      scale: sub?.scale,
      terminating: !!crd.metadata?.deletionTimestamp,
    }
    return [info, handling]
  })
}

/**
 * The warning of a deprecated CRD version without its own deprecationWarning, as upstream's
 * crdHandler words it: `<group>/<version> <Kind> is deprecated`, and `; use <group>/<version>
 * <Kind>` naming the first by priority of the served, not deprecated versions that rank above it.
 */
export function defaultDeprecationWarning(crd: CustomResourceDefinition, version: string): string {
  const { group, names } = crd.spec
  const text = `${group}/${version} ${names.kind} is deprecated`
  const newer = crd.spec.versions
    .filter((v) => v.served && !v.deprecated && compareVersions(v.name, version) < 0)
    .sort((a, b) => compareVersions(a.name, b.name))[0]
  return newer ? `${text}; use ${group}/${newer.name} ${names.kind}` : text
}

/** The storage prefix of a CRD's objects: /registry/<group>/<plural>/. */
export function customResourcePrefix(crd: CustomResourceDefinition): string {
  return `/registry/${crd.spec.group}/${crd.spec.names.plural}/`
}

/** The built-in resources plus the established custom resources. */
export class ResourceTable {
  readonly #builtins: readonly ResourceInfo[]
  readonly #seen: (prefix: string) => void
  readonly #crds = new Map<string, ResourceInfo[]>()
  /** What each served CRD's resources were built from, to rebuild only on change. */
  readonly #built = new Map<string, string>()
  #handling = new WeakMap<ResourceInfo, CustomResourceHandling>()
  #all: readonly ResourceInfo[] | undefined
  /** The served resources by `group/version/resource` (the first of equals, as find had it). */
  #byName: Map<string, ResourceInfo> | undefined

  /** `seen` is told the storage prefix of every CRD, served or not yet. */
  constructor(builtins: readonly ResourceInfo[], seen: (prefix: string) => void) {
    this.#builtins = builtins
    this.#seen = seen
  }

  /** Every served resource, built-in first, in discovery order. */
  all(): readonly ResourceInfo[] {
    return (this.#all ??= [...this.#builtins, ...[...this.#crds.values()].flat()])
  }

  /** The resource named by group, version and plural, if served. */
  find(group: string, version: string, resource: string): ResourceInfo | undefined {
    if (!this.#byName) {
      const byName = new Map<string, ResourceInfo>()
      for (const r of this.all()) {
        const id = `${r.group}/${r.version}/${r.resource}`
        if (!byName.has(id)) byName.set(id, r)
      }
      this.#byName = byName
    }
    return this.#byName.get(`${group}/${version}/${resource}`)
  }

  /** How to serve a custom resource; undefined for built-ins. */
  handling(info: ResourceInfo): CustomResourceHandling | undefined {
    return this.#handling.get(info)
  }

  /** Serves (or stops serving) a CRD's resources as its current state says. */
  set(crd: CustomResourceDefinition): void {
    const name = crd.metadata?.name ?? ""
    if (!crd.spec?.group || !crd.spec.names?.plural) return
    this.#seen(customResourcePrefix(crd))
    if (!hasCondition(crd, "Established")) {
      if (this.#crds.delete(name)) this.#all = this.#byName = undefined
      this.#built.delete(name)
      return
    }
    const from = JSON.stringify([crd.spec, crd.status?.acceptedNames, !!crd.metadata?.deletionTimestamp])
    if (this.#built.get(name) === from) return
    this.#built.set(name, from)
    this.#all = this.#byName = undefined
    const pairs = customResources(crd)
    for (const [info, h] of pairs) this.#handling.set(info, h)
    this.#crds.set(
      name,
      pairs.map(([info]) => info),
    )
  }

  /** Stops serving a deleted CRD. */
  remove(name: string): void {
    this.#crds.delete(name)
    this.#built.delete(name)
    this.#all = this.#byName = undefined
  }
}

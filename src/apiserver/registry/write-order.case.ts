/**
 * What the tests of a write's order share: a registry on a memory store whose admission keeps a
 * copy of the object each phase saw, and the objects they write.
 */
import {
  type ApiObject,
  applyDefaults,
  findResource,
  Pods,
  type ResourceInfo,
  validateObject,
} from "../../api/index.ts"
import { MemoryStore } from "../../storage/index.ts"
import { FakeClock } from "../../util/index.ts"
import type { AdmissionRequest, Served } from "./context.ts"
import { Registry } from "./registry.ts"

export const NOW = "2026-01-01T00:00:00Z"

export function served(info: ResourceInfo): Served {
  const prefix = info.group ? `/registry/${info.group}/${info.resource}/` : `/registry/${info.resource}/`
  return { info, prefix, storageVersion: info.version, storageGroup: info.group }
}

export const PODS = served(Pods)
export const JOBS = served(findResource("batch", "v1", "jobs") as ResourceInfo)
export const DEPLOYMENTS = served(findResource("apps", "v1", "deployments") as ResourceInfo)
export const NAMESPACES = served(findResource("", "v1", "namespaces") as ResourceInfo)
export const CRDS = served(
  findResource("apiextensions.k8s.io", "v1", "customresourcedefinitions") as ResourceInfo,
)

export type Obj = ApiObject & { spec?: any; status?: any }

/**
 * A registry whose admission keeps a copy of the object each phase saw; `mutate` is the mutating
 * phase's one change.
 */
export function registry(mutate: (req: AdmissionRequest) => void = () => {}) {
  const seen: { mutating?: Obj; mutatingName?: string; validating?: Obj; validatingName?: string } = {}
  const reg = new Registry({
    store: new MemoryStore(),
    clock: new FakeClock(Date.parse(NOW)),
    admission: {
      async mutate(req) {
        seen.mutating = structuredClone(req.object) as Obj
        seen.mutatingName = req.name
        mutate(req)
      },
      async validate(req) {
        seen.validating = structuredClone(req.object) as Obj
        seen.validatingName = req.name
      },
    },
    defaults: (info, obj) => applyDefaults(info, obj),
    validate: (info, obj, old, sub) => validateObject(info, obj, old, sub),
    convert: (obj) => obj,
  })
  return { reg, seen }
}

export const podBody = (): Obj => ({
  metadata: { generateName: "web-" },
  spec: { containers: [{ name: "c", image: "busybox" }] },
  status: { phase: "Running", podIP: "10.0.0.9" },
})

export const deployment = (): Obj => ({
  metadata: { name: "web" },
  spec: {
    replicas: 1,
    selector: { matchLabels: { app: "web" } },
    template: { metadata: { labels: { app: "web" } }, spec: { containers: [{ name: "c", image: "x" }] } },
  },
})

/**
 * RuntimeClass admission (upstream's plugin of that name), for new pods: one naming a
 * RuntimeClass that does not exist is refused; otherwise it gets the class's fixed overhead as
 * spec.overhead (refused if it set a different one) and its scheduling: the class's nodeSelector
 * merged into the pod's (a key both set differently is refused) and its tolerations merged with
 * the pod's. In the validating phase a pod's overhead must still be its class's, and a pod may
 * not set one its class does not define.
 */
import type { Pod, Toleration } from "kubernetes-types/core/v1.js"
import type { RuntimeClass } from "kubernetes-types/node/v1.js"
import { parseQuantity } from "../api/index.ts"
import { type AdmissionPlugin, admissionForbidden } from "./admission.ts"
import { mergeTolerations } from "./merge-tolerations.ts"
import type { AdmissionRequest } from "./registry/context.ts"

/** Reads a RuntimeClass by name (from the watch cache, else the store); undefined if none. */
export type RuntimeClassLookup = (
  name: string,
) => RuntimeClass | undefined | Promise<RuntimeClass | undefined>

type ResourceList = Record<string, string>
interface PodSpecShape {
  runtimeClassName?: string | null
  overhead?: ResourceList | null
  nodeSelector?: Record<string, string> | null
  tolerations?: Toleration[] | null
}

const MISMATCH = "pod rejected: Pod's Overhead doesn't match RuntimeClass's defined Overhead"
const UNDEFINED = "pod rejected: Pod Overhead set without corresponding RuntimeClass defined Overhead"

function isEmpty(list: object | null | undefined): boolean {
  return !list || Object.keys(list).length === 0
}

/** Resource lists equal as upstream's semantic equality has them: the same names, equal quantities. */
export function sameResourceList(
  a: ResourceList | null | undefined,
  b: ResourceList | null | undefined,
): boolean {
  const ka = Object.keys(a ?? {})
  if (ka.length !== Object.keys(b ?? {}).length) return false
  return ka.every((k) => {
    const [x, y] = [a?.[k], b?.[k]]
    if (y === undefined) return false
    const [qx, qy] = [parseQuantity(x), parseQuantity(y)]
    return qx && qy ? qx.nano === qy.nano : x === y
  })
}

/**
 * Runs `then` with the pod's RuntimeClass (undefined when it names none), refusing a name that
 * does not exist; synchronous when the lookup is (a watch cache hit), as most admission is.
 */
function withClass(
  req: AdmissionRequest,
  spec: PodSpecShape,
  lookup: RuntimeClassLookup,
  then: (rc: RuntimeClass | undefined) => void,
): void | Promise<void> {
  const name = spec.runtimeClassName
  if (name === undefined || name === null) return then(undefined)
  const found = (rc: RuntimeClass | undefined) => {
    if (!rc) throw admissionForbidden(req, `pod rejected: RuntimeClass "${name}" not found`)
    then(rc)
  }
  const rc = lookup(name)
  return rc instanceof Promise ? rc.then(found) : found(rc)
}

function setOverhead(req: AdmissionRequest, spec: PodSpecShape, rc: RuntimeClass): void {
  if (!rc.overhead) return
  const fixed = rc.overhead.podFixed as ResourceList | undefined
  if (!isEmpty(spec.overhead) && !sameResourceList(fixed, spec.overhead))
    throw admissionForbidden(req, MISMATCH)
  if (isEmpty(fixed)) delete spec.overhead
  else spec.overhead = { ...fixed }
}

function setScheduling(req: AdmissionRequest, spec: PodSpecShape, rc: RuntimeClass): void {
  if (!rc.scheduling) return
  const wanted = rc.scheduling.nodeSelector ?? {}
  if (!spec.nodeSelector) {
    if (!isEmpty(wanted)) spec.nodeSelector = { ...wanted }
  } else {
    for (const [key, value] of Object.entries(wanted)) {
      const podValue = spec.nodeSelector[key]
      if (podValue !== undefined && podValue !== value) {
        throw admissionForbidden(
          req,
          `conflict: runtimeClass.scheduling.nodeSelector[${key}] = ${value}; pod.spec.nodeSelector[${key}] = ${podValue}`,
        )
      }
      spec.nodeSelector[key] = value
    }
  }
  const merged = mergeTolerations(spec.tolerations ?? [], structuredClone(rc.scheduling.tolerations ?? []))
  if (merged.length) spec.tolerations = merged
  else delete spec.tolerations
}

function validateOverhead(req: AdmissionRequest, spec: PodSpecShape, rc: RuntimeClass | undefined): void {
  if (isEmpty(spec.overhead)) return
  if (!rc?.overhead) throw admissionForbidden(req, UNDEFINED)
  if (!sameResourceList(rc.overhead.podFixed as ResourceList | undefined, spec.overhead))
    throw admissionForbidden(req, MISMATCH)
}

function podSpecOf(req: AdmissionRequest): PodSpecShape | undefined {
  if (req.operation !== "CREATE" || req.subresource !== "") return undefined
  if (req.info.group !== "" || req.info.resource !== "pods") return undefined
  return (req.object as Pod | undefined)?.spec as PodSpecShape | undefined
}

/** The RuntimeClass plugin; `lookup` reads a RuntimeClass as upstream's lister, then a live read. */
export function runtimeClassAdmission(lookup: RuntimeClassLookup): AdmissionPlugin {
  return {
    name: "RuntimeClass",
    mutate(req) {
      const spec = podSpecOf(req)
      if (!spec || spec.runtimeClassName === undefined || spec.runtimeClassName === null) return
      return withClass(req, spec, lookup, (rc) => {
        if (!rc) return
        setOverhead(req, spec, rc)
        setScheduling(req, spec, rc)
      })
    },
    validate(req) {
      const spec = podSpecOf(req)
      if (!spec) return
      return withClass(req, spec, lookup, (rc) => validateOverhead(req, spec, rc))
    },
  }
}

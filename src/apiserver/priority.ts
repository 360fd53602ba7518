/**
 * Priority admission (upstream's plugin of the same name) and the system PriorityClasses the API
 * server bootstraps: a new pod gets the priority and preemption policy of its PriorityClass (or of
 * the global default class, else 0 and PreemptLowerPriority); a class that does not exist, or a
 * priority that disagrees with the class, is refused. Only one class may be the global default,
 * and the two system classes may not be deleted.
 */
import type { Pod } from "kubernetes-types/core/v1.js"
import type { PriorityClass } from "kubernetes-types/scheduling/v1.js"
import { type AdmissionPlugin, admissionForbidden } from "./admission.ts"
import type { AdmissionRequest } from "./registry/context.ts"

/** The classes every cluster has (upstream's SystemPriorityClasses). */
export const SYSTEM_PRIORITY_CLASSES: readonly PriorityClass[] = [
  {
    apiVersion: "scheduling.k8s.io/v1",
    kind: "PriorityClass",
    metadata: { name: "system-node-critical" },
    value: 2000001000,
    description: "Used for system critical pods that must not be moved from their current node.",
  },
  {
    apiVersion: "scheduling.k8s.io/v1",
    kind: "PriorityClass",
    metadata: { name: "system-cluster-critical" },
    value: 2000000000,
    description:
      "Used for system critical pods that must run in the cluster, but can be moved to another node if necessary.",
  },
]

type PodSpec = { -readonly [K in keyof NonNullable<Pod["spec"]>]: NonNullable<Pod["spec"]>[K] }

function isPod(req: AdmissionRequest): boolean {
  return req.info.group === "" && req.info.kind === "Pod" && req.subresource === ""
}

function isPriorityClass(req: AdmissionRequest): boolean {
  return req.info.group === "scheduling.k8s.io" && req.info.kind === "PriorityClass"
}

/** The global default class with the lowest value, as upstream picks it. */
function defaultClass(classes: Iterable<PriorityClass>): PriorityClass | undefined {
  let found: PriorityClass | undefined
  for (const c of classes) if (c.globalDefault && (!found || c.value < found.value)) found = c
  return found
}

interface Resolved {
  readonly name: string
  readonly value: number
  readonly policy: string | undefined
}

function resolve(
  req: AdmissionRequest,
  name: string,
  lookup: (name: string) => PriorityClass | undefined,
  classes: () => Iterable<PriorityClass>,
): Resolved {
  if (!name) {
    const d = defaultClass(classes())
    if (d) return { name: d.metadata?.name ?? "", value: d.value, policy: d.preemptionPolicy }
    return { name: "", value: 0, policy: "PreemptLowerPriority" }
  }
  const pc = lookup(name) ?? SYSTEM_PRIORITY_CLASSES.find((c) => c.metadata?.name === name)
  if (!pc) throw admissionForbidden(req, `no PriorityClass with name ${name} was found`)
  return { name, value: pc.value, policy: pc.preemptionPolicy ?? "PreemptLowerPriority" }
}

function admitPod(
  req: AdmissionRequest,
  lookup: (name: string) => PriorityClass | undefined,
  classes: () => Iterable<PriorityClass>,
): void {
  const spec = (req.object as Pod | undefined)?.spec as PodSpec | undefined
  if (!spec) return
  if (req.operation === "UPDATE") {
    const old = (req.old as Pod | undefined)?.spec
    if (spec.priority == null && old?.priority != null) spec.priority = old.priority
    if (spec.preemptionPolicy == null && old?.preemptionPolicy != null)
      spec.preemptionPolicy = old.preemptionPolicy
    return
  }
  const r = resolve(req, spec.priorityClassName ?? "", lookup, classes)
  if (r.name) spec.priorityClassName = r.name
  if (spec.priority != null && spec.priority !== r.value) {
    throw admissionForbidden(
      req,
      `the integer value of priority (${spec.priority}) must not be provided in pod spec; priority admission controller computed ${r.value} from the given PriorityClass name`,
    )
  }
  spec.priority = r.value
  if (r.policy === undefined) return
  if (spec.preemptionPolicy && spec.preemptionPolicy !== r.policy) {
    throw admissionForbidden(
      req,
      `the string value of PreemptionPolicy (${spec.preemptionPolicy}) must not be provided in pod spec; priority admission controller computed ${r.policy} from the given PriorityClass name`,
    )
  }
  spec.preemptionPolicy = r.policy
}

function validateClass(req: AdmissionRequest, classes: () => Iterable<PriorityClass>): void {
  if (req.operation === "DELETE") {
    if (SYSTEM_PRIORITY_CLASSES.some((c) => c.metadata?.name === req.name))
      throw admissionForbidden(req, "this is a system priority class and cannot be deleted")
    return
  }
  const pc = req.object as PriorityClass | undefined
  if (!pc?.globalDefault) return
  const d = defaultClass(classes())
  const other = d?.metadata?.name
  if (other && (req.operation === "CREATE" || other !== pc.metadata?.name))
    throw admissionForbidden(req, `PriorityClass ${other} is marked as default. Only one default can exist`)
}

/**
 * The Priority plugin; `classes` lists the stored PriorityClasses (from the watch cache) and
 * `lookup` reads one by name.
 */
export function priorityAdmission(
  classes: () => Iterable<PriorityClass>,
  lookup: (name: string) => PriorityClass | undefined,
): AdmissionPlugin {
  return {
    name: "Priority",
    mutate(req) {
      if (isPod(req) && (req.operation === "CREATE" || req.operation === "UPDATE"))
        admitPod(req, lookup, classes)
    },
    validate(req) {
      if (isPriorityClass(req) && req.subresource === "") validateClass(req, classes)
    },
  }
}

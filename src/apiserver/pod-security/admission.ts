/**
 * PodSecurity admission (upstream's plugin, k8s.io/pod-security-admission): a pod is held to
 * the level its namespace's labels enforce (403 when it violates it), and pods and the pod
 * templates of workload resources to the levels they audit and warn about (an audit annotation,
 * a Warning). A namespace's labels must parse, and a stricter enforce level warns about the pods
 * already there that violate it.
 */
import type { ObjectMeta } from "kubernetes-types/meta/v1.js"
import type { Pod, PodSpec, PodTemplateSpec } from "kubernetes-types/core/v1.js"
import { ApiError, type ApiObject, invalid, isLabelValue } from "../../api/index.ts"
import { type AdmissionPlugin, admissionForbidden } from "../admission.ts"
import { aggregateMessage } from "../../util/index.ts"
import type { AdmissionRequest } from "../registry/context.ts"
import { type CheckResults, forbiddenDetail } from "./check.ts"
import { evaluatePod } from "./evaluator.ts"
import {
  LABEL_PREFIX,
  type LabelledPolicy,
  type LevelVersion,
  compareLevels,
  isFullyPrivileged,
  levelVersionString,
  policyFromLabels,
  sameLevelVersion,
} from "./levels.ts"
import { existingPodWarnings } from "./namespace-pods.ts"

/** What PodSecurity reads of the cluster. */
export interface PodSecurityDeps {
  /** A namespace, from the watch cache (a promise when it has to be read from the store). */
  readonly namespace: (name: string) => ApiObject | undefined | Promise<ApiObject | undefined>
  /** The pods of a namespace (from the watch cache), checked when its enforce level tightens. */
  readonly pods: (namespace: string) => Iterable<Pod>
  /** Milliseconds of a monotonic clock, for the time the pods' check may take (default performance.now). */
  readonly now?: () => number
}

/** The audit annotations PodSecurity adds (prefixed by pod-security.kubernetes.io/). */
const ENFORCE_POLICY = `${LABEL_PREFIX}enforce-policy`
const AUDIT_VIOLATIONS = `${LABEL_PREFIX}audit-violations`
const ERROR = `${LABEL_PREFIX}error`

/** The pod subresources that cannot change what the checks look at. */
const IGNORED_POD_SUBRESOURCES = new Set([
  "exec",
  "attach",
  "binding",
  "eviction",
  "log",
  "portforward",
  "proxy",
  "status",
])

/** Where each workload resource keeps its pod template. */
const TEMPLATES: Readonly<Record<string, (obj: any) => PodTemplateSpec | undefined>> = {
  "/replicationcontrollers": (o) => o.spec?.template,
  "/podtemplates": (o) => o.template ?? {},
  "apps/replicasets": (o) => o.spec?.template ?? {},
  "apps/deployments": (o) => o.spec?.template ?? {},
  "apps/statefulsets": (o) => o.spec?.template ?? {},
  "apps/daemonsets": (o) => o.spec?.template ?? {},
  "batch/jobs": (o) => o.spec?.template ?? {},
  "batch/cronjobs": (o) => o.spec?.jobTemplate?.spec?.template ?? {},
}

/** Policies of the namespace objects seen (cache objects are replaced, never changed, on a write). */
const policies = new WeakMap<object, LabelledPolicy>()

function policyOf(ns: ApiObject): LabelledPolicy {
  let p = policies.get(ns)
  if (!p) {
    p = policyFromLabels(ns.metadata?.labels)
    policies.set(ns, p)
  }
  return p
}

/** The PodSecurity admission plugin. */
export function podSecurity(deps: PodSecurityDeps): AdmissionPlugin {
  return {
    name: "PodSecurity",
    validate(req) {
      if (req.operation !== "CREATE" && req.operation !== "UPDATE") return
      const { group, resource, custom } = req.info
      if (custom) return
      if (group === "" && resource === "pods") return validatePod(req, deps)
      if (group === "" && resource === "namespaces") return validateNamespace(req, deps)
      const template = TEMPLATES[`${group}/${resource}`]
      if (template && req.subresource === "") return validateWorkload(req, deps, template)
    },
  }
}

/** Runs `then` on the namespace of the request, at once when the cache has it. */
function withNamespace(
  req: AdmissionRequest,
  deps: PodSecurityDeps,
  then: (ns: ApiObject | undefined) => void,
): void | Promise<void> {
  const ns = deps.namespace(req.namespace)
  return ns instanceof Promise ? ns.then(then) : then(ns)
}

function validatePod(req: AdmissionRequest, deps: PodSecurityDeps): void | Promise<void> {
  if (IGNORED_POD_SUBRESOURCES.has(req.subresource)) return
  const pod = req.object as Pod
  // Only a change of what the checks read is held to the policy again (images, containers).
  if (req.operation === "UPDATE" && !isSignificantPodUpdate(pod, req.old as Pod)) return
  return withNamespace(req, deps, (ns) => {
    if (!ns) {
      throw new ApiError(
        "InternalError",
        `Internal error occurred: failed to lookup namespace "${req.namespace}"`,
      )
    }
    const labelled = policyOf(ns)
    if (labelled.errors.length === 0 && isFullyPrivileged(labelled.policy)) {
      req.notes?.annotate(ENFORCE_POLICY, "privileged:latest")
      return
    }
    evaluate(req, labelled, pod.metadata ?? {}, pod.spec ?? { containers: [] }, true)
  })
}

function validateWorkload(
  req: AdmissionRequest,
  deps: PodSecurityDeps,
  templateOf: (obj: unknown) => PodTemplateSpec | undefined,
): void | Promise<void> {
  return withNamespace(req, deps, (ns) => {
    if (!ns) {
      req.notes?.annotate(ERROR, `failed to lookup namespace "${req.namespace}"`)
      return
    }
    const labelled = policyOf(ns)
    const { policy } = labelled
    if (
      labelled.errors.length === 0 &&
      policy.warn.level === "privileged" &&
      policy.audit.level === "privileged"
    )
      return
    const template = templateOf(req.object)
    if (!template) return
    evaluate(req, labelled, template.metadata ?? {}, template.spec ?? { containers: [] }, false)
  })
}

/**
 * Holds a pod (or a template) to the namespace's policy: the enforce level when `enforce` (a
 * 403 on a violation), the audit level (an annotation) and the warn level (a Warning, unless
 * the request is refused).
 */
function evaluate(
  req: AdmissionRequest,
  labelled: LabelledPolicy,
  meta: ObjectMeta,
  spec: PodSpec,
  enforce: boolean,
): void {
  const { policy, errors } = labelled
  const notes = req.notes
  if (errors.length) {
    notes?.annotate(
      ERROR,
      `Failed to parse policy: ${aggregateMessage(errors.map((e) => `${e.field}: ${e.message}`))}`,
    )
  }
  // A mode at the level and version of another reuses its result.
  const results = new Map<string, CheckResults>()
  const resultOf = (lv: LevelVersion) => {
    const key = levelVersionString(lv)
    let r = results.get(key)
    if (!r) {
      r = evaluatePod(lv, meta, spec)
      results.set(key, r)
    }
    return r
  }
  let refusal: ApiError | undefined
  if (enforce) {
    notes?.annotate(ENFORCE_POLICY, levelVersionString(policy.enforce))
    const r = resultOf(policy.enforce)
    if (!r.allowed) {
      const message = `violates PodSecurity "${levelVersionString(policy.enforce)}": ${forbiddenDetail(r)}`
      refusal = admissionForbidden(req, message)
    }
  }
  const audit = resultOf(policy.audit)
  if (!audit.allowed) {
    notes?.annotate(
      AUDIT_VIOLATIONS,
      `would violate PodSecurity "${levelVersionString(policy.audit)}": ${forbiddenDetail(audit)}`,
    )
  }
  if (refusal) throw refusal
  const warn = resultOf(policy.warn)
  if (!warn.allowed)
    notes?.warn(`would violate PodSecurity "${levelVersionString(policy.warn)}": ${forbiddenDetail(warn)}`)
}

function validateNamespace(req: AdmissionRequest, deps: PodSecurityDeps): void {
  if (req.subresource !== "") return
  const obj = req.object as ApiObject
  const labels = obj.metadata?.labels
  const next = policyFromLabels(labels)
  // A label value that is no label value at all is the namespace's validation's to refuse.
  if (next.errors.length && Object.values(labels ?? {}).some((v) => isLabelValue(v).length > 0)) return
  if (req.operation === "CREATE") {
    if (next.errors.length) throw invalid("Namespace", req.name, next.errors)
    return
  }
  const prev = policyFromLabels(req.old?.metadata?.labels)
  // Labels that were already invalid may stay so; new or other errors are refused.
  if (next.errors.length && (prev.errors.length === 0 || !sameErrors(next, prev)))
    throw invalid("Namespace", req.name, next.errors)
  const now = next.policy.enforce
  const was = prev.policy.enforce
  // Nothing new to check the pods against: the same policy, privileged, or the same version relaxed.
  if (sameLevelVersion(now, was) || now.level === "privileged") return
  if (now.version === was.version && compareLevels(now.level, was.level) < 1) return
  const pods = deps.pods(req.name)
  for (const w of existingPodWarnings(req.name, now, pods, deps.now ?? (() => performance.now())))
    req.notes?.warn(w)
}

function sameErrors(a: LabelledPolicy, b: LabelledPolicy): boolean {
  return (
    a.errors.length === b.errors.length &&
    a.errors.every((e, i) => e.field === b.errors[i]?.field && e.message === b.errors[i]?.message)
  )
}

/**
 * Whether a pod update changes what the checks read (upstream's isSignificantPodUpdate): the
 * number of containers or init containers, an image, or an ephemeral container added or changed.
 */
export function isSignificantPodUpdate(pod: Pod, old: Pod): boolean {
  const spec = pod.spec ?? { containers: [] }
  const was = old.spec ?? { containers: [] }
  const containers = spec.containers ?? []
  const inits = spec.initContainers ?? []
  const wasContainers = was.containers ?? []
  const wasInits = was.initContainers ?? []
  if (containers.length !== wasContainers.length || inits.length !== wasInits.length) return true
  if (containers.some((c, i) => c.image !== wasContainers[i]?.image)) return true
  if (inits.some((c, i) => c.image !== wasInits[i]?.image)) return true
  const wasEphemeral = was.ephemeralContainers ?? []
  return (spec.ephemeralContainers ?? []).some((c) => {
    const prev = wasEphemeral.find((o) => o.name === c.name)
    return !prev || prev.image !== c.image
  })
}

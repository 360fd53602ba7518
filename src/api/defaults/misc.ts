/**
 * Defaults of the other groups: HorizontalPodAutoscalers (v1 and v2), NetworkPolicies, RBAC
 * bindings and PriorityClasses.
 */
import type { HorizontalPodAutoscaler, HPAScalingRules } from "kubernetes-types/autoscaling/v2.js"
import type { NetworkPolicy } from "kubernetes-types/networking/v1.js"
import type { ClusterRoleBinding, RoleBinding } from "kubernetes-types/rbac/v1.js"
import type { PriorityClass } from "kubernetes-types/scheduling/v1.js"

type Obj = Record<string, any>

const RBAC_GROUP = "rbac.authorization.k8s.io"

function scaleUpRules(): HPAScalingRules {
  return {
    stabilizationWindowSeconds: 0,
    selectPolicy: "Max",
    policies: [
      { type: "Pods", value: 4, periodSeconds: 15 },
      { type: "Percent", value: 100, periodSeconds: 15 },
    ],
  }
}

function scaleDownRules(): HPAScalingRules {
  return {
    stabilizationWindowSeconds: 300,
    selectPolicy: "Max",
    policies: [{ type: "Percent", value: 100, periodSeconds: 15 }],
  }
}

/** Fills the unset fields of `rules` from `defaults`, as upstream's copyHPAScalingRules does. */
function fillRules(rules: HPAScalingRules | undefined, defaults: HPAScalingRules): HPAScalingRules {
  if (!rules) return defaults
  const r = rules as Obj
  r.stabilizationWindowSeconds ??= defaults.stabilizationWindowSeconds
  r.selectPolicy ??= defaults.selectPolicy
  r.policies ??= defaults.policies
  return rules
}

/** HPA defaults: 1 minimum replica; in v2 an 80% CPU target and behavior rules when behavior is given. */
export function defaultHorizontalPodAutoscaler(hpa: HorizontalPodAutoscaler, version: string): void {
  const s = (hpa.spec ??= {} as NonNullable<HorizontalPodAutoscaler["spec"]>) as Obj
  s.minReplicas ??= 1
  // v1 gets its CPU target in conversion, not here
  if (version === "v1") return
  if (!(s.metrics ?? []).length) {
    s.metrics = [
      {
        type: "Resource",
        resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 80 } },
      },
    ]
  }
  if (s.behavior) {
    s.behavior.scaleUp = fillRules(s.behavior.scaleUp, scaleUpRules())
    s.behavior.scaleDown = fillRules(s.behavior.scaleDown, scaleDownRules())
  }
}

/** NetworkPolicy defaults: TCP ports, and policy types implied by the rules given. */
export function defaultNetworkPolicy(np: NetworkPolicy): void {
  const s = (np.spec ??= {} as NonNullable<NetworkPolicy["spec"]>) as Obj
  for (const rule of [...(s.ingress ?? []), ...(s.egress ?? [])]) {
    for (const p of rule.ports ?? []) p.protocol ??= "TCP"
  }
  if (!(s.policyTypes ?? []).length)
    s.policyTypes = (s.egress ?? []).length ? ["Ingress", "Egress"] : ["Ingress"]
}

/** RoleBinding and ClusterRoleBinding defaults: the RBAC group on roleRef, User and Group subjects. */
export function defaultBinding(b: RoleBinding | ClusterRoleBinding): void {
  const m = b as Obj
  if (m.roleRef && !m.roleRef.apiGroup) m.roleRef.apiGroup = RBAC_GROUP
  for (const s of m.subjects ?? []) {
    if (!s.apiGroup && (s.kind === "User" || s.kind === "Group")) s.apiGroup = RBAC_GROUP
  }
}

/** PriorityClass defaults: PreemptLowerPriority. */
export function defaultPriorityClass(pc: PriorityClass): void {
  const m = pc as Obj
  if (!m.preemptionPolicy) m.preemptionPolicy = "PreemptLowerPriority"
}

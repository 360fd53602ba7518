/**
 * The discovery priorities upstream's kube-apiserver gives the APIServices of its built-in group
 * versions (its apiVersionPriorities table). A built-in group version without an entry gets no
 * APIService, as upstream's makeAPIService skips it (metrics.k8s.io, which k8ts serves itself, is
 * one: metrics-server's chart may then register v1beta1.metrics.k8s.io as it does on upstream).
 */
import { BUILTIN_RESOURCES } from "./resources.ts"

/** An APIService's groupPriorityMinimum and versionPriority. */
export interface APIServicePriority {
  readonly group: number
  readonly version: number
}

/** Priorities by `group/version` (`/v1` for the core group). */
export const BUILTIN_PRIORITIES: ReadonlyMap<string, APIServicePriority> = new Map(
  (
    [
      ["", "v1", 18000, 1],
      ["events.k8s.io", "v1", 17750, 15],
      ["events.k8s.io", "v1beta1", 17750, 5],
      ["authentication.k8s.io", "v1", 17700, 15],
      ["authentication.k8s.io", "v1beta1", 17700, 9],
      ["authentication.k8s.io", "v1alpha1", 17700, 1],
      ["authorization.k8s.io", "v1", 17600, 15],
      ["certificates.k8s.io", "v1", 17300, 15],
      ["certificates.k8s.io", "v1beta1", 17300, 9],
      ["certificates.k8s.io", "v1alpha1", 17300, 1],
      ["rbac.authorization.k8s.io", "v1", 17000, 15],
      ["apiextensions.k8s.io", "v1", 16700, 15],
      ["admissionregistration.k8s.io", "v1", 16700, 15],
      ["admissionregistration.k8s.io", "v1beta1", 16700, 12],
      ["admissionregistration.k8s.io", "v1alpha1", 16700, 9],
      ["coordination.k8s.io", "v1", 16500, 15],
      ["coordination.k8s.io", "v1beta1", 16500, 13],
      ["coordination.k8s.io", "v1alpha2", 16500, 12],
      ["discovery.k8s.io", "v1", 16200, 15],
      ["discovery.k8s.io", "v1beta1", 16200, 12],
      ["flowcontrol.apiserver.k8s.io", "v1", 16100, 21],
      ["flowcontrol.apiserver.k8s.io", "v1beta3", 16100, 18],
      ["flowcontrol.apiserver.k8s.io", "v1beta2", 16100, 15],
      ["flowcontrol.apiserver.k8s.io", "v1beta1", 16100, 12],
      ["flowcontrol.apiserver.k8s.io", "v1alpha1", 16100, 9],
      ["internal.apiserver.k8s.io", "v1alpha1", 16000, 9],
      ["storagemigration.k8s.io", "v1beta1", 15800, 9],
      ["apps", "v1", 17800, 15],
      ["autoscaling", "v1", 17500, 15],
      ["autoscaling", "v2", 17500, 30],
      ["autoscaling", "v2beta1", 17500, 9],
      ["autoscaling", "v2beta2", 17500, 1],
      ["batch", "v1", 17400, 15],
      ["batch", "v1beta1", 17400, 9],
      ["batch", "v2alpha1", 17400, 9],
      ["networking.k8s.io", "v1", 17200, 15],
      ["networking.k8s.io", "v1beta1", 17200, 9],
      ["policy", "v1", 17100, 15],
      ["policy", "v1beta1", 17100, 9],
      ["storage.k8s.io", "v1", 16800, 15],
      ["storage.k8s.io", "v1beta1", 16800, 9],
      ["storage.k8s.io", "v1alpha1", 16800, 1],
      ["scheduling.k8s.io", "v1", 16600, 15],
      ["node.k8s.io", "v1", 16300, 15],
      ["node.k8s.io", "v1alpha1", 16300, 1],
      ["node.k8s.io", "v1beta1", 16300, 9],
      ["resource.k8s.io", "v1", 16200, 21],
      ["resource.k8s.io", "v1beta2", 16200, 15],
      ["resource.k8s.io", "v1beta1", 16200, 9],
      ["resource.k8s.io", "v1alpha3", 16200, 1],
    ] as const
  ).map(([group, version, g, v]) => [`${group}/${version}`, { group: g, version: v }]),
)

/** A CRD's group versions: low in discovery, ordered among themselves by version name. */
export const CRD_PRIORITY: APIServicePriority = { group: 1000, version: 100 }

/**
 * The names (`<version>.<group>`, `v1.` for the core group) of the APIServices upstream registers
 * for the built-in group versions this cluster serves: those with a priority.
 */
export function builtinAPIServiceNames(): string[] {
  const names = new Set<string>()
  for (const r of BUILTIN_RESOURCES) {
    if (BUILTIN_PRIORITIES.has(`${r.group}/${r.version}`)) names.add(`${r.version}.${r.group}`)
  }
  return [...names]
}

import assert from "node:assert/strict"
import { test } from "node:test"
import { printed } from "./_fixtures.ts"
import {
  validateLimitRange,
  validatePersistentVolumeClaim,
  validateResourceQuota,
  validateResourceQuotaStatusUpdate,
  validateServiceAccount,
} from "./core-misc.ts"

const meta = { name: "x", namespace: "default" }

const cases: { name: string; input: () => string[]; want: string[] }[] = [
  {
    name: "validateServiceAccount() accepts a subdomain",
    input: () => printed(validateServiceAccount({ metadata: { name: "ci.bot", namespace: "default" } })),
    want: [],
  },
  {
    name: "validatePersistentVolumeClaim() requires access modes and storage",
    input: () => printed(validatePersistentVolumeClaim({ metadata: meta, spec: {} })),
    want: [
      "spec.accessModes: Required value: at least 1 access mode is required",
      "spec.resources[storage]: Required value",
    ],
  },
  {
    name: "validatePersistentVolumeClaim() checks access modes",
    input: () =>
      printed(
        validatePersistentVolumeClaim({
          metadata: meta,
          spec: { accessModes: ["ReadWriteSometimes"], resources: { requests: { storage: "1Gi" } } },
        }),
      ),
    want: [
      'spec.accessModes: Unsupported value: "ReadWriteSometimes": supported values: "ReadOnlyMany", "ReadWriteMany", "ReadWriteOnce", "ReadWriteOncePod"',
    ],
  },
  {
    name: "validatePersistentVolumeClaim() refuses shrinking a bound claim's request",
    input: () => {
      const claim = (storage: string) => ({
        metadata: { ...meta, resourceVersion: "1" },
        spec: { accessModes: ["ReadWriteOnce"], volumeName: "pv", resources: { requests: { storage } } },
        status: { phase: "Bound" },
      })
      return [
        ...printed(validatePersistentVolumeClaim(claim("2Gi"), claim("1Gi"))),
        ...printed(validatePersistentVolumeClaim(claim("512Mi"), claim("1Gi"))),
      ]
    },
    want: ["spec.resources.requests.storage: Forbidden: field can not be less than previous value"],
  },
  {
    name: "validateResourceQuota() checks resource names",
    input: () => printed(validateResourceQuota({ metadata: meta, spec: { hard: { pod: "10" } } })),
    want: [
      'spec.hard[pod]: Invalid value: "pod": must be a standard resource type or fully qualified',
      'spec.hard[pod]: Invalid value: "pod": must be a standard resource for quota',
    ],
  },
  {
    name: "validateResourceQuota() checks the status on create but not the status an update keeps",
    input: () => {
      const quota = (hard: Record<string, string>) => ({
        metadata: { ...meta, resourceVersion: "1" },
        spec: { hard },
        status: { used: { storage: "1Gi" } },
      })
      return [
        ...printed(validateResourceQuota(quota({ pods: "1" }))),
        ...printed(validateResourceQuota(quota({ pods: "2" }), quota({ pods: "1" }))),
      ]
    },
    want: ['status.used[storage]: Invalid value: "storage": must be a standard resource for quota'],
  },
  {
    name: "validateResourceQuotaStatusUpdate() needs a resourceVersion and checks only the status",
    input: () => {
      const old = { metadata: { ...meta, resourceVersion: "1" }, spec: { hard: { pod: "1" } } }
      const next = { metadata: meta, spec: old.spec, status: { hard: { "requests.storage": "-1" } } }
      return printed(validateResourceQuotaStatusUpdate(next, old))
    },
    want: [
      'metadata.resourceVersion: Invalid value: "": must be specified for an update',
      "resourceVersion: Required value",
      'status.hard[requests.storage]: Invalid value: "-1": must be greater than or equal to 0',
    ],
  },
  {
    name: "validateLimitRange() refuses defaults for Pod limits",
    input: () =>
      printed(
        validateLimitRange({ metadata: meta, spec: { limits: [{ type: "Pod", default: { cpu: "1" } }] } }),
      ),
    want: ["spec.limits[0].default: Forbidden: may not be specified when `type` is 'Pod'"],
  },
]

for (const c of cases) {
  test(c.name, () => {
    assert.deepEqual(c.input(), c.want)
  })
}

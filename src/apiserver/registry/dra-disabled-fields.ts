/**
 * The resource.k8s.io/v1 fields behind DRA feature gates that v1.35 leaves off by default,
 * dropped on write as upstream's strategies drop them unless the stored object already uses the
 * feature: device taints and tolerations (DRADeviceTaints), partitionable devices' counters and
 * per-device nodes (DRAPartitionableDevices), binding conditions (DRADeviceBindingConditions),
 * consumable capacity (DRAConsumableCapacity) and a class's extended resource name
 * (DRAExtendedResource). The gates that are on (admin access, prioritized lists, device status)
 * drop nothing.
 */
import { type ApiObject, isPlainObject } from "../../api/index.ts"

type Json = Record<string, unknown>

/** The objects of `o` that hold gated fields, and those fields. */
interface Part {
  readonly holders: (o: Json) => Json[]
  readonly fields: readonly string[]
}

/** One feature gate: the parts its fields are in. */
type Gate = readonly Part[]

function obj(v: unknown): Json | undefined {
  return isPlainObject(v) ? v : undefined
}

function objs(v: unknown): Json[] {
  return Array.isArray(v) ? v.filter(isPlainObject) : []
}

const sliceSpec = (o: Json) => [obj(o.spec)].filter((x) => !!x) as Json[]
const devices = (o: Json) => objs(obj(o.spec)?.devices)
const capacities = (o: Json) =>
  devices(o).flatMap((d) => Object.values(obj(d.capacity) ?? {}).filter(isPlainObject))

/** The requests (exact ones and alternatives) and constraints of the claim spec at `path`. */
function claimParts(path: readonly string[]): {
  requests: (o: Json) => Json[]
  constraints: (o: Json) => Json[]
} {
  const claim = (o: Json) => path.reduce<Json | undefined>((cur, k) => obj(cur?.[k]), o)
  const requests = (o: Json) =>
    objs(obj(claim(o)?.devices)?.requests).flatMap((r) => [
      ...(obj(r.exactly) ? [r.exactly as Json] : []),
      ...objs(r.firstAvailable),
    ])
  return { requests, constraints: (o) => objs(obj(claim(o)?.devices)?.constraints) }
}

const results = (o: Json) => objs(obj(obj(obj(o.status)?.allocation)?.devices)?.results)
const statusDevices = (o: Json) => objs(obj(o.status)?.devices)

function claimGates(path: readonly string[], withStatus: boolean): readonly Gate[] {
  const { requests, constraints } = claimParts(path)
  const status = (p: Part): Part[] => (withStatus ? [p] : [])
  return [
    [
      { holders: requests, fields: ["tolerations"] },
      ...status({ holders: results, fields: ["tolerations"] }),
    ],
    status({ holders: results, fields: ["bindingConditions", "bindingFailureConditions"] }),
    [
      { holders: requests, fields: ["capacity"] },
      { holders: constraints, fields: ["distinctAttribute"] },
      ...status({ holders: results, fields: ["shareID", "consumedCapacity"] }),
      ...status({ holders: statusDevices, fields: ["shareID"] }),
    ],
  ]
}

/** The gates that are off, by `group/kind`. */
const GATES: Readonly<Record<string, readonly Gate[]>> = {
  "resource.k8s.io/ResourceSlice": [
    [{ holders: devices, fields: ["taints"] }],
    [
      { holders: sliceSpec, fields: ["sharedCounters", "perDeviceNodeSelection"] },
      { holders: devices, fields: ["consumesCounters", "nodeName", "nodeSelector", "allNodes"] },
    ],
    [{ holders: devices, fields: ["bindingConditions", "bindingFailureConditions", "bindsToNode"] }],
    [
      { holders: devices, fields: ["allowMultipleAllocations"] },
      { holders: capacities, fields: ["requestPolicy"] },
    ],
  ],
  "resource.k8s.io/ResourceClaim": claimGates(["spec"], true),
  "resource.k8s.io/ResourceClaimTemplate": claimGates(["spec", "spec"], false),
  "resource.k8s.io/DeviceClass": [[{ holders: sliceSpec, fields: ["extendedResourceName"] }]],
}

function isSet(v: unknown): boolean {
  return v !== undefined && v !== null && !(Array.isArray(v) && v.length === 0)
}

function uses(o: Json | undefined, gate: Gate): boolean {
  return !!o && gate.some((p) => p.holders(o).some((h) => p.fields.some((f) => isSet(h[f]))))
}

/**
 * Drops from `next` the fields of the gates that are off, but for features `old` (the stored
 * object, on update) uses. `next`'s spec and status are copied before anything is dropped from
 * them, as they may be shared with a stored object.
 */
export function dropDisabledDraFields(kindKey: string, next: ApiObject, old?: ApiObject): void {
  const gates = GATES[kindKey]
  if (!gates) return
  const o = next as unknown as Json
  const dropping = gates.filter((g) => uses(o, g) && !uses(old as unknown as Json | undefined, g))
  if (!dropping.length) return
  for (const k of ["spec", "status"]) if (o[k] !== undefined) o[k] = structuredClone(o[k])
  for (const gate of dropping)
    for (const p of gate) for (const h of p.holders(o)) for (const f of p.fields) delete h[f]
}

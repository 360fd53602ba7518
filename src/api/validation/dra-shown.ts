/**
 * resource.k8s.io values as upstream's errors print them: its internal types marshalled to JSON,
 * whose field names are the Go names (they carry no JSON tags, nor omitempty), in the order the
 * types declare them. Used where upstream puts a whole struct in an error (an immutable spec, an
 * attribute with several values, a node selector term list).
 */
import type { NodeSelectorTerm } from "kubernetes-types/core/v1.js"
import type { ObjectMeta } from "kubernetes-types/meta/v1.js"
import type {
  AllocationResult,
  DeviceAttribute,
  DeviceClaim,
  DeviceRequestDetails,
  DeviceSelector,
  DeviceToleration,
  ResourceClaimSpec,
} from "../dra.ts"

type Json = unknown

function opt(v: Json): Json {
  return v === undefined ? null : v
}

function strings(v: readonly string[] | undefined): Json {
  return v ? [...v] : null
}

function each<T>(v: readonly T[] | undefined, f: (x: T) => Json): Json {
  return v ? v.map(f) : null
}

function selector(s: DeviceSelector): Json {
  return { CEL: s.cel ? { Expression: s.cel.expression ?? "" } : null }
}

function toleration(t: DeviceToleration): Json {
  return {
    Key: t.key ?? "",
    Operator: t.operator ?? "",
    Value: t.value ?? "",
    Effect: t.effect ?? "",
    TolerationSeconds: opt(t.tolerationSeconds),
  }
}

function capacity(c: DeviceRequestDetails["capacity"]): Json {
  return c
    ? {
        Requests: c.requests
          ? Object.fromEntries(Object.entries(c.requests).map(([k, v]) => [k, String(v)]))
          : null,
      }
    : null
}

function details(r: DeviceRequestDetails): Record<string, Json> {
  return {
    DeviceClassName: r.deviceClassName ?? "",
    Selectors: each(r.selectors, selector),
    AllocationMode: r.allocationMode ?? "",
    Count: r.count ?? 0,
  }
}

function opaque(c: { opaque?: { driver?: string; parameters?: unknown } }): Json {
  return c.opaque ? { Driver: c.opaque.driver ?? "", Parameters: opt(c.opaque.parameters) } : null
}

function deviceClaim(d: DeviceClaim | undefined): Json {
  const c = d ?? {}
  return {
    Requests: each(c.requests, (r) => ({
      Name: r.name ?? "",
      Exactly: r.exactly
        ? {
            ...details(r.exactly),
            AdminAccess: opt(r.exactly.adminAccess),
            Tolerations: each(r.exactly.tolerations, toleration),
            Capacity: capacity(r.exactly.capacity),
          }
        : null,
      FirstAvailable: each(r.firstAvailable, (s) => ({
        Name: s.name ?? "",
        ...details(s),
        Tolerations: each(s.tolerations, toleration),
        Capacity: capacity(s.capacity),
      })),
    })),
    Constraints: each(c.constraints, (x) => ({
      Requests: strings(x.requests),
      MatchAttribute: opt(x.matchAttribute),
      DistinctAttribute: opt(x.distinctAttribute),
    })),
    Config: each(c.config, (x) => ({ Requests: strings(x.requests), Opaque: opaque(x) })),
  }
}

/** A claim spec as upstream prints it. */
export function shownClaimSpec(spec: ResourceClaimSpec | undefined): string {
  return JSON.stringify({ Devices: deviceClaim(spec?.devices) })
}

const META_ORDER = ["name", "generateName", "namespace", "uid", "resourceVersion", "generation"] as const

/** metav1.ObjectMeta marshalled: its JSON tags, empty fields left out but creationTimestamp. */
function shownMeta(m: ObjectMeta | undefined): Record<string, Json> {
  const out: Record<string, Json> = {}
  for (const k of META_ORDER) if (m?.[k]) out[k] = m[k]
  out.creationTimestamp = m?.creationTimestamp ?? null
  for (const k of ["labels", "annotations"] as const) if (m?.[k] && Object.keys(m[k]).length) out[k] = m[k]
  return out
}

/** A claim template's spec as upstream prints it: its embedded ObjectMeta's fields come first. */
export function shownTemplateSpec(
  spec: { metadata?: ObjectMeta; spec?: ResourceClaimSpec } | undefined,
): string {
  return JSON.stringify({ ...shownMeta(spec?.metadata), Spec: { Devices: deviceClaim(spec?.spec?.devices) } })
}

/** An allocation result as upstream prints it. */
export function shownAllocation(a: AllocationResult): string {
  const d = a.devices ?? {}
  return JSON.stringify({
    Devices: {
      Results: each(d.results, (r) => ({
        Request: r.request ?? "",
        Driver: r.driver ?? "",
        Pool: r.pool ?? "",
        Device: r.device ?? "",
        AdminAccess: opt(r.adminAccess),
        Tolerations: each(r.tolerations, toleration),
        BindingConditions: strings(r.bindingConditions),
        BindingFailureConditions: strings(r.bindingFailureConditions),
        ShareID: opt(r.shareID),
        ConsumedCapacity: opt(r.consumedCapacity),
      })),
      Config: each(d.config, (c) => ({
        Source: c.source ?? "",
        Requests: strings(c.requests),
        Opaque: opaque(c),
      })),
    },
    NodeSelector: a.nodeSelector
      ? { NodeSelectorTerms: shownTermsValue(a.nodeSelector.nodeSelectorTerms) }
      : null,
    AllocationTimestamp: opt(a.allocationTimestamp),
  })
}

function shownTermsValue(terms: readonly NodeSelectorTerm[] | undefined): Json {
  const reqs = (rs: NodeSelectorTerm["matchExpressions"]) =>
    each(rs, (r) => ({ Key: r.key ?? "", Operator: r.operator ?? "", Values: strings(r.values) }))
  return each(terms, (t) => ({
    MatchExpressions: reqs(t.matchExpressions),
    MatchFields: reqs(t.matchFields),
  }))
}

/** Node selector terms as upstream prints them. */
export function shownTerms(terms: readonly NodeSelectorTerm[] | undefined): string {
  return JSON.stringify(shownTermsValue(terms))
}

/** A device attribute as upstream prints it. */
export function shownAttribute(a: DeviceAttribute): string {
  return JSON.stringify({
    IntValue: opt(a.int),
    BoolValue: opt(a.bool),
    StringValue: opt(a.string),
    VersionValue: opt(a.version),
  })
}

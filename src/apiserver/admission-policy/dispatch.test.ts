import assert from "node:assert/strict"
import { describe, test } from "node:test"
import type {
  ValidatingAdmissionPolicy,
  ValidatingAdmissionPolicyBinding,
} from "kubernetes-types/admissionregistration/v1.js"
import {
  ApiError,
  type ApiObject,
  BUILTIN_RESOURCES,
  findResource,
  notFound,
  type ResourceInfo,
} from "../../api/index.ts"
import { RequestNotes } from "../admission.ts"
import { convert } from "../conversion.ts"
import type { AdmissionRequest } from "../registry/context.ts"
import type { ConfigurationCache } from "../webhook/source.ts"
import { type PolicyAdmissionOptions, validatingAdmissionPolicy } from "./dispatch.ts"
import { PolicySource } from "./source.ts"

const DEPLOYMENTS = findResource("apps", "v1", "deployments") as ResourceInfo
const CONFIGMAPS = findResource("", "v1", "configmaps") as ResourceInfo
const NAMESPACES = findResource("", "v1", "namespaces") as ResourceInfo
const HPA_V1 = findResource("autoscaling", "v1", "horizontalpodautoscalers") as ResourceInfo
const HPA_V2 = findResource("autoscaling", "v2", "horizontalpodautoscalers") as ResourceInfo
const VAPS = findResource("admissionregistration.k8s.io", "v1", "validatingadmissionpolicies") as ResourceInfo

function cacheOf(objects: readonly object[]): ConfigurationCache {
  const all = objects as ApiObject[]
  return {
    objects: new Map(all.map((o) => [`/registry/x/${o.metadata?.name}`, o])),
    subscribe: () => () => {},
  }
}

const DEPLOYMENT_RULES = {
  resourceRules: [
    {
      apiGroups: ["apps"],
      apiVersions: ["v1"],
      operations: ["CREATE", "UPDATE"],
      resources: ["deployments"],
    },
  ],
}

function policy(name: string, spec: Record<string, unknown>): ValidatingAdmissionPolicy {
  return {
    metadata: { name },
    spec: {
      failurePolicy: "Fail",
      matchConstraints: {
        matchPolicy: "Equivalent",
        namespaceSelector: {},
        objectSelector: {},
        ...DEPLOYMENT_RULES,
      },
      ...spec,
    },
  }
}

function binding(
  name: string,
  policyName: string,
  spec: Record<string, unknown> = {},
): ValidatingAdmissionPolicyBinding {
  return { metadata: { name }, spec: { policyName, validationActions: ["Deny"], ...spec } }
}

const NS_LABELS: Record<string, Record<string, string>> = {
  "team-a": { env: "test" },
  "team-b": { env: "prod" },
}

/** The plugin over the given policies, bindings and params (ConfigMaps by namespace/name). */
function plugin(policies: object[], bindings: object[], params: ApiObject[] = []) {
  const o: PolicyAdmissionOptions = {
    source: new PolicySource(cacheOf(policies), cacheOf(bindings), { lists: 1 }),
    match: {
      async namespaceLabels(name) {
        if (!NS_LABELS[name]) throw notFound({ resource: "namespaces" }, name)
        return NS_LABELS[name]
      },
      equivalents: (i) => BUILTIN_RESOURCES.filter((r) => r.group === i.group && r.resource === i.resource),
    },
    async namespace(name) {
      if (!NS_LABELS[name]) throw notFound({ resource: "namespaces" }, name)
      return { metadata: { name, labels: NS_LABELS[name] }, spec: { finalizers: ["kubernetes"] } }
    },
    params: {
      resolve: (g, v, k) => BUILTIN_RESOURCES.find((i) => i.group === g && i.version === v && i.kind === k),
      list: (info, ns) => params.filter((p) => p.kind === info.kind && (!ns || p.metadata?.namespace === ns)),
      get: (info, ns, name) =>
        params.find(
          (p) => p.kind === info.kind && p.metadata?.name === name && (p.metadata?.namespace ?? "") === ns,
        ),
    },
    convert: (obj, from, to) => convert(obj, from, to.version),
  }
  return validatingAdmissionPolicy(o)
}

function deployment(replicas: number, namespace = "team-a"): AdmissionRequest & { notes: RequestNotes } {
  return {
    operation: "CREATE",
    info: DEPLOYMENTS,
    namespace,
    name: "web",
    subresource: "",
    dryRun: false,
    object: {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "web", namespace },
      spec: { replicas },
    },
    notes: new RequestNotes(),
  }
}

async function refusal(p: ReturnType<typeof plugin>, req: AdmissionRequest): Promise<ApiError | undefined> {
  try {
    await p.validate?.(req)
    return undefined
  } catch (err) {
    assert.ok(err instanceof ApiError, String(err))
    return err
  }
}

const LIMIT = policy("limit", { validations: [{ expression: "object.spec.replicas <= 5" }] })

describe("validatingAdmissionPolicy()", () => {
  test("a denial is admission's Forbidden with the validation's reason, code and the message as a cause", async () => {
    const err = await refusal(plugin([LIMIT], [binding("limit-b", "limit")]), deployment(6))
    const message =
      "ValidatingAdmissionPolicy 'limit' with binding 'limit-b' denied request: failed expression: object.spec.replicas <= 5"
    assert.deepEqual(err?.toStatus(), {
      kind: "Status",
      apiVersion: "v1",
      metadata: {},
      status: "Failure",
      message: `deployments.apps "web" is forbidden: ${message}`,
      reason: "Invalid",
      details: { name: "web", group: "apps", kind: "deployments", causes: [{ message }] },
      code: 422,
    })
    assert.equal(await refusal(plugin([LIMIT], [binding("limit-b", "limit")]), deployment(5)), undefined)
  })

  const reasons: { reason: string; code: number }[] = [
    { reason: "Forbidden", code: 403 },
    { reason: "RequestEntityTooLarge", code: 413 },
    { reason: "Invalid", code: 422 },
  ]
  for (const r of reasons) {
    test(`reason ${r.reason} answers ${r.code}`, async () => {
      const p = policy("p", { validations: [{ expression: "false", reason: r.reason }] })
      const err = await refusal(plugin([p], [binding("b", "p")]), deployment(1))
      assert.equal(err?.reason, r.reason)
      assert.equal(err?.code, r.code)
    })
  }

  test("without a binding, or bound elsewhere by matchResources, a policy does nothing", async () => {
    assert.equal(await refusal(plugin([LIMIT], []), deployment(9)), undefined)
    assert.equal(await refusal(plugin([LIMIT], [binding("other", "nope")]), deployment(9)), undefined)
    const prodOnly = binding("prod", "limit", {
      matchResources: {
        matchPolicy: "Equivalent",
        namespaceSelector: { matchLabels: { env: "prod" } },
        objectSelector: {},
      },
    })
    assert.equal(await refusal(plugin([LIMIT], [prodOnly]), deployment(9, "team-a")), undefined)
    assert.match(
      (await refusal(plugin([LIMIT], [prodOnly]), deployment(9, "team-b")))?.message ?? "",
      /binding 'prod'/,
    )
  })

  test("Warn adds upstream's warning, Audit the validation_failure annotation, and the write goes on", async () => {
    const req = deployment(6)
    const b = binding("watch", "limit", { validationActions: ["Warn", "Audit"] })
    assert.equal(await refusal(plugin([LIMIT], [b]), req), undefined)
    assert.deepEqual(req.notes.warnings, [
      "Validation failed for ValidatingAdmissionPolicy 'limit' with binding 'watch': failed expression: object.spec.replicas <= 5",
    ])
    assert.deepEqual(Object.fromEntries(req.notes.annotations), {
      "validation.policy.admission.k8s.io/validation_failure":
        '[{"message":"failed expression: object.spec.replicas \\u003c= 5","policy":"limit","binding":"watch","expressionIndex":0,"validationActions":["Warn","Audit"]}]',
    })
  })

  test("audit annotations are published as <policy>/<key>", async () => {
    const p = policy("count", {
      auditAnnotations: [{ key: "replicas", valueExpression: "string(object.spec.replicas)" }],
    })
    const req = deployment(3)
    assert.equal(await refusal(plugin([p], [binding("b", "count")]), req), undefined)
    assert.deepEqual(Object.fromEntries(req.notes.annotations), { "count/replicas": "3" })
  })

  test("the first denial decides: policies in name order", async () => {
    const a = policy("a-first", { validations: [{ expression: "false", message: "from a" }] })
    const z = policy("z-last", { validations: [{ expression: "false", message: "from z" }] })
    const err = await refusal(
      plugin([z, a], [binding("bz", "z-last"), binding("ba", "a-first")]),
      deployment(1),
    )
    assert.match(
      err?.message ?? "",
      /ValidatingAdmissionPolicy 'a-first' with binding 'ba' denied request: from a$/,
    )
  })

  test("params: by name in the request's namespace; none found under Deny is a configuration error", async () => {
    const p = policy("param", {
      paramKind: { apiVersion: "v1", kind: "ConfigMap" },
      validations: [
        {
          expression: "object.spec.replicas <= int(params.data.max)",
          messageExpression: "'max ' + params.data.max",
        },
      ],
    })
    const cm = {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: "limits", namespace: "team-a" },
      data: { max: "2" },
    }
    const b = binding("pb", "param", { paramRef: { name: "limits", parameterNotFoundAction: "Deny" } })
    assert.match(
      (await refusal(plugin([p], [b], [cm]), deployment(3)))?.message ?? "",
      /denied request: max 2$/,
    )
    const missing = await refusal(plugin([p], [b], [cm]), deployment(3, "team-b"))
    assert.match(
      missing?.message ?? "",
      /binding 'pb' denied request: failed to configure binding: no params found for policy binding with `Deny` parameterNotFoundAction$/,
    )
    const allow = binding("pb", "param", { paramRef: { name: "limits", parameterNotFoundAction: "Allow" } })
    assert.equal(await refusal(plugin([p], [allow], [cm]), deployment(3, "team-b")), undefined)
  })

  test("params by selector: each selected param is evaluated", async () => {
    const p = policy("param", {
      paramKind: { apiVersion: "v1", kind: "ConfigMap" },
      validations: [
        {
          expression: "object.spec.replicas <= int(params.data.max)",
          messageExpression: "string(params.metadata.name)",
        },
      ],
    })
    const cm = (name: string, max: string) => ({
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name, namespace: "team-a", labels: { limit: "yes" } },
      data: { max },
    })
    const b = binding("pb", "param", {
      paramRef: { selector: { matchLabels: { limit: "yes" } }, parameterNotFoundAction: "Allow" },
    })
    const err = await refusal(plugin([p], [b], [cm("zz-loose", "9"), cm("aa-tight", "1")]), deployment(3))
    assert.match(err?.message ?? "", /denied request: aa-tight$/)
  })

  test("a paramKind the server does not serve fails the request under Fail, not under Ignore", async () => {
    const spec = {
      paramKind: { apiVersion: "example.com/v1", kind: "Limit" },
      validations: [{ expression: "true" }],
    }
    const b = binding("b", "p", { paramRef: { name: "x", parameterNotFoundAction: "Deny" } })
    const err = await refusal(plugin([policy("p", spec)], [b]), deployment(1))
    assert.equal(
      err?.message,
      `deployments.apps "web" is forbidden: ValidatingAdmissionPolicy 'p' denied request: failed to configure policy: failed to find resource referenced by paramKind: 'example.com/v1, Kind=Limit'`,
    )
    assert.equal(err?.reason, "Invalid")
    const ignored = policy("p", { ...spec, failurePolicy: "Ignore" })
    assert.equal(await refusal(plugin([ignored], [b]), deployment(1)), undefined)
  })

  test("a namespace the selector cannot read fails the policy when its rules match", async () => {
    const p = policy("p", {
      matchConstraints: {
        ...DEPLOYMENT_RULES,
        matchPolicy: "Equivalent",
        namespaceSelector: { matchLabels: { env: "test" } },
        objectSelector: {},
      },
      validations: [{ expression: "true" }],
    })
    const err = await refusal(plugin([p], [binding("b", "p")]), deployment(1, "gone"))
    assert.match(
      err?.message ?? "",
      /ValidatingAdmissionPolicy 'p' denied request: failed to configure policy: namespaces "gone" not found$/,
    )
  })

  test("matchPolicy Equivalent: an autoscaling/v1 request is seen at autoscaling/v2, converted", async () => {
    const p = policy("hpa", {
      matchConstraints: {
        matchPolicy: "Equivalent",
        namespaceSelector: {},
        objectSelector: {},
        resourceRules: [
          {
            apiGroups: ["autoscaling"],
            apiVersions: ["v2"],
            operations: ["CREATE"],
            resources: ["horizontalpodautoscalers"],
          },
        ],
      },
      validations: [
        { expression: "request.kind.version == 'v2' && request.requestKind.version == 'v1'" },
        { expression: "object.apiVersion == 'autoscaling/v2' && object.spec.maxReplicas <= 3" },
      ],
    })
    const hpa = {
      apiVersion: "autoscaling/v1",
      kind: "HorizontalPodAutoscaler",
      metadata: { name: "h", namespace: "team-a" },
      spec: { scaleTargetRef: { kind: "Deployment", name: "web" }, maxReplicas: 4 },
    }
    const req = { ...deployment(1), info: HPA_V1, name: "h", object: hpa }
    const err = await refusal(plugin([p], [binding("b", "hpa")]), req)
    assert.match(
      err?.message ?? "",
      /^horizontalpodautoscalers.autoscaling "h" is forbidden: .*failed expression: object.apiVersion/,
    )
    assert.ok(HPA_V2)
  })

  test("policies and bindings themselves are never admitted by policies; other kinds are", async () => {
    const anything = policy("everything", {
      matchConstraints: {
        matchPolicy: "Equivalent",
        namespaceSelector: {},
        objectSelector: {},
        resourceRules: [{ apiGroups: ["*"], apiVersions: ["*"], operations: ["*"], resources: ["*"] }],
      },
      validations: [{ expression: "false" }],
    })
    const p = plugin([anything], [binding("b", "everything")])
    const req = (info: ResourceInfo): AdmissionRequest => ({
      operation: "CREATE",
      info,
      namespace: "",
      name: "x",
      subresource: "",
      dryRun: false,
      object: { metadata: { name: "x" } },
    })
    assert.equal(await refusal(p, req(VAPS)), undefined)
    assert.ok(await refusal(p, req(NAMESPACES)))
    assert.ok(await refusal(p, { ...req(CONFIGMAPS), namespace: "team-a" }))
  })
})

import assert from "node:assert/strict"
import { describe, test } from "node:test"
import type { ValidatingWebhookConfiguration } from "kubernetes-types/admissionregistration/v1.js"
import {
  type ApiObject,
  BUILTIN_RESOURCES,
  findResource,
  notFound,
  type ResourceInfo,
} from "../../api/index.ts"
import type { AdmissionRequest } from "../registry/context.ts"
import {
  type Attributes,
  attributesOf,
  isExempt,
  kindOf,
  type MatchEnv,
  type RuleWithOperations,
  ruleMatches,
  shouldCallHook,
} from "./match.ts"
import { hooksOf } from "./source.ts"

function info(group: string, version: string, resource: string): ResourceInfo {
  const i = findResource(group, version, resource)
  assert.ok(i, `${group}/${version}/${resource} is served`)
  return i
}

const PODS = info("", "v1", "pods")
const NAMESPACES = info("", "v1", "namespaces")
const NODES = info("", "v1", "nodes")
const DEPLOYMENTS = info("apps", "v1", "deployments")
const HPA_V1 = info("autoscaling", "v1", "horizontalpodautoscalers")
const HPA_V2 = info("autoscaling", "v2", "horizontalpodautoscalers")

function request(r: Partial<AdmissionRequest> & { info: ResourceInfo }): AdmissionRequest {
  return { operation: "CREATE", namespace: "", name: "x", subresource: "", dryRun: false, ...r }
}

const rule = (r: Partial<RuleWithOperations>): RuleWithOperations => ({
  operations: ["*"],
  apiGroups: ["*"],
  apiVersions: ["*"],
  resources: ["*"],
  ...r,
})

describe("ruleMatches()", () => {
  const podCreate = attributesOf(request({ info: PODS, namespace: "ns" }))
  const podStatus = attributesOf(
    request({ info: PODS, namespace: "ns", operation: "UPDATE", subresource: "status" }),
  )
  const nodeCreate = attributesOf(request({ info: NODES }))
  const nsUpdate = attributesOf(request({ info: NAMESPACES, operation: "UPDATE", name: "team" }))
  const cases: { name: string; rule: RuleWithOperations; a: Attributes; want: boolean }[] = [
    { name: "everything", rule: rule({}), a: podCreate, want: true },
    { name: "the operation", rule: rule({ operations: ["CREATE"] }), a: podCreate, want: true },
    {
      name: "another operation",
      rule: rule({ operations: ["UPDATE", "DELETE"] }),
      a: podCreate,
      want: false,
    },
    { name: "the core group", rule: rule({ apiGroups: [""] }), a: podCreate, want: true },
    { name: "another group", rule: rule({ apiGroups: ["apps"] }), a: podCreate, want: false },
    { name: "another version", rule: rule({ apiVersions: ["v2"] }), a: podCreate, want: false },
    { name: "the resource", rule: rule({ resources: ["pods"] }), a: podCreate, want: true },
    {
      name: "a resource only misses its subresources",
      rule: rule({ resources: ["pods"] }),
      a: podStatus,
      want: false,
    },
    { name: "resource/subresource", rule: rule({ resources: ["pods/status"] }), a: podStatus, want: true },
    { name: "resource/*", rule: rule({ resources: ["pods/*"] }), a: podStatus, want: true },
    // As upstream's matcher: a `*` subresource matches the empty one too.
    {
      name: "resource/* also the resource itself",
      rule: rule({ resources: ["pods/*"] }),
      a: podCreate,
      want: true,
    },
    { name: "*/subresource", rule: rule({ resources: ["*/status"] }), a: podStatus, want: true },
    { name: "* misses subresources", rule: rule({ resources: ["*"] }), a: podStatus, want: false },
    { name: "*/*", rule: rule({ resources: ["*/*"] }), a: podStatus, want: true },
    { name: "Namespaced scope, a pod", rule: rule({ scope: "Namespaced" }), a: podCreate, want: true },
    { name: "Namespaced scope, a node", rule: rule({ scope: "Namespaced" }), a: nodeCreate, want: false },
    { name: "Cluster scope, a node", rule: rule({ scope: "Cluster" }), a: nodeCreate, want: true },
    { name: "Cluster scope, a pod", rule: rule({ scope: "Cluster" }), a: podCreate, want: false },
    // A Namespace's own requests carry its name as their namespace: still cluster-scoped.
    { name: "Cluster scope, a Namespace", rule: rule({ scope: "Cluster" }), a: nsUpdate, want: true },
    { name: "Namespaced scope, a Namespace", rule: rule({ scope: "Namespaced" }), a: nsUpdate, want: false },
    { name: "an unknown scope", rule: rule({ scope: "Other" }), a: podCreate, want: false },
  ]
  for (const c of cases) test(c.name, () => assert.equal(ruleMatches(c.rule, c.a), c.want))
})

describe("attributesOf()", () => {
  test("a Namespace's update or delete is in the namespace it names, its create in none", () => {
    assert.equal(
      attributesOf(request({ info: NAMESPACES, operation: "UPDATE", name: "team" })).namespace,
      "team",
    )
    assert.equal(
      attributesOf(request({ info: NAMESPACES, operation: "DELETE", name: "team" })).namespace,
      "team",
    )
    assert.equal(attributesOf(request({ info: NAMESPACES, operation: "CREATE", name: "team" })).namespace, "")
  })

  test("kindOf() names the kind a subresource takes", () => {
    assert.deepEqual(kindOf(PODS, "status"), { group: "", version: "v1", kind: "Pod" })
    assert.deepEqual(kindOf(PODS, "exec"), { group: "", version: "v1", kind: "PodExecOptions" })
    assert.deepEqual(kindOf(PODS, "eviction"), { group: "policy", version: "v1", kind: "Eviction" })
    assert.deepEqual(kindOf(DEPLOYMENTS, "scale"), { group: "autoscaling", version: "v1", kind: "Scale" })
    assert.deepEqual(kindOf(PODS, "binding"), { group: "", version: "v1", kind: "Binding" })
  })
})

describe("isExempt()", () => {
  for (const [resource, want] of [
    ["validatingwebhookconfigurations", true],
    ["mutatingwebhookconfigurations", true],
    ["validatingadmissionpolicies", true],
    ["validatingadmissionpolicybindings", true],
  ] as const) {
    test(`${resource}: ${want}`, () => {
      const i = findResource("admissionregistration.k8s.io", "v1", resource) as ResourceInfo
      assert.equal(isExempt(attributesOf(request({ info: i }))), want)
    })
  }
  test("pods are not", () => assert.equal(isExempt(attributesOf(request({ info: PODS }))), false))
})

/** One validating hook from its webhook fields (defaults as stored). */
function hook(fields: Record<string, unknown>) {
  const config: ValidatingWebhookConfiguration = {
    metadata: { name: "cfg" },
    webhooks: [
      {
        name: "hook.example.com",
        clientConfig: { url: "https://127.0.0.1/" },
        sideEffects: "None",
        admissionReviewVersions: ["v1"],
        matchPolicy: "Equivalent",
        namespaceSelector: {},
        objectSelector: {},
        rules: [{ operations: ["*"], apiGroups: [""], apiVersions: ["v1"], resources: ["pods"], scope: "*" }],
        ...fields,
      } as never,
    ],
  }
  return hooksOf(config, false)[0] as NonNullable<ReturnType<typeof hooksOf>[number]>
}

function env(namespaces: Record<string, Record<string, string>> = {}): MatchEnv & { lookups: string[] } {
  const lookups: string[] = []
  return {
    lookups,
    async namespaceLabels(name) {
      lookups.push(name)
      const labels = namespaces[name]
      if (!labels) throw notFound({ resource: "namespaces" }, name)
      return labels
    },
    equivalents(i) {
      return BUILTIN_RESOURCES.filter((r) => r.group === i.group && r.resource === i.resource)
    },
  }
}

function pod(labels?: Record<string, string>): ApiObject {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "x", namespace: "team", ...(labels ? { labels } : {}) },
  }
}

describe("shouldCallHook()", () => {
  const selected = { namespaceSelector: { matchLabels: { policy: "on" } } }

  test("namespaceSelector: the namespace's labels decide", async () => {
    const e = env({ team: { policy: "on" }, other: {} })
    const a = (ns: string) => attributesOf(request({ info: PODS, namespace: ns, object: pod() }))
    assert.ok(await shouldCallHook(hook(selected), a("team"), e))
    assert.equal(await shouldCallHook(hook(selected), a("other"), e), undefined)
  })

  test("namespaceSelector: an empty one looks nothing up", async () => {
    const e = env()
    assert.ok(await shouldCallHook(hook({}), attributesOf(request({ info: PODS, namespace: "team" })), e))
    assert.deepEqual(e.lookups, [])
  })

  test("namespaceSelector: cluster-scoped objects always match", async () => {
    const h = hook({ ...selected, rules: [rule({})] })
    assert.ok(await shouldCallHook(h, attributesOf(request({ info: NODES })), env()))
  })

  test("namespaceSelector: a Namespace matches on its own new labels, or the stored ones on delete", async () => {
    const h = hook({ ...selected, rules: [rule({})] })
    const ns = (labels: Record<string, string>): ApiObject => ({
      apiVersion: "v1",
      kind: "Namespace",
      metadata: { name: "team", labels },
    })
    const create = request({ info: NAMESPACES, name: "team", object: ns({ policy: "on" }) })
    assert.ok(await shouldCallHook(h, attributesOf(create), env()))
    const off = request({ info: NAMESPACES, name: "team", operation: "UPDATE", object: ns({}) })
    assert.equal(await shouldCallHook(h, attributesOf(off), env({ team: { policy: "on" } })), undefined)
    const del = request({ info: NAMESPACES, name: "team", operation: "DELETE", old: ns({}) })
    assert.ok(await shouldCallHook(h, attributesOf(del), env({ team: { policy: "on" } })))
  })

  test("namespaceSelector: a missing namespace is a 404 only when the rules match", async () => {
    const a = attributesOf(request({ info: PODS, namespace: "gone" }))
    await assert.rejects(shouldCallHook(hook(selected), a, env()), /namespaces "gone" not found/)
    const other = hook({ ...selected, rules: [rule({ resources: ["configmaps"] })] })
    assert.equal(await shouldCallHook(other, a, env()), undefined)
  })

  test("objectSelector: the new or the old object's labels", async () => {
    const h = hook({ objectSelector: { matchExpressions: [{ key: "app", operator: "Exists" }] } })
    const a = (object?: ApiObject, old?: ApiObject) =>
      attributesOf(request({ info: PODS, namespace: "team", operation: "UPDATE", object, old }))
    assert.ok(await shouldCallHook(h, a(pod({ app: "x" }), pod()), env()))
    assert.ok(await shouldCallHook(h, a(pod(), pod({ app: "x" })), env()))
    assert.equal(await shouldCallHook(h, a(pod(), pod()), env()), undefined)
  })

  test("matchPolicy Equivalent sends an autoscaling/v2 request to a webhook asking for v1, at v1", async () => {
    const rules = [
      {
        operations: ["CREATE"],
        apiGroups: ["autoscaling"],
        apiVersions: ["v1"],
        resources: ["horizontalpodautoscalers"],
      },
    ]
    const a = attributesOf(request({ info: HPA_V2, namespace: "team" }))
    const inv = await shouldCallHook(hook({ rules }), a, env())
    assert.deepEqual(inv?.resource, {
      group: "autoscaling",
      version: "v1",
      resource: "horizontalpodautoscalers",
    })
    assert.deepEqual(inv?.kind, { group: "autoscaling", version: "v1", kind: "HorizontalPodAutoscaler" })
    assert.equal(inv?.info, HPA_V1)
    assert.equal(await shouldCallHook(hook({ rules, matchPolicy: "Exact" }), a, env()), undefined)
  })

  test("a matching rule at the request's own version wins over an equivalent", async () => {
    const rules = [{ operations: ["*"], apiGroups: ["autoscaling"], apiVersions: ["*"], resources: ["*"] }]
    const inv = await shouldCallHook(
      hook({ rules }),
      attributesOf(request({ info: HPA_V2, namespace: "team" })),
      env(),
    )
    assert.equal(inv?.info, HPA_V2)
  })
})

import assert from "node:assert/strict"
import { describe, test } from "node:test"
import type { MatchResources } from "kubernetes-types/admissionregistration/v1.js"
import { BUILTIN_RESOURCES, findResource, notFound, type ResourceInfo } from "../../api/index.ts"
import type { AdmissionRequest } from "../registry/context.ts"
import { attributesOf, type MatchEnv } from "../webhook/match.ts"
import { compileMatch, matchRequest } from "./match.ts"

const DEPLOYMENTS = findResource("apps", "v1", "deployments") as ResourceInfo
const NODES = findResource("", "v1", "nodes") as ResourceInfo
const NAMESPACES = findResource("", "v1", "namespaces") as ResourceInfo
const HPA_V1 = findResource("autoscaling", "v1", "horizontalpodautoscalers") as ResourceInfo

const ENV: MatchEnv = {
  async namespaceLabels(name) {
    if (name === "gone") throw notFound({ resource: "namespaces" }, name)
    return { env: name === "prod" ? "prod" : "test" }
  },
  equivalents: (i) => BUILTIN_RESOURCES.filter((r) => r.group === i.group && r.resource === i.resource),
}

const rule = (group: string, version: string, resource: string, extra: object = {}) => ({
  apiGroups: [group],
  apiVersions: [version],
  operations: ["CREATE"],
  resources: [resource],
  ...extra,
})

function mr(fields: Partial<MatchResources>): MatchResources {
  return { matchPolicy: "Equivalent", namespaceSelector: {}, objectSelector: {}, ...fields }
}

function req(info: ResourceInfo, over: Partial<AdmissionRequest> = {}): AdmissionRequest {
  return {
    operation: "CREATE",
    info,
    namespace: info.namespaced ? "dev" : "",
    name: "web",
    subresource: "",
    dryRun: false,
    object: { metadata: { name: "web", labels: { app: "web" } } },
    ...over,
  }
}

interface Case {
  readonly name: string
  readonly match: MatchResources
  readonly req: AdmissionRequest
  /** The version matched as, or undefined for no match. */
  readonly want: string | undefined
}

const deployments = [rule("apps", "v1", "deployments")]
const cases: Case[] = [
  {
    name: "a rule matches",
    match: mr({ resourceRules: deployments }),
    req: req(DEPLOYMENTS),
    want: "apps/v1",
  },
  { name: "no rules: anything (a binding)", match: mr({}), req: req(NODES), want: "/v1" },
  {
    name: "another operation does not",
    match: mr({ resourceRules: deployments }),
    req: req(DEPLOYMENTS, { operation: "UPDATE" }),
    want: undefined,
  },
  {
    name: "resourceNames: the request's name must be one",
    match: mr({ resourceRules: [rule("apps", "v1", "deployments", { resourceNames: ["api"] })] }),
    req: req(DEPLOYMENTS),
    want: undefined,
  },
  {
    name: "excludeResourceRules win over resourceRules",
    match: mr({
      resourceRules: deployments,
      excludeResourceRules: [rule("apps", "*", "*", { resourceNames: ["web"] })],
    }),
    req: req(DEPLOYMENTS),
    want: undefined,
  },
  {
    name: "namespaceSelector by the namespace's labels",
    match: mr({ resourceRules: deployments, namespaceSelector: { matchLabels: { env: "prod" } } }),
    req: req(DEPLOYMENTS),
    want: undefined,
  },
  {
    name: "namespaceSelector never leaves out a cluster-scoped object",
    match: mr({ namespaceSelector: { matchLabels: { env: "prod" } } }),
    req: req(NODES),
    want: "/v1",
  },
  {
    name: "a Namespace being created by its own labels",
    match: mr({ namespaceSelector: { matchLabels: { env: "prod" } } }),
    req: req(NAMESPACES, { object: { metadata: { name: "web", labels: { env: "prod" } } } }),
    want: "/v1",
  },
  {
    name: "objectSelector by the object's labels",
    match: mr({ objectSelector: { matchLabels: { app: "api" } } }),
    req: req(DEPLOYMENTS),
    want: undefined,
  },
  {
    name: "objectSelector by the old object's labels too",
    match: mr({ objectSelector: { matchLabels: { app: "api" } } }),
    req: req(DEPLOYMENTS, {
      operation: "DELETE",
      object: undefined,
      old: { metadata: { labels: { app: "api" } } },
    }),
    want: "apps/v1",
  },
  {
    name: "matchPolicy Equivalent: autoscaling/v1 matched as v2",
    match: mr({ resourceRules: [rule("autoscaling", "v2", "horizontalpodautoscalers")] }),
    req: req(HPA_V1),
    want: "autoscaling/v2",
  },
  {
    name: "matchPolicy Exact: not",
    match: mr({
      matchPolicy: "Exact",
      resourceRules: [rule("autoscaling", "v2", "horizontalpodautoscalers")],
    }),
    req: req(HPA_V1),
    want: undefined,
  },
]

describe("matchRequest()", () => {
  for (const c of cases) {
    test(c.name, async () => {
      const m = await matchRequest(compileMatch(c.match), attributesOf(c.req), ENV)
      assert.equal(m && `${m.kind.group}/${m.kind.version}`, c.want)
    })
  }

  test("a namespace that cannot be read is an error only when the rules match", async () => {
    const m = compileMatch(
      mr({ resourceRules: deployments, namespaceSelector: { matchLabels: { env: "test" } } }),
    )
    await assert.rejects(
      matchRequest(m, attributesOf(req(DEPLOYMENTS, { namespace: "gone" })), ENV),
      /namespaces "gone" not found/,
    )
    const other = attributesOf(req(DEPLOYMENTS, { namespace: "gone", operation: "UPDATE" }))
    assert.equal(await matchRequest(m, other, ENV), undefined)
  })

  test("compileMatch() refuses a missing selector in upstream's words", () => {
    assert.throws(
      () => compileMatch({ namespaceSelector: {} }),
      /^Error: a nil object selector was passed, please ensure selectors are initialized properly$/,
    )
  })
})

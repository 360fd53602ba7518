import assert from "node:assert/strict"
import { describe, test } from "node:test"
import type { PolicyRule } from "kubernetes-types/rbac/v1.js"
import type { AuthorizationAttributes } from "../authz.ts"
import { ruleAllows } from "./rule-match.ts"

const user = { name: "jane", groups: [] }

function res(
  verb: string,
  resource: string,
  more: Partial<AuthorizationAttributes> = {},
): AuthorizationAttributes {
  return { user, verb, resourceRequest: true, apiGroup: "", resource, ...more }
}

function path(verb: string, p: string): AuthorizationAttributes {
  return { user, verb, resourceRequest: false, path: p }
}

const cases: { name: string; rule: PolicyRule; attrs: AuthorizationAttributes; want: boolean }[] = [
  {
    name: "exact verb, group, resource",
    rule: { verbs: ["get"], apiGroups: [""], resources: ["pods"] },
    attrs: res("get", "pods"),
    want: true,
  },
  {
    name: "another verb",
    rule: { verbs: ["get"], apiGroups: [""], resources: ["pods"] },
    attrs: res("list", "pods"),
    want: false,
  },
  {
    name: "verb *",
    rule: { verbs: ["*"], apiGroups: [""], resources: ["pods"] },
    attrs: res("deletecollection", "pods"),
    want: true,
  },
  {
    name: "another group",
    rule: { verbs: ["get"], apiGroups: [""], resources: ["deployments"] },
    attrs: res("get", "deployments", { apiGroup: "apps" }),
    want: false,
  },
  {
    name: "group *",
    rule: { verbs: ["get"], apiGroups: ["*"], resources: ["deployments"] },
    attrs: res("get", "deployments", { apiGroup: "apps" }),
    want: true,
  },
  {
    name: "no apiGroups matches no resource request",
    rule: { verbs: ["get"], resources: ["pods"] },
    attrs: res("get", "pods"),
    want: false,
  },
  {
    name: "resource * covers subresources",
    rule: { verbs: ["get"], apiGroups: [""], resources: ["*"] },
    attrs: res("get", "pods", { subresource: "log" }),
    want: true,
  },
  {
    name: "a resource does not cover its subresources",
    rule: { verbs: ["get"], apiGroups: [""], resources: ["pods"] },
    attrs: res("get", "pods", { subresource: "log" }),
    want: false,
  },
  {
    name: "resource/subresource",
    rule: { verbs: ["get"], apiGroups: [""], resources: ["pods/log"] },
    attrs: res("get", "pods", { subresource: "log" }),
    want: true,
  },
  {
    name: "a subresource rule does not cover its resource",
    rule: { verbs: ["get"], apiGroups: [""], resources: ["pods/log"] },
    attrs: res("get", "pods"),
    want: false,
  },
  {
    name: "*/scale covers every scale",
    rule: { verbs: ["update"], apiGroups: ["*"], resources: ["*/scale"] },
    attrs: res("update", "deployments", { apiGroup: "apps", subresource: "scale" }),
    want: true,
  },
  {
    name: "*/scale is not */status",
    rule: { verbs: ["update"], apiGroups: ["*"], resources: ["*/scale"] },
    attrs: res("update", "deployments", { apiGroup: "apps", subresource: "status" }),
    want: false,
  },
  {
    name: "*/scale is not the resource",
    rule: { verbs: ["get"], apiGroups: ["*"], resources: ["*/scale"] },
    attrs: res("get", "deployments", { apiGroup: "apps" }),
    want: false,
  },
  {
    name: "*/log is not */blog",
    rule: { verbs: ["get"], apiGroups: [""], resources: ["*/log"] },
    attrs: res("get", "pods", { subresource: "blog" }),
    want: false,
  },
  {
    name: "resourceNames: the name",
    rule: { verbs: ["get"], apiGroups: [""], resources: ["configmaps"], resourceNames: ["a"] },
    attrs: res("get", "configmaps", { name: "a" }),
    want: true,
  },
  {
    name: "resourceNames: another name",
    rule: { verbs: ["get"], apiGroups: [""], resources: ["configmaps"], resourceNames: ["a"] },
    attrs: res("get", "configmaps", { name: "b" }),
    want: false,
  },
  {
    name: "resourceNames: a list has no name",
    rule: { verbs: ["list"], apiGroups: [""], resources: ["configmaps"], resourceNames: ["a"] },
    attrs: res("list", "configmaps"),
    want: false,
  },
  {
    name: "no resourceNames: any name",
    rule: { verbs: ["get"], apiGroups: [""], resources: ["configmaps"] },
    attrs: res("get", "configmaps", { name: "z" }),
    want: true,
  },
  {
    name: "a resource rule allows no path",
    rule: { verbs: ["get"], apiGroups: ["*"], resources: ["*"] },
    attrs: path("get", "/healthz"),
    want: false,
  },
  {
    name: "exact URL",
    rule: { verbs: ["get"], nonResourceURLs: ["/healthz"] },
    attrs: path("get", "/healthz"),
    want: true,
  },
  {
    name: "exact URL, not its children",
    rule: { verbs: ["get"], nonResourceURLs: ["/healthz"] },
    attrs: path("get", "/healthz/etcd"),
    want: false,
  },
  {
    name: "URL prefix *",
    rule: { verbs: ["get"], nonResourceURLs: ["/apis/*"] },
    attrs: path("get", "/apis/apps/v1"),
    want: true,
  },
  {
    name: "URL prefix * without the slash",
    rule: { verbs: ["get"], nonResourceURLs: ["/apis/*"] },
    attrs: path("get", "/apis"),
    want: false,
  },
  {
    name: "URL *",
    rule: { verbs: ["*"], nonResourceURLs: ["*"] },
    attrs: path("post", "/anything"),
    want: true,
  },
  {
    name: "URL, another verb",
    rule: { verbs: ["get"], nonResourceURLs: ["/version"] },
    attrs: path("post", "/version"),
    want: false,
  },
  {
    name: "a path rule allows no resource",
    rule: { verbs: ["*"], nonResourceURLs: ["*"] },
    attrs: res("get", "pods"),
    want: false,
  },
]

describe("RBAC rule matching", () => {
  for (const c of cases) {
    test(c.name, () => assert.equal(ruleAllows(c.attrs, c.rule), c.want))
  }
})

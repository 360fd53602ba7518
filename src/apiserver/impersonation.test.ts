import assert from "node:assert/strict"
import { describe, test } from "node:test"
import { ApiError } from "../api/index.ts"
import { apiCall, makeCsr, memoryApiServer } from "../testing/index.ts"
import { type AuthorizationAttributes, type Authorizer, alwaysAllow } from "./authz.ts"
import type { ApiRequest, UserInfo } from "./http.ts"
import { impersonatedUser } from "./impersonation.ts"
import type { ApiServer } from "./server.ts"

const ADMIN: UserInfo = { name: "kubernetes-admin", groups: ["system:masters", "system:authenticated"] }

/** A request with these headers, each value sent as its own header line. */
function request(headers: Record<string, string[]>): ApiRequest {
  const h = new Map(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]))
  return {
    method: "GET",
    path: "/api",
    query: new URLSearchParams(),
    header: (name) => h.get(name.toLowerCase())?.join(", "),
    headerValues: (name) => h.get(name.toLowerCase()) ?? [],
    headerNames: () => h.keys(),
    body: async () => Buffer.alloc(0),
    signal: new AbortController().signal,
  }
}

const cases: { name: string; headers: Record<string, string[]>; want: UserInfo | undefined }[] = [
  { name: "no impersonation headers: nobody", headers: { accept: ["*/*"] }, want: undefined },
  {
    name: "a user alone is authenticated",
    headers: { "Impersonate-User": ["jane"] },
    want: { name: "jane", groups: ["system:authenticated"] },
  },
  {
    name: "groups given come first, then system:authenticated",
    headers: { "Impersonate-User": ["jane"], "Impersonate-Group": ["devs", "qa"] },
    want: { name: "jane", groups: ["devs", "qa", "system:authenticated"] },
  },
  {
    name: "system:unauthenticated among the groups keeps system:authenticated out",
    headers: { "Impersonate-User": ["jane"], "Impersonate-Group": ["system:unauthenticated"] },
    want: { name: "jane", groups: ["system:unauthenticated"] },
  },
  {
    name: "a service account gets its groups",
    headers: { "Impersonate-User": ["system:serviceaccount:apps:builder"] },
    want: {
      name: "system:serviceaccount:apps:builder",
      groups: ["system:serviceaccounts", "system:serviceaccounts:apps", "system:authenticated"],
    },
  },
  {
    name: "a service account with groups given has those instead",
    headers: { "Impersonate-User": ["system:serviceaccount:apps:builder"], "Impersonate-Group": ["x"] },
    want: { name: "system:serviceaccount:apps:builder", groups: ["x", "system:authenticated"] },
  },
  {
    name: "anonymous is unauthenticated",
    headers: { "Impersonate-User": ["system:anonymous"] },
    want: { name: "system:anonymous", groups: ["system:unauthenticated"] },
  },
  {
    name: "extras (keys unescaped) and a uid",
    headers: {
      "Impersonate-User": ["jane"],
      "Impersonate-Extra-Scopes": ["view", "edit"],
      "Impersonate-Extra-Example.com%2fteam": ["blue"],
      "Impersonate-Uid": ["1234"],
    },
    want: {
      name: "jane",
      groups: ["system:authenticated"],
      uid: "1234",
      extra: { scopes: ["view", "edit"], "example.com/team": ["blue"] },
    },
  },
]

describe("impersonatedUser()", () => {
  for (const tc of cases) {
    test(tc.name, async () => {
      assert.deepEqual(await impersonatedUser(request(tc.headers), ADMIN, alwaysAllow), tc.want)
    })
  }

  const refusals: { name: string; headers: Record<string, string[]>; message: string }[] = [
    {
      name: "groups without a user are a bad request",
      headers: { "Impersonate-Group": ["devs", "ops"] },
      message: "requested [{Group  devs    } {Group  ops    }] without impersonating a user",
    },
    {
      name: "a uid without a user is a bad request",
      headers: { "Impersonate-Uid": ["abc"] },
      message: "requested [{UID  abc  authentication.k8s.io/v1  }] without impersonating a user",
    },
    {
      name: "an extra without a user is a bad request",
      headers: { "Impersonate-Extra-Scopes": ["view"] },
      message: "requested [{UserExtra  view  authentication.k8s.io/v1  scopes}] without impersonating a user",
    },
  ]
  for (const tc of refusals) {
    test(tc.name, async () => {
      await assert.rejects(impersonatedUser(request(tc.headers), ADMIN, alwaysAllow), (err: unknown) => {
        assert.ok(err instanceof ApiError)
        assert.equal(err.reason, "BadRequest")
        assert.equal(err.message, tc.message)
        return true
      })
    })
  }

  test("asks the authorizer to impersonate each thing named", async () => {
    const asked: AuthorizationAttributes[] = []
    const record: Authorizer = (a) => {
      asked.push(a)
      return { decision: "Allow", reason: "" }
    }
    const headers = {
      "Impersonate-User": ["system:serviceaccount:apps:builder"],
      "Impersonate-Group": ["devs"],
      "Impersonate-Extra-Scopes": ["view"],
      "Impersonate-Uid": ["1234"],
    }
    await impersonatedUser(request(headers), ADMIN, record)
    assert.deepEqual(
      asked.map((a) => [a.user.name, a.verb, a.apiGroup, a.resource, a.subresource, a.namespace, a.name]),
      [
        ["kubernetes-admin", "impersonate", "", "serviceaccounts", undefined, "apps", "builder"],
        ["kubernetes-admin", "impersonate", "", "groups", undefined, undefined, "devs"],
        [
          "kubernetes-admin",
          "impersonate",
          "authentication.k8s.io",
          "userextras",
          "scopes",
          undefined,
          "view",
        ],
        ["kubernetes-admin", "impersonate", "authentication.k8s.io", "uids", undefined, undefined, "1234"],
      ],
    )
  })

  const denials: { name: string; headers: Record<string, string[]>; message: string }[] = [
    {
      name: "a user",
      headers: { "Impersonate-User": ["jane"] },
      message:
        'users "jane" is forbidden: User "kubernetes-admin" cannot impersonate resource "users" in API group "" at the cluster scope: not today',
    },
    {
      name: "a service account, in its namespace",
      headers: { "Impersonate-User": ["system:serviceaccount:apps:builder"] },
      message:
        'serviceaccounts "builder" is forbidden: User "kubernetes-admin" cannot impersonate resource "serviceaccounts" in API group "" in the namespace "apps": not today',
    },
  ]
  for (const tc of denials) {
    test(`a refused impersonation of ${tc.name} is a 403`, async () => {
      const deny: Authorizer = () => ({ decision: "NoOpinion", reason: "not today" })
      await assert.rejects(impersonatedUser(request(tc.headers), ADMIN, deny), (err: unknown) => {
        assert.ok(err instanceof ApiError)
        assert.equal(err.reason, "Forbidden")
        assert.equal(err.message, tc.message)
        return true
      })
    })
  }

  test("an extra refused names its key as the subresource", async () => {
    const deny: Authorizer = (a) =>
      a.resource === "userextras" ? { decision: "Deny", reason: "" } : { decision: "Allow", reason: "" }
    const req = request({ "Impersonate-User": ["jane"], "Impersonate-Extra-Scopes": ["view"] })
    await assert.rejects(impersonatedUser(req, ADMIN, deny), {
      message:
        'userextras.authentication.k8s.io "view" is forbidden: User "kubernetes-admin" cannot impersonate resource "userextras/scopes" in API group "authentication.k8s.io" at the cluster scope',
    })
  })
})

describe("impersonation in the API server", () => {
  let api: ApiServer
  memoryApiServer((started) => (api = started), {
    authenticate: async (req) => (req.header("authorization") === "Bearer admin" ? ADMIN : undefined),
    authorize: (a) =>
      a.name === "root" ? { decision: "Deny", reason: "" } : { decision: "Allow", reason: "" },
  })

  const review = { apiVersion: "authentication.k8s.io/v1", kind: "SelfSubjectReview" }
  const path = "/apis/authentication.k8s.io/v1/selfsubjectreviews"

  test("SelfSubjectReview answers as the impersonated user", async () => {
    const res = await apiCall(api, "POST", path, review, {
      authorization: "Bearer admin",
      "impersonate-user": "jane",
      "impersonate-group": "devs",
    })
    assert.equal(res.status, 201)
    assert.deepEqual(res.json.status.userInfo, { username: "jane", groups: ["devs", "system:authenticated"] })
  })

  test("the authorizer's refusal and a group without a user are answered as upstream", async () => {
    const denied = await apiCall(api, "POST", path, review, {
      authorization: "Bearer admin",
      "impersonate-user": "root",
    })
    assert.equal(denied.status, 403)
    assert.deepEqual(denied.json.details, { name: "root", kind: "users" })
    const bad = await apiCall(api, "POST", path, review, {
      authorization: "Bearer admin",
      "impersonate-group": "devs",
    })
    assert.equal(bad.status, 400)
    assert.equal(bad.json.message, "requested [{Group  devs    }] without impersonating a user")
  })

  test("a CSR records the impersonated requestor", async () => {
    const { request: pem } = await makeCsr("CN=jane")
    const csr = {
      apiVersion: "certificates.k8s.io/v1",
      kind: "CertificateSigningRequest",
      metadata: { name: "as-jane" },
      spec: { request: pem, signerName: "example.com/x", usages: ["client auth"] },
    }
    const res = await apiCall(api, "POST", "/apis/certificates.k8s.io/v1/certificatesigningrequests", csr, {
      authorization: "Bearer admin",
      "impersonate-user": "jane",
      "impersonate-uid": "u-1",
      "impersonate-extra-team": "blue",
    })
    assert.equal(res.status, 201, res.text)
    assert.equal(res.json.spec.username, "jane")
    assert.equal(res.json.spec.uid, "u-1")
    assert.deepEqual(res.json.spec.groups, ["system:authenticated"])
    assert.deepEqual(res.json.spec.extra, { team: ["blue"] })
  })
})

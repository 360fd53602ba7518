import assert from "node:assert/strict"
import { after, before, describe, test } from "node:test"
import { MemoryStore } from "../../storage/index.ts"
import { FakeClock } from "../../util/index.ts"
import { apiCall } from "../../testing/index.ts"
import { createAuthenticator } from "../authn.ts"
import { createApiServer, type ApiServer } from "../server.ts"

let api: ApiServer
const ac = new AbortController()

before(async () => {
  api = createApiServer({
    store: new MemoryStore(),
    clock: new FakeClock(Date.UTC(2026, 11, 1)),
    authenticate: createAuthenticator({
      tokens: new Map([
        ["alice-token", { name: "alice", uid: "42", groups: ["dev", "system:authenticated"] }],
      ]),
    }),
  })
  void api.run(ac.signal)
  await api.ready()
})
after(() => ac.abort())

const SAR = "/apis/authorization.k8s.io/v1/subjectaccessreviews"
const LSAR = "/apis/authorization.k8s.io/v1/namespaces/team/localsubjectaccessreviews"
const TR = "/apis/authentication.k8s.io/v1/tokenreviews"
const get = { verb: "get", resource: "pods", namespace: "team" }

const cases: { name: string; path: string; body: unknown; want: [number, unknown] }[] = [
  {
    name: "a SubjectAccessReview is allowed under AlwaysAllow",
    path: SAR,
    body: { spec: { user: "bob", resourceAttributes: get } },
    want: [201, { allowed: true }],
  },
  {
    name: "a SubjectAccessReview needs a user or group and one kind of attributes",
    path: SAR,
    body: { spec: {} },
    want: [
      422,
      'SubjectAccessReview.authorization.k8s.io "" is invalid: [spec.resourceAttributes: Invalid value: "null": exactly one of nonResourceAttributes or resourceAttributes must be specified, spec.user: Invalid value: "": at least one of user or group must be specified]',
    ],
  },
  {
    name: "a LocalSubjectAccessReview is answered in its namespace",
    path: LSAR,
    body: { spec: { groups: ["dev"], resourceAttributes: get } },
    want: [201, { allowed: true }],
  },
  {
    name: "a LocalSubjectAccessReview's attributes name its namespace",
    path: LSAR,
    body: { spec: { user: "bob", resourceAttributes: { ...get, namespace: "other" } } },
    want: [
      422,
      'LocalSubjectAccessReview.authorization.k8s.io "" is invalid: spec.resourceAttributes.namespace: Invalid value: "other": must match metadata.namespace',
    ],
  },
  {
    name: "a TokenReview of a known token names its user",
    path: TR,
    body: { spec: { token: "alice-token" } },
    want: [
      201,
      {
        authenticated: true,
        user: { username: "alice", uid: "42", groups: ["dev", "system:authenticated"], extra: {} },
      },
    ],
  },
  {
    name: "a TokenReview of an unknown token is not authenticated",
    path: TR,
    body: { spec: { token: "nope" } },
    want: [201, { authenticated: false, user: {} }],
  },
  {
    name: "a TokenReview needs a token",
    path: TR,
    body: { spec: {} },
    want: [400, "token is required for TokenReview in authentication"],
  },
]

describe("review kinds", () => {
  for (const c of cases) {
    test(c.name, async () => {
      const r = await apiCall(api, "POST", c.path, c.body)
      assert.deepEqual([r.status, r.status < 300 ? r.json.status : r.json.message], c.want)
    })
  }
})

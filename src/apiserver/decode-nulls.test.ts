import assert from "node:assert/strict"
import { describe, test } from "node:test"
import { apiCall, memoryApiServer } from "../testing/index.ts"
import type { ApiServer } from "./server.ts"
import { zeroNulls } from "./decode-nulls.ts"

describe("zeroNulls()", () => {
  const cases: { name: string; type: string; input: unknown; want: unknown }[] = [
    {
      name: "a null field is dropped, at any depth",
      type: "io.k8s.api.apps.v1.Deployment",
      input: {
        metadata: { name: "d", labels: null },
        spec: { replicas: null, strategy: { rollingUpdate: null } },
      },
      want: { metadata: { name: "d" }, spec: { strategy: {} } },
    },
    {
      name: "a null list element is the element type's zero value",
      type: "io.k8s.api.core.v1.PodSpec",
      input: { containers: [null, { name: "c", args: ["a", null], ports: [null] }], tolerations: [null] },
      want: { containers: [{}, { name: "c", args: ["a", ""], ports: [{}] }], tolerations: [{}] },
    },
    {
      name: "a null map value is the value type's zero value",
      type: "io.k8s.api.core.v1.Secret",
      input: { metadata: { labels: { a: null } }, data: { k: null }, stringData: { s: null } },
      want: { metadata: { labels: { a: "" } }, data: { k: "" }, stringData: { s: "" } },
    },
    {
      name: "quantities and int-or-strings as their Go zero",
      type: "io.k8s.api.core.v1.ResourceRequirements",
      input: { requests: { cpu: null }, limits: null },
      want: { requests: { cpu: "0" } },
    },
    {
      name: "free-form values keep their nulls",
      type: "io.k8s.api.apps.v1.ControllerRevision",
      input: { data: { a: null, b: [null] }, revision: 1 },
      want: { data: { a: null, b: [null] }, revision: 1 },
    },
    {
      name: "frozen objects are left alone",
      type: "io.k8s.api.core.v1.ConfigMap",
      input: {
        metadata: Object.freeze({ name: "c", labels: Object.freeze({ a: null }) }),
        data: { k: null },
      },
      want: { metadata: { name: "c", labels: { a: null } }, data: { k: "" } },
    },
  ]
  for (const c of cases) {
    test(c.name, () => {
      zeroNulls(c.input, c.type)
      assert.deepEqual(c.input, c.want)
    })
  }

  test("a JSON text without null is not walked", () => {
    const body = { metadata: { labels: { a: null } } }
    zeroNulls(body, "io.k8s.api.core.v1.ConfigMap", `{"metadata":{}}`)
    assert.deepEqual(body, { metadata: { labels: { a: null } } })
  })
})

let api: ApiServer
memoryApiServer((started) => (api = started))

describe("writes with nulls where upstream's decoder zeroes them", () => {
  const RB = "/apis/rbac.authorization.k8s.io/v1/namespaces/default/rolebindings"
  const roleRef = { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "r" }
  const nullSubject = {
    body: {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "RoleBinding",
      metadata: { name: "rb" },
      roleRef,
      subjects: [null],
    },
    status: 422,
    causes: ["subjects[0].name", "subjects[0].kind"],
  }
  const cases: {
    name: string
    method: string
    path: string
    body: unknown
    type?: string
    status: number
    causes?: string[]
  }[] = [
    {
      name: "a Service's null port is a port 0",
      method: "POST",
      path: "/api/v1/namespaces/default/services",
      body: { apiVersion: "v1", kind: "Service", metadata: { name: "s" }, spec: { ports: [null] } },
      status: 422,
      causes: ["spec.ports[0].port", "spec.ports[0].targetPort"],
    },
    {
      name: "an Endpoints' null subset is an empty one",
      method: "POST",
      path: "/api/v1/namespaces/default/endpoints",
      body: { apiVersion: "v1", kind: "Endpoints", metadata: { name: "e" }, subsets: [null] },
      status: 422,
      causes: ["subsets[0]"],
    },
    {
      name: "a container's null env var has no name",
      method: "POST",
      path: "/api/v1/namespaces/default/pods",
      body: {
        apiVersion: "v1",
        kind: "Pod",
        metadata: { name: "p" },
        spec: { containers: [{ name: "c", image: "i", env: [null] }] },
      },
      status: 422,
      causes: ["spec.containers[0].env[0].name"],
    },
    {
      name: "a RoleBinding's null subject, created",
      method: "POST",
      path: RB,
      ...nullSubject,
    },
    {
      name: "a RoleBinding's null subject, applied",
      method: "PATCH",
      path: `${RB}/rb?fieldManager=m`,
      type: "application/apply-patch+yaml",
      ...nullSubject,
    },
    {
      name: "a null finalizer added by a merge patch",
      method: "PATCH",
      path: "/api/v1/namespaces/default/configmaps/c",
      type: "application/merge-patch+json",
      body: { metadata: { finalizers: [null] } },
      status: 422,
      causes: ["metadata.finalizers[0]"],
    },
  ]
  for (const c of cases) {
    test(c.name, async () => {
      await apiCall(api, "POST", "/api/v1/namespaces/default/configmaps", {
        apiVersion: "v1",
        kind: "ConfigMap",
        metadata: { name: "c" },
      })
      const r = await apiCall(api, c.method, c.path, c.body, c.type ? { "content-type": c.type } : {})
      assert.equal(r.status, c.status, r.text)
      assert.equal(r.json.kind, "Status")
      const fields = (r.json.details?.causes ?? []).map((x: { field: string }) => x.field)
      for (const f of c.causes ?? []) assert.ok(fields.includes(f), `${f} in ${fields.join(", ")}`)
    })
  }

  test("null labels and data values are stored empty, as upstream stores them", async () => {
    const r = await apiCall(api, "POST", "/api/v1/namespaces/default/configmaps", {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: "nulls", labels: { a: null, b: "x" }, annotations: null },
      data: { k: null },
    })
    assert.equal(r.status, 201, r.text)
    assert.deepEqual(r.json.metadata.labels, { a: "", b: "x" })
    assert.equal(r.json.metadata.annotations, undefined)
    assert.deepEqual(r.json.data, { k: "" })
    const p = await apiCall(
      api,
      "PATCH",
      "/api/v1/namespaces/default/configmaps/nulls",
      [{ op: "add", path: "/metadata/labels/z", value: null }],
      { "content-type": "application/json-patch+json" },
    )
    assert.equal(p.status, 200, p.text)
    assert.deepEqual(p.json.metadata.labels, { a: "", b: "x", z: "" })
  })
})

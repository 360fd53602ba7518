import assert from "node:assert/strict"
import { test } from "node:test"
import { requestInfo } from "./request-info.ts"

const info = (method: string, path: string, query = "") =>
  requestInfo(method, path, new URLSearchParams(query))
const blank = {
  group: "",
  version: "",
  namespace: "",
  namespacePrefixed: false,
  resource: "",
  name: "",
  subresource: "",
  rest: "",
}

test("non-resource paths and API roots", () => {
  assert.deepEqual(info("GET", "/healthz"), { ...blank, isResource: false, path: "/healthz", verb: "get" })
  assert.deepEqual(info("GET", "/"), { ...blank, isResource: false, path: "/", verb: "get" })
  assert.deepEqual(info("GET", "/api"), {
    ...blank,
    isResource: true,
    path: "/api",
    prefix: "api",
    verb: "get",
  })
  assert.deepEqual(info("GET", "/apis/apps/v1"), {
    ...blank,
    isResource: true,
    path: "/apis/apps/v1",
    prefix: "apis",
    group: "apps",
    version: "v1",
    verb: "get",
  })
})

test("resource paths: verbs, namespaces, names, subresources", () => {
  const create = info("POST", "/api/v1/namespaces/default/pods")
  assert.deepEqual(
    [create.verb, create.namespace, create.resource, create.name, create.isResource],
    ["create", "default", "pods", "", true],
  )
  assert.equal(info("GET", "/api/v1/namespaces/default/pods/p%201").name, "p 1")
  assert.equal(info("GET", "/api/v1/pods", "watch=true").verb, "watch")
  assert.equal(info("GET", "/api/v1/pods").verb, "list")
  // As upstream's parameter codec: only "false" (any case) and "0" are false; a named GET is a get.
  for (const [q, verb] of [
    ["watch=xyz", "watch"],
    ["watch=", "watch"],
    ["watch", "watch"],
    ["watch=False", "list"],
    ["watch=0", "list"],
  ])
    assert.equal(info("GET", "/api/v1/pods", q).verb, verb, q)
  assert.equal(info("GET", "/api/v1/namespaces/d/pods/p", "watch=true").verb, "get")
  assert.equal(info("DELETE", "/apis/apps/v1/namespaces/x/deployments").verb, "deletecollection")
  const nsStatus = info("PUT", "/api/v1/namespaces/ns1/status")
  assert.deepEqual(
    [nsStatus.resource, nsStatus.name, nsStatus.namespace, nsStatus.subresource, nsStatus.verb],
    ["namespaces", "ns1", "ns1", "status", "update"],
  )
  // A namespace's own name is its namespace; only a namespaces/{ns}/ prefix scopes what follows.
  const nsGet = info("GET", "/api/v1/namespaces/ns1")
  assert.deepEqual([nsGet.namespace, nsGet.namespacePrefixed], ["ns1", false])
  const nested = info("GET", "/api/v1/namespaces/team/namespaces/other")
  assert.deepEqual(
    [nested.namespace, nested.namespacePrefixed, nested.resource, nested.name],
    ["team", true, "namespaces", "other"],
  )
  assert.equal(create.namespacePrefixed, true)
  const proxy = info("GET", "/api/v1/namespaces/d/pods/p/proxy/a/b")
  assert.deepEqual([proxy.subresource, proxy.rest, proxy.verb], ["proxy", "a/b", "get"])
})

import assert from "node:assert/strict"
import { test } from "node:test"
import type { ApiServer } from "../server.ts"
import { apiCall, memoryApiServer, until } from "../../testing/index.ts"

let api: ApiServer
memoryApiServer((started) => (api = started))

const CRDS = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions"
const GADGETS = "/apis/example.com/v1/namespaces/default/gadgets"
const CRD = {
  metadata: { name: "gadgets.example.com" },
  spec: {
    group: "example.com",
    scope: "Namespaced",
    names: { plural: "gadgets", singular: "gadget", kind: "Gadget" },
    versions: [
      {
        name: "v1",
        served: true,
        storage: true,
        subresources: { status: {} },
        schema: { openAPIV3Schema: { type: "object", "x-kubernetes-preserve-unknown-fields": true } },
      },
    ],
  },
}

/** Waits until the custom resource's collection is served (its CRD established). */
const served = (path: string) =>
  until(`${path} served`, async () => (await apiCall(api, "GET", path)).status === 200)

/** The 422 upstream's store answers for an update of `resource` without a resourceVersion. */
function required(resource: string, group: string, name: string) {
  return {
    kind: "Status",
    apiVersion: "v1",
    metadata: {},
    status: "Failure",
    message: `${resource}.${group} "${name}" is invalid: metadata.resourceVersion: Invalid value: 0x0: must be specified for an update`,
    reason: "Invalid",
    details: {
      name,
      group,
      kind: resource,
      causes: [
        {
          reason: "FieldValueInvalid",
          message: "Invalid value: 0x0: must be specified for an update",
          field: "metadata.resourceVersion",
        },
      ],
    },
    code: 422,
  }
}

test("custom resources, CRDs and APIServices refuse a PUT without a resourceVersion, main resource and status", async () => {
  assert.equal((await apiCall(api, "POST", CRDS, CRD)).status, 201)
  await served(GADGETS)
  const g = { apiVersion: "example.com/v1", kind: "Gadget", metadata: { name: "g" }, spec: { a: 1 } }
  assert.equal((await apiCall(api, "POST", GADGETS, g)).status, 201)
  for (const path of [`${GADGETS}/g`, `${GADGETS}/g/status`]) {
    const res = await apiCall(api, "PUT", path, { ...g, spec: { a: 2 } })
    assert.deepEqual([res.status, res.json], [422, required("gadgets", "example.com", "g")], path)
  }
  // A missing object is a 404 first; with its resourceVersion the update goes through.
  assert.equal(
    (await apiCall(api, "PUT", `${GADGETS}/none`, { ...g, metadata: { name: "none" } })).status,
    404,
  )
  const rv = (await apiCall(api, "GET", `${GADGETS}/g`)).json.metadata.resourceVersion
  const ok = await apiCall(api, "PUT", `${GADGETS}/g`, {
    ...g,
    metadata: { name: "g", resourceVersion: rv },
    spec: { a: 3 },
  })
  assert.equal(ok.status, 200, JSON.stringify(ok.json))

  const crd = await apiCall(api, "PUT", `${CRDS}/gadgets.example.com`, CRD)
  assert.deepEqual(
    crd.json,
    required("customresourcedefinitions", "apiextensions.k8s.io", "gadgets.example.com"),
  )
  const APISERVICES = "/apis/apiregistration.k8s.io/v1/apiservices"
  const svc = {
    metadata: { name: "v9.example.com" },
    spec: { group: "example.com", version: "v9", groupPriorityMinimum: 1, versionPriority: 1 },
  }
  assert.equal((await apiCall(api, "POST", APISERVICES, svc)).status, 201)
  const put = await apiCall(api, "PUT", `${APISERVICES}/v9.example.com`, svc)
  assert.deepEqual(put.json, required("apiservices", "apiregistration.k8s.io", "v9.example.com"))
  // "0" names no version either, as upstream's versioner parses it.
  const zero = { ...svc, metadata: { name: "v9.example.com", resourceVersion: "0" } }
  const put0 = await apiCall(api, "PUT", `${APISERVICES}/v9.example.com`, zero)
  assert.deepEqual(put0.json, required("apiservices", "apiregistration.k8s.io", "v9.example.com"))
  // A body naming another object is the 400 it is for every kind: the name is checked first.
  const other = await apiCall(api, "PUT", `${APISERVICES}/v9.example.com`, {
    ...svc,
    metadata: { name: "other" },
  })
  assert.deepEqual(
    [other.status, other.json.message],
    [400, "the name of the object (other) does not match the name on the URL (v9.example.com)"],
  )
})

test("Leases, ValidatingAdmissionPolicies (and status) and their bindings refuse one too; a missing Lease is created", async () => {
  const LEASES = "/apis/coordination.k8s.io/v1/namespaces/default/leases"
  const lease = { metadata: { name: "l" }, spec: { holderIdentity: "a" } }
  // Create-on-update comes first: a PUT of a missing Lease needs no resourceVersion.
  assert.equal((await apiCall(api, "PUT", `${LEASES}/l`, lease)).status, 201)
  const put = await apiCall(api, "PUT", `${LEASES}/l`, { ...lease, spec: { holderIdentity: "b" } })
  assert.deepEqual([put.status, put.json], [422, required("leases", "coordination.k8s.io", "l")])

  const AR = "/apis/admissionregistration.k8s.io/v1"
  const policy = {
    metadata: { name: "p" },
    spec: {
      matchConstraints: {
        resourceRules: [
          { apiGroups: [""], apiVersions: ["v1"], operations: ["CREATE"], resources: ["configmaps"] },
        ],
      },
      validations: [{ expression: "true" }],
    },
  }
  const binding = { metadata: { name: "b" }, spec: { policyName: "p", validationActions: ["Deny"] } }
  const writes: [string, string, object][] = [
    [`${AR}/validatingadmissionpolicies`, "validatingadmissionpolicies", policy],
    [`${AR}/validatingadmissionpolicybindings`, "validatingadmissionpolicybindings", binding],
  ]
  for (const [path, resource, body] of writes) {
    const created = await apiCall(api, "POST", path, body)
    assert.equal(created.status, 201, JSON.stringify(created.json))
    const name = created.json.metadata.name
    const subs = resource === "validatingadmissionpolicies" ? ["", "/status"] : [""]
    for (const sub of subs) {
      const res = await apiCall(api, "PUT", `${path}/${name}${sub}`, body)
      assert.deepEqual(
        [res.status, res.json],
        [422, required(resource, "admissionregistration.k8s.io", name)],
        `${path}/${name}${sub}`,
      )
    }
  }
})

test("other kinds take a PUT without a resourceVersion as an update of what is stored", async () => {
  const cms = "/api/v1/namespaces/default/configmaps"
  assert.equal((await apiCall(api, "POST", cms, { metadata: { name: "c" }, data: { a: "1" } })).status, 201)
  const res = await apiCall(api, "PUT", `${cms}/c`, { metadata: { name: "c" }, data: { a: "2" } })
  assert.deepEqual([res.status, res.json.data], [200, { a: "2" }])
  const zero = { metadata: { name: "c", resourceVersion: "0" }, data: { a: "3" } }
  const res0 = await apiCall(api, "PUT", `${cms}/c`, zero)
  assert.deepEqual([res0.status, res0.json.data], [200, { a: "3" }])
})

/**
 * The real kubectl v1.35 reading back lists written empty: a list field without omitempty comes
 * back null, as upstream's protobuf storage returns it, but for the fields upstream's OpenAPI marks
 * required (a LimitRange's limits, a CSINode's drivers, an EndpointSlice's endpoints), kept [] for
 * the Python client, which refuses a null there.
 */
import assert from "node:assert/strict"
import { after, before, describe, test } from "node:test"
import { startTestApiServer, type TestApiServer, kubectlSession } from "../../src/testing/index.ts"

let srv: TestApiServer

before(async () => {
  srv = await startTestApiServer()
})
after(async () => {
  await srv?.stop()
})

const { ok, file } = kubectlSession(() => srv)

const ROLE = `apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: empty-rules
rules: []
`

const OBJECTS = `apiVersion: v1
kind: LimitRange
metadata:
  name: no-limits
  namespace: default
spec:
  limits: []
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: empty-slice
  namespace: default
addressType: IPv4
endpoints: []
ports: []
---
apiVersion: storage.k8s.io/v1
kind: CSINode
metadata:
  name: no-drivers
spec:
  drivers: []
`

describe("lists written empty", () => {
  test("read back null where upstream's storage makes them nil, in the create response too", async () => {
    const created = JSON.parse(await ok("create", "-f", file("role.yaml", ROLE), "-o", "json"))
    assert.equal(created.rules, null)
    await ok("create", "-f", file("empty.yaml", OBJECTS))
    const role = await ok("get", "clusterrole", "empty-rules", "-o", "yaml")
    assert.match(role, /\nrules: null\n/)
    // Required by upstream's OpenAPI: kept [] for the clients that refuse a null there.
    assert.match(await ok("get", "limitrange", "no-limits", "-o", "yaml"), /\n {2}limits: \[\]\n/)
    assert.match(await ok("get", "csinode", "no-drivers", "-o", "yaml"), /\n {2}drivers: \[\]\n/)
    const slice = await ok("get", "endpointslice", "empty-slice", "-o", "yaml")
    assert.match(slice, /\nendpoints: \[\]\n/)
    assert.match(slice, /\nports: null\n/)
  })
})

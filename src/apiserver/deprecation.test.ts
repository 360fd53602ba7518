import assert from "node:assert/strict"
import { test } from "node:test"
import { Endpoints, EndpointSlices, findResource } from "../api/index.ts"
import { deprecationWarning, withDeprecationWarning } from "./deprecation.ts"

const endpoints = findResource(Endpoints.group, Endpoints.version, Endpoints.resource)

test("deprecated resources name their release and replacement as upstream's warning does", () => {
  assert.equal(
    deprecationWarning(endpoints),
    "v1 Endpoints is deprecated in v1.33+; use discovery.k8s.io/v1 EndpointSlice",
  )
  assert.equal(
    deprecationWarning(findResource(EndpointSlices.group, EndpointSlices.version, EndpointSlices.resource)),
    undefined,
  )
  assert.equal(
    deprecationWarning({
      ...(endpoints as NonNullable<typeof endpoints>),
      kind: "X",
      deprecated: { since: "1.19" },
    }),
    "v1 X is deprecated in v1.19+",
  )
})

test("the deprecation warning goes first, before the response's own warnings", () => {
  const res = { status: 200, headers: { warning: '299 - "unknown field \\"x\\""' } }
  assert.deepEqual(withDeprecationWarning(res, endpoints).headers, {
    warning:
      '299 - "v1 Endpoints is deprecated in v1.33+; use discovery.k8s.io/v1 EndpointSlice", 299 - "unknown field \\"x\\""',
  })
  assert.equal(withDeprecationWarning(res, undefined), res)
})

import assert from "node:assert/strict"
import { test } from "node:test"
import { invalid } from "./errors.ts"
import { invalidValue, required } from "./field-errors.ts"

test("invalid() names each distinct error once in its message but keeps every cause", () => {
  const twice = invalidValue("spec.scopes", ["BestEffort"], "unsupported scope applied to resource")
  const err = invalid("ResourceQuota", "q", [twice, twice])
  assert.equal(
    err.message,
    'ResourceQuota "q" is invalid: spec.scopes: Invalid value: ["BestEffort"]: unsupported scope applied to resource',
  )
  assert.equal(err.details?.causes?.length, 2)
})

test("invalid() brackets a message of several distinct errors", () => {
  const err = invalid("Pod", "p", [
    required("spec.containers"),
    required("spec.containers"),
    required("metadata.name"),
  ])
  assert.equal(
    err.message,
    'Pod "p" is invalid: [spec.containers: Required value, metadata.name: Required value]',
  )
})

import assert from "node:assert/strict"
import { test } from "node:test"
import { ApiError } from "../api/index.ts"
import { dryRunOf } from "./dry-run.ts"

test("dryRunOf() takes All, or nothing", () => {
  assert.equal(dryRunOf(["All"], "POST"), true)
  assert.equal(dryRunOf([], "PUT"), false)
})

test("dryRunOf() refuses other values with 422 naming the verb's options, as upstream", () => {
  assert.throws(
    () => dryRunOf(["Bogus"], "POST"),
    (e: unknown) =>
      e instanceof ApiError &&
      e.code === 422 &&
      e.message ===
        'CreateOptions.meta.k8s.io "" is invalid: dryRun: Unsupported value: ["Bogus"]: supported values: "All"',
  )
  assert.throws(
    () => dryRunOf(["All", "x"], "DELETE"),
    (e: unknown) => e instanceof ApiError && e.message.startsWith('DeleteOptions.meta.k8s.io "" is invalid'),
  )
})

import assert from "node:assert/strict"
import { test } from "node:test"
import { chooseOutput } from "./negotiate.ts"

const TABLE = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json"
const DISCOVERY = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json"

test("chooseOutput() picks by the header and by what the request allows, asked in any order", () => {
  // Each question twice: the second answer comes from what the first worked out.
  for (let round = 0; round < 2; round++) {
    assert.deepEqual(chooseOutput(TABLE, { table: true }), { kind: "table", version: "v1" })
    assert.deepEqual(chooseOutput(TABLE), { kind: "json" })
    assert.deepEqual(chooseOutput(TABLE, { discovery: true }), { kind: "json" })
    assert.deepEqual(chooseOutput(DISCOVERY, { discovery: true }), { kind: "discovery", version: "v2" })
    assert.deepEqual(chooseOutput(DISCOVERY, { table: true }), { kind: "json" })
    assert.deepEqual(chooseOutput(undefined), { kind: "json" })
    assert.deepEqual(chooseOutput(""), { kind: "json" })
    assert.deepEqual(chooseOutput("application/yaml, application/json"), { kind: "yaml" })
    assert.deepEqual(chooseOutput("application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1"), {
      kind: "partial",
      version: "v1",
    })
    assert.equal(chooseOutput("text/html"), undefined)
    assert.equal(chooseOutput("application/json;as=Table;g=meta.k8s.io"), undefined)
  }
})

test("chooseOutput()'s answers are shared and cannot be changed", () => {
  const out = chooseOutput(TABLE, { table: true }) as { version: string }
  assert.throws(() => {
    out.version = "v2"
  }, TypeError)
  assert.equal(chooseOutput(TABLE, { table: true }), out)
})

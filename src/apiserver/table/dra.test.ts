import assert from "node:assert/strict"
import { test } from "node:test"
import {
  deviceClassPrinter,
  resourceClaimPrinter,
  resourceClaimTemplatePrinter,
  resourceSlicePrinter,
} from "./dra.ts"
import { headers, meta, printerCases } from "./testdata.ts"

const allocation = { devices: { results: [{ request: "gpu", driver: "d", pool: "p", device: "g" }] } }

printerCases("resourceClaimPrinter", resourceClaimPrinter, [
  { name: "not allocated", input: { metadata: meta("c"), status: {} }, want: ["c", "pending", "5m"] },
  {
    name: "allocated",
    input: { metadata: meta("c"), status: { allocation } },
    want: ["c", "allocated", "5m"],
  },
  {
    name: "allocated and reserved",
    input: {
      metadata: meta("c"),
      status: { allocation, reservedFor: [{ resource: "pods", name: "p", uid: "u" }] },
    },
    want: ["c", "allocated,reserved", "5m"],
  },
  {
    name: "deleted before allocation",
    input: { metadata: meta("c", { deletionTimestamp: "2026-01-01T00:00:00Z" }) },
    want: ["c", "deleted", "5m"],
  },
  {
    name: "deleted while allocated",
    input: { metadata: meta("c", { deletionTimestamp: "2026-01-01T00:00:00Z" }), status: { allocation } },
    want: ["c", "deleted,allocated", "5m"],
  },
])

printerCases("resourceSlicePrinter", resourceSlicePrinter, [
  {
    name: "a node's slice",
    input: { metadata: meta("s"), spec: { nodeName: "n1", driver: "gpu.example.com", pool: { name: "n1" } } },
    want: ["s", "n1", "gpu.example.com", "n1", "5m"],
  },
  {
    name: "a slice for all nodes has no node",
    input: {
      metadata: meta("s"),
      spec: { allNodes: true, driver: "net.example.com", pool: { name: "shared" } },
    },
    want: ["s", "", "net.example.com", "shared", "5m"],
  },
])

printerCases("deviceClassPrinter", deviceClassPrinter, [
  { name: "name and age", input: { metadata: meta("gpu.example.com") }, want: ["gpu.example.com", "5m"] },
])

printerCases("resourceClaimTemplatePrinter", resourceClaimTemplatePrinter, [
  { name: "name and age", input: { metadata: meta("t") }, want: ["t", "5m"] },
])

test("the DRA printers have upstream's columns", () => {
  assert.equal(headers(deviceClassPrinter), "Name | Age")
  assert.equal(headers(resourceClaimPrinter), "Name | State | Age")
  assert.equal(headers(resourceClaimTemplatePrinter), "Name | Age")
  assert.equal(headers(resourceSlicePrinter), "Name | Node | Driver | Pool | Age")
})

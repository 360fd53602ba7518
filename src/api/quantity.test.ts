import assert from "node:assert/strict"
import { test } from "node:test"
import {
  compareQuantity,
  milliValue,
  parseQuantity,
  quantityOf,
  quantityOfMilli,
  quantityString,
  unitValue,
} from "./quantity.ts"

const canonical: { name: string; input: string | number; want: string | undefined }[] = [
  { name: "quantityString() keeps 500m", input: "500m", want: "500m" },
  { name: "quantityString() writes 0.5 as 500m", input: "0.5", want: "500m" },
  { name: "quantityString() writes 1000m as 1", input: "1000m", want: "1" },
  { name: "quantityString() writes 2000 as 2k", input: "2000", want: "2k" },
  { name: "quantityString() keeps 1500", input: 1500, want: "1500" },
  { name: "quantityString() writes 1024Mi as 1Gi", input: "1024Mi", want: "1Gi" },
  { name: "quantityString() writes 1.5Gi as 1536Mi", input: "1.5Gi", want: "1536Mi" },
  { name: "quantityString() writes 0.5Ki as 512", input: "0.5Ki", want: "512" },
  { name: "quantityString() keeps exponents", input: "1e3", want: "1e3" },
  { name: "parseQuantity() refuses words", input: "lots", want: undefined },
  { name: "parseQuantity() refuses unknown suffixes", input: "1Kb", want: undefined },
]

for (const c of canonical) {
  test(c.name, () => {
    const q = parseQuantity(c.input)
    assert.equal(q && quantityString(q), c.want)
  })
}

test("compareQuantity() orders 1Gi above 1G", () => {
  assert.equal(compareQuantity(parseQuantity("1Gi")!, parseQuantity("1G")!), 1)
})

test("milli and unit values round up, and print back", () => {
  assert.equal(milliValue("250m"), 250)
  assert.equal(milliValue("1"), 1000)
  assert.equal(milliValue("0.1"), 100)
  assert.equal(milliValue("1n"), 1)
  assert.equal(unitValue("1Ki"), 1024)
  assert.equal(unitValue("500m"), 1)
  assert.equal(unitValue("bogus"), 0)
  assert.equal(quantityOfMilli(250), "250m")
  assert.equal(quantityOfMilli(2000), "2")
  assert.equal(quantityOf(1024 ** 3, "BinarySI"), "1Gi")
})

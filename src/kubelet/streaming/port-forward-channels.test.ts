import assert from "node:assert/strict"
import { test } from "node:test"
import { portFrame, requestedPorts } from "./port-forward-channels.ts"

const cases: { name: string; query: string; want: number[] | undefined }[] = [
  { name: "one port", query: "ports=80", want: [80] },
  { name: "a comma-separated list", query: "ports=80,443", want: [80, 443] },
  { name: "repeated parameters", query: "ports=80&ports=8080", want: [80, 8080] },
  { name: "the kubelet's own name", query: "port=5000", want: [5000] },
  { name: "no port", query: "", want: undefined },
  { name: "a port out of range", query: "ports=70000", want: undefined },
  { name: "not a number", query: "ports=http", want: undefined },
]

for (const c of cases) {
  test(`requestedPorts() reads ${c.name}`, () => {
    assert.deepEqual(requestedPorts(new URLSearchParams(c.query)), c.want)
  })
}

test("portFrame() holds the channel and the port, little endian", () => {
  assert.deepEqual([...portFrame(1, 8080)], [1, 0x90, 0x1f])
})

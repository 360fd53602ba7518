import assert from "node:assert/strict"
import { test } from "node:test"
import { channelMessage, decodeClientMessage } from "./channels.ts"

test("channelMessage() prefixes the channel byte", () => {
  assert.deepEqual([...channelMessage(1, "hi")], [1, 0x68, 0x69])
  assert.deepEqual([...channelMessage(3, Buffer.alloc(0))], [3])
})

const cases: {
  name: string
  input: number[] | string
  v5: boolean
  want: ReturnType<typeof decodeClientMessage>
}[] = [
  { name: "stdin data", input: [0, 0x61, 0x62], v5: true, want: { kind: "stdin", data: Buffer.from("ab") } },
  {
    name: "a resize",
    input: "\x04" + '{"Width":120,"Height":40}',
    v5: true,
    want: { kind: "resize", size: { width: 120, height: 40 } },
  },
  {
    name: "kubectl's resize without a terminal size",
    input: "\x04" + '{"Width":0,"Height":0}\n',
    v5: true,
    want: { kind: "resize", size: { width: 0, height: 0 } },
  },
  { name: "a resize that is not JSON", input: "\x04{", v5: true, want: { kind: "ignored" } },
  { name: "v5 closes stdin", input: [255, 0], v5: true, want: { kind: "close", channel: 0 } },
  { name: "v4 has no close signal", input: [255, 0], v5: false, want: { kind: "ignored" } },
  { name: "an empty message", input: [], v5: true, want: { kind: "ignored" } },
  { name: "a server channel from the client", input: [1, 0x61], v5: true, want: { kind: "ignored" } },
]

for (const c of cases) {
  test(`decodeClientMessage() reads ${c.name}`, () => {
    const msg = typeof c.input === "string" ? Buffer.from(c.input, "latin1") : Buffer.from(c.input)
    assert.deepEqual(decodeClientMessage(msg, c.v5), c.want)
  })
}

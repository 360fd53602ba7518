import assert from "node:assert/strict"
import { test } from "node:test"
import type { Service } from "kubernetes-types/core/v1.js"
import type { EndpointSlice } from "kubernetes-types/discovery/v1.js"
import * as packet from "dns-packet"
import { answer, type Transport } from "./message.ts"
import { buildView } from "./view.ts"

const service: Service = { metadata: { name: "many", namespace: "default" }, spec: { clusterIP: "None" } }
const slice: EndpointSlice = {
  metadata: { name: "many-1", namespace: "default", labels: { "kubernetes.io/service-name": "many" } },
  addressType: "IPv4",
  endpoints: Array.from({ length: 80 }, (_, i) => ({ addresses: [`10.244.1.${i + 1}`] })),
}
const view = buildView(
  { services: [service], slices: [slice], namespaces: [{ metadata: { name: "default" } }] },
  { domain: "cluster.local", serial: 1 },
)

const opt = (udpPayloadSize: number, ednsVersion = 0) =>
  ({ type: "OPT", name: ".", udpPayloadSize, ednsVersion, flags: 0, options: [] }) as unknown as packet.Answer

function query(extra: Partial<packet.Packet> = {}): Buffer {
  return packet.encode({
    type: "query",
    id: 99,
    flags: packet.RECURSION_DESIRED,
    questions: [{ type: "A", name: "many.default.svc.cluster.local" }],
    ...extra,
  })
}

const cases: {
  name: string
  input: { buf: Buffer; transport?: Transport }
  want: {
    rcode?: string
    tc?: boolean
    answers?: number
    maxBytes?: number
    optSize?: number
    extended?: number
  }
}[] = [
  {
    name: "a UDP reply without EDNS is cut to 512 bytes with TC set",
    input: { buf: query() },
    want: { rcode: "NOERROR", tc: true, maxBytes: 512 },
  },
  {
    name: "EDNS0 raises the limit to the client's buffer size, and the OPT is echoed",
    input: { buf: query({ additionals: [opt(1232)] }) },
    want: { tc: true, maxBytes: 1232, optSize: 1232 },
  },
  {
    name: "a buffer size large enough carries every answer",
    input: { buf: query({ additionals: [opt(4096)] }) },
    want: { tc: false, answers: 80, optSize: 4096 },
  },
  {
    name: "TCP is never truncated",
    input: { buf: query(), transport: "tcp" },
    want: { tc: false, answers: 80 },
  },
  {
    name: "an EDNS version above 0 is BADVERS",
    input: { buf: query({ additionals: [opt(4096, 1)] }) },
    want: { rcode: "NOERROR", answers: 0, extended: 1 },
  },
  {
    name: "two questions are FORMERR",
    input: {
      buf: query({
        questions: [
          { type: "A", name: "a.default.svc.cluster.local" },
          { type: "A", name: "b.default.svc.cluster.local" },
        ],
      }),
    },
    want: { rcode: "FORMERR" },
  },
  {
    name: "an opcode other than QUERY is NOTIMP",
    input: { buf: query({ flags: 2 << 11 }) },
    want: { rcode: "NOTIMP" },
  },
  {
    name: "a query that does not decode is FORMERR",
    input: { buf: Buffer.concat([query().subarray(0, 12), Buffer.from([200, 1, 2])]) },
    want: { rcode: "FORMERR" },
  },
]

for (const c of cases) {
  test(`answer(): ${c.name}`, () => {
    const out = answer(c.input.buf, { view, transport: c.input.transport ?? "udp", canForward: false })
    assert.ok(Buffer.isBuffer(out))
    const r = packet.decode(out) as packet.DecodedPacket & { rcode: string }
    assert.equal(r.id, 99)
    const o = r.additionals?.find((a) => a.type === "OPT") as packet.OptAnswer | undefined
    const got = {
      ...(c.want.rcode !== undefined ? { rcode: r.rcode } : {}),
      ...(c.want.tc !== undefined ? { tc: r.flag_tc } : {}),
      ...(c.want.answers !== undefined ? { answers: r.answers?.length } : {}),
      ...(c.want.maxBytes !== undefined
        ? { maxBytes: out.length <= c.want.maxBytes ? c.want.maxBytes : out.length }
        : {}),
      ...(c.want.optSize !== undefined ? { optSize: o?.udpPayloadSize } : {}),
      ...(c.want.extended !== undefined ? { extended: o?.extendedRcode } : {}),
    }
    assert.deepEqual(got, c.want)
  })
}

test("answer() drops responses and asks to forward names outside the domain when it can", () => {
  const response = packet.encode({ type: "response", id: 1, questions: [{ type: "A", name: "x" }] })
  assert.equal(answer(response, { view, transport: "udp", canForward: false }), undefined)
  const outside = query({ questions: [{ type: "A", name: "example.com" }] })
  assert.equal(answer(outside, { view, transport: "udp", canForward: true }), "forward")
})

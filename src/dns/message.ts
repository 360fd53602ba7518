/**
 * From a query's bytes to the reply's bytes: header checks, EDNS0 (an OPT echoed with the
 * client's buffer size, as CoreDNS does; BADVERS for versions above 0) and truncation with the TC
 * bit when a UDP reply exceeds what the client can take (512 bytes without EDNS).
 */
import {
  AUTHORITATIVE_ANSWER,
  decode,
  type DecodedPacket,
  encode,
  encodingLength,
  type OptAnswer,
  type Packet,
  RECURSION_DESIRED,
  TRUNCATED_RESPONSE,
} from "dns-packet"
import { type DnsReply, resolve } from "./resolve.ts"
import type { DnsView } from "./view.ts"

/** How the query came: UDP replies are cut to the client's buffer size. */
export type Transport = "udp" | "tcp"

/** The reply to send, or "forward" when an upstream should answer, or undefined to drop. */
export type Outcome = Buffer | "forward" | undefined

const RCODES = { NOERROR: 0, FORMERR: 1, SERVFAIL: 2, NXDOMAIN: 3, NOTIMP: 4, REFUSED: 5 } as const
/** Extended RCODE 16 (BADVERS) is 1 in the OPT record's upper bits with 0 in the header. */
const BADVERS_EXTENDED = 1
const MIN_UDP_SIZE = 512
const DO_BIT = 1 << 15
const OPCODE_MASK = 0xf << 11

/** The response flags: opcode and RD copied, AA when authoritative, the rcode in the low bits. */
function flagsOf(query: DecodedPacket, rcode: number, authoritative: boolean): number {
  return (
    ((query.flags ?? 0) & (OPCODE_MASK | RECURSION_DESIRED)) |
    (authoritative ? AUTHORITATIVE_ANSWER : 0) |
    (rcode & 0xf)
  )
}

function optOf(query: DecodedPacket): OptAnswer | undefined {
  return query.additionals?.find((a): a is OptAnswer => a.type === "OPT")
}

/** The OPT record of the reply: version 0, the client's buffer size, DO kept, other flags cleared. */
function echoOpt(opt: OptAnswer, extendedRcode = 0): OptAnswer {
  return {
    type: "OPT",
    name: ".",
    udpPayloadSize: opt.udpPayloadSize,
    extendedRcode,
    ednsVersion: 0,
    flags: opt.flags & DO_BIT,
    flag_do: opt.flag_do,
    options: [],
  }
}

function errorReply(query: DecodedPacket, rcode: number, opt?: OptAnswer, extendedRcode = 0): Buffer {
  return encode({
    type: "response",
    id: query.id ?? 0,
    flags: flagsOf(query, rcode, false),
    questions: query.questions ?? [],
    ...(opt ? { additionals: [echoOpt(opt, extendedRcode)] } : {}),
  })
}

/** Cuts `packet` to `max` bytes: extra sections first, then answers from the end; sets TC. */
function truncate(packet: Packet, max: number, opt?: OptAnswer): Packet {
  const cut: Packet = {
    ...packet,
    flags: (packet.flags ?? 0) | TRUNCATED_RESPONSE,
    authorities: [],
    additionals: opt ? [opt] : [],
    answers: [...(packet.answers ?? [])],
  }
  while (cut.answers!.length > 0 && encodingLength(cut) > max) cut.answers!.pop()
  return cut
}

/** Encodes a resolver reply to `query`. */
function encodeReply(query: DecodedPacket, reply: DnsReply, transport: Transport): Buffer {
  const opt = optOf(query)
  const echoed = opt ? echoOpt(opt) : undefined
  const packet: Packet = {
    type: "response",
    id: query.id ?? 0,
    flags: flagsOf(query, RCODES[reply.rcode], reply.authoritative),
    questions: query.questions ?? [],
    answers: reply.answers,
    authorities: reply.authorities,
    additionals: [...reply.additionals, ...(echoed ? [echoed] : [])],
  }
  const max = transport === "udp" ? Math.max(MIN_UDP_SIZE, opt?.udpPayloadSize ?? 0) : 65535
  return encode(encodingLength(packet) > max ? truncate(packet, max, echoed) : packet)
}

/** Decodes a query, or undefined when it is not one (too short, a response, or malformed). */
export function decodeQuery(buf: Buffer): DecodedPacket | "formerr" | undefined {
  if (buf.length < 12 || buf[2]! & 0x80) return undefined
  try {
    return decode(buf)
  } catch {
    return "formerr"
  }
}

/** A FORMERR reply naming only the header's id (for queries that do not decode). */
function formerr(buf: Buffer): Buffer {
  const out = Buffer.alloc(12)
  buf.copy(out, 0, 0, 2)
  out.writeUInt16BE(0x8000 | (buf.readUInt16BE(2) & (OPCODE_MASK | RECURSION_DESIRED)) | RCODES.FORMERR, 2)
  return out
}

/** What `answer` works with. */
export interface AnswerOptions {
  readonly view: DnsView
  readonly transport: Transport
  /** An upstream is configured: names it should answer come back as "forward". */
  readonly canForward: boolean
}

/**
 * Answers the query in `buf` from `opts.view`. Returns "forward" for names an upstream should answer
 * when `canForward`; without one those are REFUSED (outside the domain) or NXDOMAIN.
 */
export function answer(buf: Buffer, opts: AnswerOptions): Outcome {
  const query = decodeQuery(buf)
  if (query === undefined) return undefined
  if (query === "formerr") return formerr(buf)
  const opt = optOf(query)
  if (((query.flags ?? 0) & OPCODE_MASK) !== 0) return errorReply(query, RCODES.NOTIMP, opt)
  const question = query.questions?.[0]
  if (!question || query.questions!.length !== 1) return errorReply(query, RCODES.FORMERR, opt)
  if (opt && opt.ednsVersion > 0) return errorReply(query, 0, opt, BADVERS_EXTENDED)
  const reply = resolve(question, opts.view)
  if (reply.forwardable && opts.canForward) return "forward"
  return encodeReply(query, reply, opts.transport)
}

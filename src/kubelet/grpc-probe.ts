/**
 * The gRPC probe: one call to the standard health service (grpc.health.v1.Health/Check) on the
 * pod's address, over @grpc/grpc-js without TLS, as upstream's prober makes it: SERVING
 * passes; anything else fails with upstream's messages. The two messages are encoded by hand
 * (one string field in, one enum field out).
 */
import type { Client as GrpcClient, ServiceError } from "@grpc/grpc-js"
import { goDuration, joinHostPort } from "../util/index.ts"

/** One gRPC probe's outcome. */
export interface GrpcProbeResult {
  readonly ok: boolean
  readonly message: string
}

const CHECK = "/grpc.health.v1.Health/Check"

/** HealthCheckResponse.ServingStatus names. */
const SERVING_STATUS = ["UNKNOWN", "SERVING", "NOT_SERVING", "SERVICE_UNKNOWN"]

/** gRPC status codes as Go's codes.Code prints them. */
const CODE_NAMES = [
  "OK",
  "Canceled",
  "Unknown",
  "InvalidArgument",
  "DeadlineExceeded",
  "NotFound",
  "AlreadyExists",
  "PermissionDenied",
  "ResourceExhausted",
  "FailedPrecondition",
  "Aborted",
  "OutOfRange",
  "Unimplemented",
  "Internal",
  "Unavailable",
  "DataLoss",
  "Unauthenticated",
]

function varint(n: number): number[] {
  const out: number[] = []
  while (n > 0x7f) {
    out.push((n & 0x7f) | 0x80)
    n >>>= 7
  }
  out.push(n)
  return out
}

/** HealthCheckRequest { string service = 1 }. */
export function encodeHealthCheckRequest(service: string): Buffer {
  if (!service) return Buffer.alloc(0)
  const bytes = Buffer.from(service, "utf8")
  return Buffer.concat([Buffer.from([0x0a, ...varint(bytes.length)]), bytes])
}

function readVarint(buf: Buffer, at: number): [number, number] {
  let n = 0
  let shift = 0
  let i = at
  for (; i < buf.length; i++) {
    const b = buf[i] ?? 0
    n += (b & 0x7f) * 2 ** shift
    shift += 7
    if (!(b & 0x80)) return [n, i + 1]
  }
  throw new Error("truncated varint")
}

/** Field 1 (ServingStatus) of a HealthCheckResponse; fields it does not know are skipped. */
export function decodeHealthCheckResponse(buf: Buffer): number {
  let status = 0
  let i = 0
  while (i < buf.length) {
    const [tag, next] = readVarint(buf, i)
    const wire = tag & 7
    if (wire === 0) {
      const [v, after] = readVarint(buf, next)
      if (tag >>> 3 === 1) status = v
      i = after
    } else if (wire === 2) {
      const [len, after] = readVarint(buf, next)
      i = after + len
    } else if (wire === 1) i = next + 8
    else if (wire === 5) i = next + 4
    else throw new Error(`unexpected wire type ${wire}`)
  }
  return status
}

function failure(message: string): GrpcProbeResult {
  return { ok: false, message }
}

function rpcFailure(err: ServiceError, timeout: string): GrpcProbeResult {
  const code = CODE_NAMES[err.code] ?? `Code(${err.code})`
  if (code === "Unimplemented")
    return failure(
      `error: this server does not implement the grpc health protocol (grpc.health.v1.Health): ${err.details}`,
    )
  if (code === "DeadlineExceeded") return failure(`timeout: health rpc did not complete within ${timeout}`)
  return failure(`error: health rpc probe failed: rpc error: code = ${code} desc = ${err.details}`)
}

function call(
  client: GrpcClient,
  service: string,
  deadline: number,
): Promise<{ err?: ServiceError; status?: number }> {
  return new Promise((resolve) => {
    client.makeUnaryRequest(
      CHECK,
      encodeHealthCheckRequest,
      decodeHealthCheckResponse,
      service,
      { deadline },
      (err, status) => resolve(err ? { err } : { status: status ?? 0 }),
    )
  })
}

/** Checks `service` ("" for the server as a whole) at host:port within `timeoutSeconds`. */
export async function grpcProbe(
  host: string,
  port: number,
  service: string,
  timeoutSeconds: number,
): Promise<GrpcProbeResult> {
  const grpc = await import("@grpc/grpc-js")
  const addr = joinHostPort(host, port)
  const timeout = goDuration(timeoutSeconds * 1000)
  const deadline = Date.now() + timeoutSeconds * 1000
  const client = new grpc.Client(addr, grpc.credentials.createInsecure(), {
    "grpc.primary_user_agent": "kube-probe/1.35",
  })
  try {
    const ready = await new Promise<Error | undefined>((resolve) =>
      client.waitForReady(deadline, (err) => resolve(err ?? undefined)),
    )
    if (ready)
      return failure(
        `timeout: failed to connect service "${addr}" within ${timeout}: context deadline exceeded`,
      )
    const { err, status } = await call(client, service, deadline)
    if (err) return rpcFailure(err, timeout)
    if (status !== 1)
      return failure(`service unhealthy (responded with "${SERVING_STATUS[status ?? 0] ?? String(status)}")`)
    return { ok: true, message: "" }
  } finally {
    client.close()
  }
}

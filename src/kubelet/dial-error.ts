/**
 * Network errors as Go's net package words them, which upstream's probe and hook messages
 * carry (`dial tcp 10.0.0.5:8080: connect: connection refused`), from Node's error codes.
 */
import { joinHostPort } from "../util/index.ts"

/** Go's wording of a failed connect, by Node's error code. */
const CONNECT_ERRORS: Record<string, string> = {
  ECONNREFUSED: "connect: connection refused",
  EHOSTUNREACH: "connect: no route to host",
  ENETUNREACH: "connect: network is unreachable",
  ETIMEDOUT: "i/o timeout",
  ECONNRESET: "connection reset by peer",
}

/** `dial tcp host:port: <why>` for an error connecting to `host`:`port`. */
export function dialError(err: unknown, host: string, port: number | string): string {
  const code = (err as { code?: string }).code ?? ""
  const why = CONNECT_ERRORS[code] ?? (err as Error).message
  return `dial tcp ${joinHostPort(host, port)}: ${why}`
}

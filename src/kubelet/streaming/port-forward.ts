/**
 * Port forwarding over SPDY (`portforward.k8s.io`), directly or tunnelled in a WebSocket: for
 * every local connection the client opens a pair of streams, `error` and `data`, with the same
 * `requestid` and the `port` header; the data stream is piped to the pod's address and port,
 * and a failure is written as text to the error stream.
 */
import { connect } from "node:net"
import { Duplex } from "node:stream"
import type { SpdyConnection, SpdyStream } from "./spdy.ts"
import type { ServerWebSocket } from "./websocket.ts"

/** The SPDY subprotocol of port forwarding. */
export const PORT_FORWARD_PROTOCOL = "portforward.k8s.io"
/** The WebSocket subprotocol that tunnels it. */
export const PORT_FORWARD_TUNNEL_PROTOCOL = "SPDY/3.1+portforward.k8s.io"

/** Where a pod's ports are reached. */
export interface PortForwardTarget {
  /** The pod's address (the process runtime: its loopback address). */
  readonly ip: string
  /** Names the pod in error messages. */
  readonly podName: string
  readonly podUid: string
}

/** Serves the stream pairs of one port-forward connection. */
export function servePortForward(conn: SpdyConnection, target: PortForwardTarget): void {
  const pairs = new Map<string, { error?: SpdyStream; data?: SpdyStream }>()
  conn.on("stream", (s) => {
    s.reply()
    const id = s.headers.requestid ?? ""
    const pair = pairs.get(id) ?? {}
    if (s.headers.streamtype === "error") pair.error = s
    else if (s.headers.streamtype === "data") pair.data = s
    else return s.reset()
    pairs.set(id, pair)
    if (pair.error && pair.data) {
      pairs.delete(id)
      forward(pair.error, pair.data, target)
    }
  })
}

/** A socket error as Go's net package words it. */
export function goError(err: NodeJS.ErrnoException): string {
  const words: Record<string, string> = {
    ECONNREFUSED: "connect: connection refused",
    EHOSTUNREACH: "connect: no route to host",
    ENETUNREACH: "connect: network is unreachable",
    ETIMEDOUT: "i/o timeout",
  }
  return (err.code && words[err.code]) ?? err.message
}

function forward(error: SpdyStream, data: SpdyStream, target: PortForwardTarget): void {
  const port = Number(error.headers.port ?? data.headers.port)
  error.resume()
  if (!Number.isInteger(port) || port <= 0 || port > 65535) {
    error.end(`invalid port "${error.headers.port ?? ""}"`)
    data.end()
    return
  }
  const tcp = connect({ host: target.ip, port })
  tcp.setNoDelay(true)
  tcp.on("error", (err) => {
    if (!error.writableEnded)
      error.end(
        `error forwarding port ${port} to pod ${target.podName}, uid ${target.podUid}: dial tcp4 ${target.ip}:${port}: ${goError(err)}`,
      )
    if (!data.writableEnded) data.end()
    data.destroy()
  })
  tcp.on("connect", () => {
    data.pipe(tcp)
    tcp.pipe(data)
  })
  data.on("close", () => tcp.destroy())
  data.on("error", () => tcp.destroy())
}

/** A Duplex over a WebSocket: each write is one binary message, each message is pushed. */
export function webSocketDuplex(ws: ServerWebSocket): Duplex {
  const d = new Duplex({
    read() {},
    write(chunk: Buffer, _enc, cb) {
      ws.send(chunk)
      cb()
    },
    final(cb) {
      ws.close(1000)
      cb()
    },
  })
  ws.on("message", (m) => d.push(m))
  ws.once("close", () => {
    d.push(null)
    d.destroy()
  })
  return d
}

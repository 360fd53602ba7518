/**
 * The Kubernetes channel protocols over a WebSocket (`v4.channel.k8s.io`, `v5.channel.k8s.io`):
 * every message starts with a channel byte: 0 stdin, 1 stdout, 2 stderr, 3 the error channel
 * (one JSON metav1.Status), 4 terminal resizes (`{"Width":..,"Height":..}`); v5 adds 255, a
 * close signal whose payload names the stream the client half-closed (`[255, 0]`: stdin EOF).
 */
import { PassThrough, Writable } from "node:stream"
import type { Status } from "kubernetes-types/meta/v1.js"
import type { TerminalSize } from "../runtime/runtime.ts"
import type { RemoteCommandOptions, RemoteCommandStreams } from "./remote-command.ts"
import type { ServerWebSocket } from "./websocket.ts"

/** The channel protocols served, most preferred first. */
export const CHANNEL_PROTOCOLS = ["v5.channel.k8s.io", "v4.channel.k8s.io"] as const

/** Channel numbers. */
export const STDIN = 0
export const STDOUT = 1
export const STDERR = 2
export const ERROR = 3
export const RESIZE = 4
export const CLOSE = 255

/** A message on `channel`. */
export function channelMessage(channel: number, data: Buffer | string): Buffer {
  const body = typeof data === "string" ? Buffer.from(data) : data
  return Buffer.concat([Buffer.from([channel]), body])
}

/** A decoded client message. */
export type ClientMessage =
  | { readonly kind: "stdin"; readonly data: Buffer }
  | { readonly kind: "resize"; readonly size: TerminalSize }
  | { readonly kind: "close"; readonly channel: number }
  | { readonly kind: "ignored" }

/** Decodes a message the client sent; `v5` enables the close signal. */
export function decodeClientMessage(msg: Buffer, v5: boolean): ClientMessage {
  if (msg.length === 0) return { kind: "ignored" }
  const body = msg.subarray(1)
  switch (msg[0]) {
    case STDIN:
      return { kind: "stdin", data: body }
    case RESIZE:
      try {
        const s = JSON.parse(body.toString()) as { Width?: number; Height?: number }
        return { kind: "resize", size: { width: s.Width ?? 0, height: s.Height ?? 0 } }
      } catch {
        return { kind: "ignored" }
      }
    case CLOSE:
      return v5 && body.length ? { kind: "close", channel: body[0] as number } : { kind: "ignored" }
    default:
      return { kind: "ignored" }
  }
}

function channelWriter(ws: ServerWebSocket, channel: number): Writable {
  return new Writable({
    write(chunk: Buffer, _enc, cb) {
      ws.send(channelMessage(channel, chunk))
      cb()
    },
  })
}

/** An exec or attach session over WebSocket channels. */
export function channelStreams(
  ws: ServerWebSocket,
  opts: RemoteCommandOptions & { readonly protocol: string },
): RemoteCommandStreams {
  const v5 = opts.protocol.startsWith("v5.")
  const stdin = opts.stdin ? new PassThrough() : undefined
  const resizers: ((s: TerminalSize) => void)[] = []
  ws.on("message", (msg) => {
    const m = decodeClientMessage(msg, v5)
    if (m.kind === "stdin") stdin?.write(m.data)
    else if (m.kind === "resize") for (const fn of resizers) fn(m.size)
    else if (m.kind === "close" && m.channel === STDIN) stdin?.end()
  })
  const closed = new Promise<void>((resolve) =>
    ws.once("close", () => {
      if (stdin && !stdin.writableEnded) stdin.end()
      resolve()
    }),
  )
  return {
    ...(stdin ? { stdin } : {}),
    ...(opts.stdout ? { stdout: channelWriter(ws, STDOUT) } : {}),
    ...(opts.stderr ? { stderr: channelWriter(ws, STDERR) } : {}),
    onResize: (fn) => void resizers.push(fn),
    closed,
    finish: async (status: Status) => {
      ws.send(channelMessage(ERROR, JSON.stringify(status)))
      ws.close(1000)
    },
  }
}

/**
 * An exec or attach session over SPDY (kubectl's fallback): the client opens one stream per
 * channel, named by its `streamtype` header (error, stdin, stdout, stderr, resize); the server
 * answers each, waits until every stream the query implies exists, and ends by writing the
 * Status to the error stream.
 */
import type { Status } from "kubernetes-types/meta/v1.js"
import type { TerminalSize } from "../runtime/runtime.ts"
import type { RemoteCommandOptions, RemoteCommandStreams } from "./remote-command.ts"
import type { SpdyConnection, SpdyStream } from "./spdy.ts"

/** The exec protocols served over SPDY, most preferred first. */
export const SPDY_EXEC_PROTOCOLS = ["v5.channel.k8s.io", "v4.channel.k8s.io"] as const

/** How long the client has to open its streams (upstream's default). */
const STREAM_CREATION_MS = 30_000

function expected(opts: RemoteCommandOptions): string[] {
  return [
    "error",
    ...(opts.stdin ? ["stdin"] : []),
    ...(opts.stdout ? ["stdout"] : []),
    ...(opts.stderr ? ["stderr"] : []),
    ...(opts.tty ? ["resize"] : []),
  ]
}

function ended(s: SpdyStream): Promise<void> {
  return new Promise((resolve) => {
    if (s.writableFinished || s.destroyed) return resolve()
    s.once("finish", resolve)
    s.once("close", resolve)
    s.end()
  })
}

/** Waits for the session's streams; rejects when the client does not open them in time. */
export function spdyStreams(conn: SpdyConnection, opts: RemoteCommandOptions): Promise<RemoteCommandStreams> {
  const want = expected(opts)
  const got = new Map<string, SpdyStream>()
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      conn.close()
      reject(new Error("timed out waiting for client to create streams"))
    }, STREAM_CREATION_MS)
    const closed = new Promise<void>((r) => conn.once("close", r))
    conn.on("stream", (s) => {
      s.reply()
      const type = s.headers.streamtype ?? ""
      got.set(type, s)
      if (!want.every((t) => got.has(t))) return
      clearTimeout(timer)
      resolve(sessionOf(conn, got, closed))
    })
  })
}

function sessionOf(
  conn: SpdyConnection,
  got: Map<string, SpdyStream>,
  closed: Promise<void>,
): RemoteCommandStreams {
  const stdin = got.get("stdin")
  const stdout = got.get("stdout")
  const stderr = got.get("stderr")
  const resize = got.get("resize")
  const error = got.get("error") as SpdyStream
  return {
    ...(stdin ? { stdin } : {}),
    ...(stdout ? { stdout } : {}),
    ...(stderr ? { stderr } : {}),
    onResize: (fn: (size: TerminalSize) => void) => {
      let pending = ""
      resize?.on("data", (d: Buffer) => {
        pending += d.toString()
        const lines = pending.split("\n")
        pending = lines.pop() ?? ""
        for (const line of lines.filter((l) => l.trim())) {
          try {
            const s = JSON.parse(line) as { Width?: number; Height?: number }
            fn({ width: s.Width ?? 0, height: s.Height ?? 0 })
          } catch {
            // not a size: ignore it, as upstream does
          }
        }
      })
    },
    closed,
    finish: async (status: Status) => {
      await Promise.all([stdout, stderr].filter((s) => s !== undefined).map(ended))
      error.write(JSON.stringify(status))
      await ended(error)
      conn.close()
    },
  }
}

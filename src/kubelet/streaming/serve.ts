/**
 * The kubelet's streaming endpoints, reached by an HTTP upgrade the API server proxies:
 * `/exec/{namespace}/{pod}/{container}?command=..`, `/attach/{namespace}/{pod}/{container}` and
 * `/portForward/{namespace}/{pod}`. exec and attach speak the channel protocols over WebSocket
 * (v5, v4) or SPDY/3.1 streams; port-forward speaks SPDY, directly or tunnelled in a WebSocket,
 * or the WebSocket channel protocol of the Python client.
 */
import type { IncomingMessage } from "node:http"
import type { Duplex } from "node:stream"
import { anyContainerRecord, type PodRecord } from "../pod-state.ts"
import type { ContainerRuntime, ProcessStreams } from "../runtime/runtime.ts"
import { CHANNEL_PROTOCOLS, channelStreams } from "./channels.ts"
import {
  internalStatus,
  type RemoteCommandOptions,
  remoteCommandOptions,
  type RemoteCommandStreams,
  runRemoteCommand,
} from "./remote-command.ts"
import {
  PORT_FORWARD_PROTOCOL,
  PORT_FORWARD_TUNNEL_PROTOCOL,
  type PortForwardTarget,
  servePortForward,
  webSocketDuplex,
} from "./port-forward.ts"
import { requestedPorts, serveChannelPortForward } from "./port-forward-channels.ts"
import { SpdyConnection } from "./spdy.ts"
import { SPDY_EXEC_PROTOCOLS, spdyStreams } from "./spdy-streams.ts"
import { acceptWebSocket, isWebSocketRequest, offeredProtocols } from "./websocket.ts"

/** What the streaming endpoints need from the kubelet. */
export interface StreamingDeps {
  readonly records: (namespace: string, name: string) => PodRecord | undefined
  readonly runtime: ContainerRuntime
}

/** The WebSocket channel protocol the Python client forwards ports with. */
const CHANNEL_PORT_FORWARD_PROTOCOL = "v4.channel.k8s.io"

const REASONS: Record<number, string> = {
  400: "Bad Request",
  403: "Forbidden",
  404: "Not Found",
  500: "Internal Server Error",
}

/** Answers an upgrade request with a plain-text error and closes the socket. */
export function rejectUpgrade(socket: Duplex, code: number, message: string): void {
  const body = Buffer.from(message)
  socket.end(
    `HTTP/1.1 ${code} ${REASONS[code] ?? "Error"}\r\nContent-Type: text/plain; charset=utf-8\r\n` +
      `Content-Length: ${body.length}\r\nConnection: close\r\n\r\n${message}`,
  )
}

function spdyOffered(req: IncomingMessage): string[] {
  const h = req.headers["x-stream-protocol-version"]
  return (Array.isArray(h) ? h.join(",") : (h ?? ""))
    .split(",")
    .map((p) => p.trim())
    .filter(Boolean)
}

/** Answers a SPDY upgrade with 101 and returns the connection. */
function acceptSpdy(socket: Duplex, head: Buffer, protocol: string): SpdyConnection {
  socket.write(
    "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\n" +
      `X-Stream-Protocol-Version: ${protocol}\r\n\r\n`,
  )
  return new SpdyConnection(socket, head)
}

/** The client's session over whichever transport it asked for; undefined after rejecting it. */
async function clientStreams(
  req: IncomingMessage,
  socket: Duplex,
  head: Buffer,
  opts: RemoteCommandOptions,
): Promise<RemoteCommandStreams | undefined> {
  if (isWebSocketRequest(req)) {
    const offered = offeredProtocols(req)
    const protocol = offered.find((p) => (CHANNEL_PROTOCOLS as readonly string[]).includes(p))
    if (!protocol) {
      rejectUpgrade(
        socket,
        400,
        `requested protocol(s) are not supported: [${offered.join(" ")}]; supports [${CHANNEL_PROTOCOLS.join(" ")}]`,
      )
      return undefined
    }
    return channelStreams(acceptWebSocket(req, socket, { head, protocol }), { ...opts, protocol })
  }
  const protocol = spdyOffered(req).find((p) => (SPDY_EXEC_PROTOCOLS as readonly string[]).includes(p))
  if (!protocol) {
    rejectUpgrade(
      socket,
      403,
      `unable to upgrade: unable to negotiate protocol: client supports ${spdyOffered(req).join(", ")}`,
    )
    return undefined
  }
  return spdyStreams(acceptSpdy(socket, head, protocol), opts)
}

function containerId(record: PodRecord | undefined, name: string): string | undefined {
  const r = anyContainerRecord(record, name)
  return r?.current?.state === "running" ? r.current.id : undefined
}

async function remoteCommand(
  deps: StreamingDeps,
  t: { req: IncomingMessage; socket: Duplex; head: Buffer; url: URL },
  m: { verb: string; ns: string; pod: string; container: string },
): Promise<void> {
  const record = deps.records(m.ns, m.pod)
  if (!record) return rejectUpgrade(t.socket, 404, `pod does not exist`)
  const id = containerId(record, m.container)
  if (!id) return rejectUpgrade(t.socket, 404, `container not found ("${m.container}")`)
  const opts = remoteCommandOptions(t.url.searchParams)
  const cmd = t.url.searchParams.getAll("command")
  if (m.verb === "exec" && cmd.length === 0)
    return rejectUpgrade(t.socket, 400, "you must specify at least 1 command")
  const client = await clientStreams(t.req, t.socket, t.head, opts)
  if (!client) return
  let proc: ProcessStreams
  try {
    proc =
      m.verb === "exec"
        ? deps.runtime.execStream(id, cmd, { stdin: opts.stdin, tty: opts.tty })
        : deps.runtime.attach(id, { stdin: opts.stdin, tty: opts.tty })
  } catch (err) {
    const what = m.verb === "exec" ? "error executing command in container" : "error attaching to container"
    return client.finish(internalStatus(`${what}: ${(err as Error).message}`))
  }
  await runRemoteCommand(client, proc, m.verb === "exec" ? cmd : undefined)
}

function webSocketPortForward(
  t: { req: IncomingMessage; socket: Duplex; head: Buffer; url: URL },
  target: PortForwardTarget,
): void {
  const offered = offeredProtocols(t.req)
  if (offered.includes(PORT_FORWARD_TUNNEL_PROTOCOL)) {
    const ws = acceptWebSocket(t.req, t.socket, { head: t.head, protocol: PORT_FORWARD_TUNNEL_PROTOCOL })
    return servePortForward(new SpdyConnection(webSocketDuplex(ws)), target)
  }
  if (!offered.includes(CHANNEL_PORT_FORWARD_PROTOCOL))
    return rejectUpgrade(t.socket, 400, `requested protocol(s) are not supported: [${offered.join(" ")}]`)
  const ports = requestedPorts(t.url.searchParams)
  if (!ports) return rejectUpgrade(t.socket, 400, `query parameter "port" is required`)
  const ws = acceptWebSocket(t.req, t.socket, { head: t.head, protocol: CHANNEL_PORT_FORWARD_PROTOCOL })
  serveChannelPortForward(ws, target, ports)
}

function portForward(
  deps: StreamingDeps,
  t: { req: IncomingMessage; socket: Duplex; head: Buffer; url: URL },
  m: { ns: string; pod: string },
): void {
  const record = deps.records(m.ns, m.pod)
  const ip = record?.sandbox?.ip
  if (!record || !ip) return rejectUpgrade(t.socket, 404, `pod does not exist`)
  const target: PortForwardTarget = { ip, podName: `${m.pod}_${m.ns}`, podUid: record.uid }
  if (isWebSocketRequest(t.req)) return webSocketPortForward(t, target)
  if (!spdyOffered(t.req).includes(PORT_FORWARD_PROTOCOL))
    return rejectUpgrade(t.socket, 403, `unable to upgrade: unable to negotiate protocol`)
  servePortForward(acceptSpdy(t.socket, t.head, PORT_FORWARD_PROTOCOL), target)
}

/** Serves one upgrade request to the kubelet's API (404 when the path is not a streaming one). */
export async function serveStreaming(
  deps: StreamingDeps,
  req: IncomingMessage,
  socket: Duplex,
  head: Buffer,
): Promise<boolean> {
  const url = new URL(req.url ?? "/", "http://kubelet")
  const parts = url.pathname.split("/").slice(1).map(decodeURIComponent)
  const [verb, ns = "", pod = "", container = ""] = parts
  if ((verb === "exec" || verb === "attach") && parts.length === 4) {
    await remoteCommand(deps, { req, socket, head, url }, { verb, ns, pod, container })
    return true
  }
  if (verb === "portForward" && parts.length === 3) {
    portForward(deps, { req, socket, head, url }, { ns, pod })
    return true
  }
  rejectUpgrade(socket, 404, "404 page not found")
  return false
}

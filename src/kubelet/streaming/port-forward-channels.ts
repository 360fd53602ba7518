/**
 * Port forwarding over WebSocket channels (`v4.channel.k8s.io`, as the Python client speaks
 * it): the ports come from the query (`ports=80,443`), port number i gets data channel 2i and
 * error channel 2i+1, each channel opens with a frame holding its port (16 bits, little
 * endian), the pod's port is dialled at once, and the WebSocket closes when every forwarded
 * connection has ended.
 */
import { connect } from "node:net"
import { channelMessage } from "./channels.ts"
import { goError, type PortForwardTarget } from "./port-forward.ts"
import type { ServerWebSocket } from "./websocket.ts"

/** The ports a port-forward request names (`ports` or `port`, repeated or comma-separated). */
export function requestedPorts(q: URLSearchParams): number[] | undefined {
  const raw = [...q.getAll("ports"), ...q.getAll("port")].flatMap((v) => v.split(","))
  const ports = raw.map((p) => Number(p.trim()))
  return ports.length && ports.every((p) => Number.isInteger(p) && p > 0 && p < 65536) ? ports : undefined
}

/** The opening frame of a channel: its port, little endian. */
export function portFrame(channel: number, port: number): Buffer {
  return Buffer.from([channel, port & 0xff, port >> 8])
}

/** Serves the channel port-forward protocol on an accepted WebSocket. */
export function serveChannelPortForward(
  ws: ServerWebSocket,
  target: PortForwardTarget,
  ports: readonly number[],
): void {
  ports.forEach((port, i) => {
    ws.send(portFrame(2 * i, port))
    ws.send(portFrame(2 * i + 1, port))
  })
  let open = ports.length
  const sockets = ports.map((port, i) => {
    const tcp = connect({ host: target.ip, port })
    tcp.setNoDelay(true)
    tcp.on("data", (d: Buffer) => ws.send(channelMessage(2 * i, d)))
    tcp.on("error", (err) => {
      const message = `error forwarding port ${port} to pod ${target.podName}, uid ${target.podUid}: dial tcp4 ${target.ip}:${port}: ${goError(err)}`
      ws.send(channelMessage(2 * i + 1, message))
    })
    tcp.once("close", () => {
      if (--open === 0) ws.close(1000)
    })
    return tcp
  })
  ws.on("message", (m) => {
    const ch = m[0] as number
    const tcp = ch % 2 === 0 ? sockets[ch / 2] : undefined
    if (tcp && m.length > 1 && !tcp.destroyed) tcp.write(m.subarray(1))
  })
  ws.once("close", () => {
    for (const s of sockets) s.destroy()
  })
}

/**
 * The listener of a node API (the kubelet's, and the hollow nodes' shared stats server): HTTPS
 * that accepts only clients with a certificate from the cluster CA when given certificates,
 * plain HTTP otherwise.
 */
import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from "node:http"
import { createServer as createHttpsServer } from "node:https"
import type { AddressInfo } from "node:net"

/** The serving certificate and key, and the CA that client certificates must come from. */
export interface NodeApiTls {
  readonly cert: string
  readonly key: string
  readonly ca: string
}

/** A server for `handler`: mutual TLS with `tls`, plain HTTP without. */
export function createNodeApiServer(
  tls: NodeApiTls | undefined,
  handler: (req: IncomingMessage, res: ServerResponse) => void,
): Server {
  return tls
    ? createHttpsServer(
        { cert: tls.cert, key: tls.key, ca: tls.ca, requestCert: true, rejectUnauthorized: true },
        handler,
      )
    : createHttpServer(handler)
}

/** Listens on `host`:`port`; resolves with the port (the one picked when `port` is 0). */
export async function listenOn(server: Server, port: number, host: string | undefined): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject)
    server.listen(port, host, () => resolve())
  })
  return (server.address() as AddressInfo).port
}

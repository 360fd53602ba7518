import assert from "node:assert/strict"
import { mkdtempSync, rmSync } from "node:fs"
import { createServer, type Server } from "node:https"
import type { AddressInfo } from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"
import type { TLSSocket } from "node:tls"
import { after, before, describe, test } from "node:test"
import WebSocket, { WebSocketServer } from "ws"
import { MemoryStore } from "../../storage/index.ts"
import { listen, type Listening } from "../listen.ts"
import { ensurePki } from "../pki.ts"
import { createApiServer, type ApiServer } from "../server.ts"

const dir = mkdtempSync(join(tmpdir(), "k8ts-proxy-tls-"))
let api: ApiServer
let served: Listening
let kubelet: Server
let pod: Server
let podPort = 0
const ac = new AbortController()

async function listenLocal(s: Server): Promise<number> {
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", r))
  return (s.address() as AddressInfo).port
}

async function create(
  path: string,
  body: unknown,
  method = "POST",
  type = "application/json",
): Promise<void> {
  const res = await api.fetch(
    new Request(`http://k8ts${path}`, {
      method,
      headers: { "content-type": type },
      body: JSON.stringify(body),
    }),
  )
  assert.ok(res.status < 300, await res.text())
}

before(async () => {
  const pki = await ensurePki(join(dir, "pki"), ["127.0.0.1"])
  api = createApiServer({
    store: new MemoryStore(),
    kubeletClient: { tls: { ca: pki.ca.cert, cert: pki.admin.cert, key: pki.admin.key } },
  })
  void api.run(ac.signal)
  await api.ready()
  served = await listen(api, { host: "127.0.0.1", port: 0 })
  // The kubelet insists on a client certificate from the cluster CA.
  kubelet = createServer(
    {
      cert: pki.server.cert,
      key: pki.server.key,
      ca: pki.ca.cert,
      requestCert: true,
      rejectUnauthorized: true,
    },
    (req, res) => {
      const peer = (req.socket as TLSSocket).getPeerCertificate()
      res.end(`kubelet ${req.url} for ${String(peer.subject?.CN)}`)
    },
  )
  new WebSocketServer({ server: kubelet }).on("connection", (ws, req) => ws.send(`kubelet ws ${req.url}`))
  const kubeletPort = await listenLocal(kubelet)
  // A pod serving HTTPS with a certificate the API server does not check.
  pod = createServer({ cert: pki.server.cert, key: pki.server.key }, (req, res) => res.end(`pod ${req.url}`))
  podPort = await listenLocal(pod)
  await create("/api/v1/nodes", {
    metadata: { name: "n1" },
    status: {
      addresses: [{ type: "InternalIP", address: "127.0.0.1" }],
      daemonEndpoints: { kubeletEndpoint: { Port: kubeletPort } },
    },
  })
  await create("/api/v1/namespaces/default/pods", {
    metadata: { name: "p" },
    spec: { nodeName: "n1", containers: [{ name: "c", image: "x", ports: [{ containerPort: podPort }] }] },
  })
  await create(
    "/api/v1/namespaces/default/pods/p/status",
    { status: { podIP: "127.0.0.1" } },
    "PATCH",
    "application/merge-patch+json",
  )
})

after(async () => {
  await served.close()
  kubelet.closeAllConnections()
  kubelet.close()
  pod.close()
  ac.abort()
  rmSync(dir, { recursive: true, force: true })
})

describe("proxy over TLS", () => {
  test("nodes/proxy authenticates to the kubelet with the API server's client certificate", async () => {
    const res = await fetch(`${served.url}/api/v1/nodes/n1/proxy/metrics`)
    assert.equal(await res.text(), "kubelet /metrics for kubernetes-admin")
  })

  test("a WebSocket through nodes/proxy reaches the kubelet over TLS", async () => {
    const ws = new WebSocket(`${served.url.replace("http", "ws")}/api/v1/nodes/n1/proxy/ws`)
    const message = await new Promise<string>((resolve, reject) => {
      ws.on("message", (m: Buffer) => resolve(String(m)))
      ws.on("error", reject)
    })
    ws.close()
    assert.equal(message, "kubelet ws /ws")
  })

  test("pods/proxy with the https scheme", async () => {
    const res = await fetch(`${served.url}/api/v1/namespaces/default/pods/https:p:${podPort}/proxy/secure`)
    assert.equal(await res.text(), "pod /secure")
  })
})

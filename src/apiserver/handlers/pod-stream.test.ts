import assert from "node:assert/strict"
import { createHash } from "node:crypto"
import { createServer, type IncomingMessage, type Server } from "node:http"
import type { AddressInfo } from "node:net"
import type { Duplex } from "node:stream"
import { after, before, describe, test } from "node:test"
import WebSocket from "ws"
import { MemoryStore } from "../../storage/index.ts"
import { listen, type Listening } from "../listen.ts"
import { createApiServer, type ApiServer } from "../server.ts"

let api: ApiServer
let served: Listening
let kubelet: Server
const seen: { url: string; headers: IncomingMessage["headers"] }[] = []
const ac = new AbortController()

/** A kubelet that answers every WebSocket upgrade with 101 and one stdout message. */
function fakeKubelet(): Server {
  const server = createServer((_req, res) => res.writeHead(404).end())
  server.on("upgrade", (req: IncomingMessage, socket: Duplex) => {
    seen.push({ url: req.url ?? "", headers: req.headers })
    const accept = createHash("sha1")
      .update(`${req.headers["sec-websocket-key"]}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`)
      .digest("base64")
    socket.write(
      "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
        `Sec-WebSocket-Accept: ${accept}\r\nSec-WebSocket-Protocol: v5.channel.k8s.io\r\n\r\n`,
    )
    socket.end(Buffer.from([0x82, 3, 1, 0x68, 0x69, 0x88, 2, 0x03, 0xe8]))
  })
  return server
}

async function create(path: string, body: unknown): Promise<void> {
  const res = await api.fetch(
    new Request(`http://k8ts${path}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    }),
  )
  assert.equal(res.status, 201, await res.text())
}

before(async () => {
  api = createApiServer({ store: new MemoryStore() })
  void api.run(ac.signal)
  await api.ready()
  served = await listen(api, { host: "127.0.0.1", port: 0 })
  kubelet = fakeKubelet()
  await new Promise<void>((r) => kubelet.listen(0, "127.0.0.1", r))
  const port = (kubelet.address() as AddressInfo).port
  await create("/api/v1/nodes", {
    metadata: { name: "n1" },
    status: {
      addresses: [{ type: "InternalIP", address: "127.0.0.1" }],
      daemonEndpoints: { kubeletEndpoint: { Port: port } },
    },
  })
  const container = { name: "c", image: "busybox" }
  await create("/api/v1/namespaces/default/pods", {
    metadata: { name: "p" },
    spec: { nodeName: "n1", containers: [container] },
  })
  await create("/api/v1/namespaces/default/pods", {
    metadata: { name: "unscheduled" },
    spec: { containers: [container] },
  })
  await create("/api/v1/namespaces/default/pods", {
    metadata: { name: "multi", annotations: { "kubectl.kubernetes.io/default-container": "b" } },
    spec: {
      initContainers: [{ name: "i1", image: "busybox" }],
      containers: [
        { name: "a", image: "busybox" },
        { name: "b", image: "busybox" },
      ],
    },
  })
})

after(async () => {
  await served.close()
  kubelet.close()
  ac.abort()
})

function exec(path: string): Promise<{ messages: Buffer[]; status?: number; body?: string }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${served.url.replace("http", "ws")}${path}`, ["v5.channel.k8s.io"])
    const messages: Buffer[] = []
    ws.on("message", (d: Buffer) => messages.push(d))
    ws.on("close", () => resolve({ messages }))
    ws.on("unexpected-response", (_req, res) => {
      let body = ""
      res.on("data", (c: Buffer) => (body += String(c)))
      res.on("end", () => resolve({ messages, status: res.statusCode ?? 0, body }))
    })
    ws.on("error", reject)
  })
}

describe("pods/exec, attach and portforward", () => {
  test("proxy the upgrade to the node's kubelet and carry its frames back", async () => {
    const r = await exec(
      "/api/v1/namespaces/default/pods/p/exec?command=ls&command=%2F&container=c&stdout=true",
    )
    assert.deepEqual(
      r.messages.map((m) => [...m]),
      [[1, 0x68, 0x69]],
    )
    const req = seen.at(-1)
    assert.equal(req?.url, "/exec/default/p/c?command=ls&command=%2F&stdout=true")
    assert.equal(req?.headers["sec-websocket-protocol"], "v5.channel.k8s.io")
    assert.equal(req?.headers.authorization, undefined)
  })

  test("portforward goes to the kubelet's /portForward", async () => {
    await exec("/api/v1/namespaces/default/pods/p/portforward?ports=80")
    assert.equal(seen.at(-1)?.url, "/portForward/default/p?ports=80")
  })

  test("refuse with upstream's errors before reaching a kubelet", async () => {
    const cases = [
      [
        "/api/v1/namespaces/default/pods/p/exec?command=ls&container=nope",
        400,
        "container nope is not valid for pod p",
      ],
      [
        "/api/v1/namespaces/default/pods/unscheduled/attach?container=c",
        400,
        "pod unscheduled does not have a host assigned",
      ],
      ["/api/v1/namespaces/default/pods/missing/exec?command=ls", 404, 'pods \\"missing\\" not found'],
    ] as const
    for (const [path, status, message] of cases) {
      const r = await exec(path)
      assert.equal(r.status, status, path)
      assert.ok(r.body?.includes(message), r.body)
    }
  })

  test("a pod not yet scheduled has no logs: 204, no error (upstream's nil log location)", async () => {
    const res = await api.fetch(new Request("http://k8ts/api/v1/namespaces/default/pods/unscheduled/log"))
    assert.equal(res.status, 204)
    assert.equal(await res.text(), "")
    const bad = await api.fetch(
      new Request("http://k8ts/api/v1/namespaces/default/pods/unscheduled/log?container=nope"),
    )
    assert.equal(bad.status, 400, "the container is checked first")
  })
})

test("logs of a container the pod lacks, or of a pod of several without a name: upstream's 400s", async () => {
  const cases = [
    ["multi/log?container=nope", "container nope is not valid for pod multi"],
    // Init, regular, then ephemeral containers; the default-container annotation is kubectl's.
    ["multi/log", "a container name must be specified for pod multi, choose one of: [i1 a b]"],
    ["multi/exec?command=ls", "a container name must be specified for pod multi, choose one of: [i1 a b]"],
  ] as const
  for (const [path, message] of cases) {
    const res = await api.fetch(new Request(`http://k8ts/api/v1/namespaces/default/pods/${path}`))
    const body = (await res.json()) as { code: number; message: string }
    assert.deepEqual([body.code, body.message], [400, message], path)
  }
})

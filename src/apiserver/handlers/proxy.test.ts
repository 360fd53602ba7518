import assert from "node:assert/strict"
import { createServer, request, type IncomingMessage, type Server } from "node:http"
import type { AddressInfo } from "node:net"
import type { Duplex } from "node:stream"
import { gunzipSync, gzipSync } from "node:zlib"
import { after, before, describe, test } from "node:test"
import WebSocket, { WebSocketServer } from "ws"
import { MemoryStore } from "../../storage/index.ts"
import { listen, type Listening } from "../listen.ts"
import { createApiServer, type ApiServer } from "../server.ts"

let api: ApiServer
let served: Listening
let backend: Server
let kubelet: Server
let backendPort = 0
let kubeletPort = 0
let release: () => void = () => {}
const ac = new AbortController()

/** A pod's web server: echoes what it got, redirects, streams, and answers WebSockets. */
function fakeBackend(): Server {
  const server = createServer((req, res) => {
    if (req.url === "/redirect")
      return res.writeHead(302, { location: `http://127.0.0.1:${backendPort}/moved?a=1` }).end()
    if (req.url === "/redirect-path") return res.writeHead(302, { location: "/other/" }).end()
    if (req.url === "/redirect-away")
      return res.writeHead(302, { location: "http://example.invalid/x" }).end()
    if (req.url === "/page" || req.url === "/page.gz") {
      const page = `<html><body><a href="/docs/">d</a><img src='http://127.0.0.1:${backendPort}/i.png'><a href="https://other.invalid/x">o</a><script src=rel.js></script><p title="/no">t</p></body></html>`
      const gz = req.url === "/page.gz"
      res.writeHead(200, {
        "content-type": "text/html; charset=utf-8",
        ...(gz ? { "content-encoding": "gzip" } : {}),
      })
      return res.end(gz ? gzipSync(page) : page)
    }
    if (req.url === "/duplex") {
      res.writeHead(200, { "content-type": "text/plain" })
      req.on("data", (c: Buffer) => res.write(c))
      req.on("end", () => res.end())
      return
    }
    if (req.url === "/stream") {
      res.writeHead(200, { "content-type": "text/plain" })
      res.write("first\n")
      release = () => res.end("second\n")
      return
    }
    const chunks: Buffer[] = []
    req.on("data", (c: Buffer) => chunks.push(c))
    req.on("end", () => {
      res.writeHead(200, {
        "content-type": "application/json",
        "access-control-allow-origin": "*",
        "keep-alive": "timeout=5",
        "x-backend": "yes",
      })
      res.end(
        JSON.stringify({
          method: req.method,
          url: req.url,
          headers: req.headers,
          body: Buffer.concat(chunks).toString(),
        }),
      )
    })
  })
  const wss = new WebSocketServer({ noServer: true })
  server.on("upgrade", (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    if (req.url === "/no-upgrade") return socket.end("HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok")
    if (req.url === "/forbidden") return socket.end("HTTP/1.1 403 Forbidden\r\ncontent-length: 4\r\n\r\nnope")
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit("connection", ws, req))
  })
  wss.on("connection", (ws: WebSocket, req: IncomingMessage) => {
    ws.send(`hello ${req.url}`)
    ws.on("message", (m: Buffer) => ws.send(`echo ${String(m)}`))
  })
  return server
}

/** A kubelet: /metrics and /stats/summary. */
function fakeKubelet(): Server {
  return createServer((req, res) => {
    if (req.url === "/metrics")
      return res.writeHead(200, { "content-type": "text/plain" }).end("kubelet_up 1\n")
    if (req.url?.startsWith("/stats/summary"))
      return res
        .writeHead(200, { "content-type": "application/json" })
        .end(`{"node":{"nodeName":"n1"},"q":"${req.url}"}`)
    res.writeHead(404).end("404 page not found\n")
  })
}

async function call(
  method: string,
  path: string,
  body?: unknown,
  type = "application/json",
): Promise<Response> {
  return fetch(`${served.url}${path}`, {
    method,
    redirect: "manual",
    ...(body === undefined ? {} : { headers: { "content-type": type }, body: JSON.stringify(body) }),
  })
}

/** The JSON body of a response. */
async function json(res: Response): Promise<any> {
  return res.json()
}

async function create(path: string, body: unknown): Promise<void> {
  const res = await call("POST", path, body)
  assert.equal(res.status, 201, await res.text())
}

async function listenLocal(s: Server): Promise<number> {
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", r))
  return (s.address() as AddressInfo).port
}

before(async () => {
  api = createApiServer({ store: new MemoryStore() })
  void api.run(ac.signal)
  await api.ready()
  served = await listen(api, { host: "127.0.0.1", port: 0 })
  backend = fakeBackend()
  backendPort = await listenLocal(backend)
  kubelet = fakeKubelet()
  kubeletPort = await listenLocal(kubelet)
  await create("/api/v1/nodes", {
    metadata: { name: "n1" },
    status: {
      addresses: [{ type: "InternalIP", address: "127.0.0.1" }],
      daemonEndpoints: { kubeletEndpoint: { Port: kubeletPort } },
    },
  })
  const ns = "/api/v1/namespaces/default"
  await create(`${ns}/pods`, {
    metadata: { name: "web", labels: { app: "web" } },
    spec: {
      nodeName: "n1",
      containers: [{ name: "c", image: "nginx", ports: [{ containerPort: backendPort }] }],
    },
  })
  const status = await call(
    "PATCH",
    `${ns}/pods/web/status`,
    { status: { phase: "Running", podIP: "127.0.0.1", podIPs: [{ ip: "127.0.0.1" }] } },
    "application/merge-patch+json",
  )
  assert.equal(status.status, 200, await status.text())
  await create(`${ns}/pods`, {
    metadata: { name: "pending" },
    spec: { containers: [{ name: "c", image: "nginx" }] },
  })
  await create(`${ns}/services`, {
    metadata: { name: "web" },
    spec: { selector: { app: "web" }, ports: [{ name: "http", port: 80, targetPort: backendPort }] },
  })
  await create(`${ns}/services`, {
    metadata: { name: "empty" },
    spec: { selector: { app: "none" }, ports: [{ port: 80 }] },
  })
  await create(`${ns}/services`, {
    metadata: { name: "stale" },
    spec: { ports: [{ port: 80 }] },
  })
  await create("/apis/discovery.k8s.io/v1/namespaces/default/endpointslices", {
    metadata: { name: "stale-1", labels: { "kubernetes.io/service-name": "stale" } },
    addressType: "IPv4",
    ports: [{ port: backendPort }],
    endpoints: [
      { addresses: ["127.0.0.1"] },
      { addresses: ["127.0.0.3"], targetRef: { kind: "Pod", namespace: "default", name: "web" } },
      { addresses: ["127.0.0.1"], targetRef: { kind: "Pod", namespace: "default", name: "gone" } },
    ],
  })
  await create("/apis/discovery.k8s.io/v1/namespaces/default/endpointslices", {
    metadata: { name: "web-abc", labels: { "kubernetes.io/service-name": "web" } },
    addressType: "IPv4",
    ports: [{ name: "http", port: backendPort, protocol: "TCP" }],
    endpoints: [
      {
        addresses: ["127.0.0.1"],
        conditions: { ready: true },
        targetRef: { kind: "Pod", namespace: "default", name: "web" },
      },
      {
        addresses: ["127.0.0.2"],
        conditions: { ready: false },
        targetRef: { kind: "Pod", namespace: "default", name: "web" },
      },
    ],
  })
})

after(async () => {
  await served.close()
  backend.closeAllConnections()
  backend.close()
  kubelet.close()
  ac.abort()
})

describe("pods/proxy", () => {
  test("GET reaches the pod's first container port with path and query", async () => {
    const res = await call("GET", "/api/v1/namespaces/default/pods/web/proxy/some/path?x=1&y=two")
    assert.equal(res.status, 200)
    const got = await json(res)
    assert.equal(got.method, "GET")
    assert.equal(got.url, "/some/path?x=1&y=two")
    assert.equal(got.headers["x-forwarded-uri"], "/api/v1/namespaces/default/pods/web/proxy/some/path")
    assert.equal(res.headers.get("x-backend"), "yes")
    assert.equal(res.headers.get("access-control-allow-origin"), null)
    assert.notEqual(res.headers.get("keep-alive"), "timeout=5")
  })

  test("POST, PUT, PATCH, DELETE and OPTIONS carry their method and body", async () => {
    for (const method of ["POST", "PUT", "PATCH", "DELETE", "OPTIONS"]) {
      const body = method === "DELETE" || method === "OPTIONS" ? undefined : { n: method }
      const res = await call(method, `/api/v1/namespaces/default/pods/web:${backendPort}/proxy/echo`, body)
      assert.equal(res.status, 200, method)
      const got = await json(res)
      assert.equal(got.method, method)
      assert.equal(got.body, body ? JSON.stringify(body) : "")
    }
  })

  test("HEAD answers the target's headers and no body", async () => {
    const res = await call("HEAD", "/api/v1/namespaces/default/pods/web/proxy/echo")
    assert.equal(res.status, 200)
    assert.equal(res.headers.get("x-backend"), "yes")
    assert.equal(await res.text(), "")
  })

  test("a request over a socket keeps its framing and drops the caller's credentials", async () => {
    const got = await new Promise<{ status: number; body: any }>((resolve, reject) => {
      const req = request(
        `${served.url}/api/v1/namespaces/default/pods/http:web:${backendPort}/proxy/echo`,
        {
          method: "POST",
          headers: { authorization: "Bearer secret", "x-custom": "1", connection: "keep-alive, x-custom" },
        },
        (res: IncomingMessage) => {
          let text = ""
          res.on("data", (c: Buffer) => (text += String(c)))
          res.on("end", () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) }))
        },
      )
      req.on("error", reject)
      req.write("part one, ")
      req.end("part two")
    })
    assert.equal(got.status, 200)
    assert.equal(got.body.body, "part one, part two")
    assert.equal(got.body.headers.authorization, undefined)
    assert.equal(got.body.headers["x-custom"], undefined)
    assert.equal(got.body.headers["x-forwarded-for"], "127.0.0.1")
  })

  test("responses stream: the first chunk arrives before the target finishes", async () => {
    const res = await call("GET", "/api/v1/namespaces/default/pods/web/proxy/stream")
    const reader = res.body!.getReader()
    const first = await reader.read()
    assert.equal(Buffer.from(first.value!).toString(), "first\n")
    release()
    let rest = ""
    for (let r = await reader.read(); !r.done; r = await reader.read())
      rest += Buffer.from(r.value).toString()
    assert.equal(rest, "second\n")
  })

  test("request bodies stream too, past the API server's body limit", async () => {
    const path = "/api/v1/namespaces/default/pods/web/proxy/duplex"
    const text = await new Promise<string>((resolve, reject) => {
      const req = request(`${served.url}${path}`, { method: "POST" }, (res: IncomingMessage) => {
        let got = ""
        res.on("data", (c: Buffer) => {
          // The target echoed the first part while the caller still holds the rest.
          if (got === "") req.end("b".repeat(4 * 1024 * 1024))
          got += String(c)
        })
        res.on("end", () => resolve(got))
      })
      req.on("error", reject)
      req.flushHeaders()
      req.write("a")
    })
    assert.equal(text.length, 1 + 4 * 1024 * 1024)
    assert.ok(text.startsWith("ab"))
  })

  test("redirects to the target come back as paths through the proxy", async () => {
    const base = "/api/v1/namespaces/default/pods/web/proxy"
    const abs = await call("GET", `${base}/redirect`)
    assert.equal(abs.status, 302)
    assert.equal(abs.headers.get("location"), `${base}/moved?a=1`)
    const path = await call("GET", `${base}/redirect-path`)
    assert.equal(path.headers.get("location"), `${base}/other/`)
    const away = await call("GET", `${base}/redirect-away`)
    assert.equal(away.headers.get("location"), "http://example.invalid/x")
  })

  test("links of HTML pages that point at the target go through the proxy", async () => {
    const base = "/api/v1/namespaces/default/pods/web/proxy"
    const want =
      `<html><body><a href="${base}/docs/">d</a><img src='${base}/i.png'><a href="https://other.invalid/x">o</a>` +
      `<script src=rel.js></script><p title="/no">t</p></body></html>`
    const plain = await call("GET", `${base}/page`)
    assert.equal(await plain.text(), want)
    const gz = await fetch(`${served.url}${base}/page.gz`, { headers: { "accept-encoding": "identity" } })
    assert.equal(gz.headers.get("content-encoding"), "gzip")
    // fetch decodes gzip itself; the page arrived re-encoded and rewritten.
    const text = await gz.text()
    assert.equal(text.startsWith("<html>") ? text : gunzipSync(Buffer.from(text, "binary")).toString(), want)
  })

  test("the proxy root without a slash redirects to it", async () => {
    const res = await call("GET", "/api/v1/namespaces/default/pods/web/proxy?q=1")
    assert.equal(res.status, 301)
    assert.equal(res.headers.get("location"), "/api/v1/namespaces/default/pods/web/proxy/?q=1")
  })

  test("a WebSocket upgrade is passed through", async () => {
    const url = `${served.url.replace("http", "ws")}/api/v1/namespaces/default/pods/web/proxy/ws?x=1`
    const ws = new WebSocket(url)
    const messages: string[] = []
    await new Promise<void>((resolve, reject) => {
      ws.on("message", (m: Buffer) => {
        messages.push(String(m))
        if (messages.length === 1) ws.send("ping")
        else ws.close()
      })
      ws.on("close", () => resolve())
      ws.on("error", reject)
    })
    assert.deepEqual(messages, ["hello /ws?x=1", "echo ping"])
  })

  test("an upgrade the target refuses: its error passes, a plain answer becomes one", async () => {
    const base = `${served.url.replace("http", "ws")}/api/v1/namespaces/default/pods/web/proxy`
    const refused = (path: string) =>
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        const ws = new WebSocket(`${base}${path}`)
        ws.on("unexpected-response", (_req, res) => {
          let body = ""
          res.on("data", (c: Buffer) => (body += String(c)))
          res.on("end", () => resolve({ status: res.statusCode ?? 0, body }))
        })
        ws.on("error", reject)
      })
    assert.deepEqual(await refused("/forbidden"), { status: 403, body: "nope" })
    const plain = await refused("/no-upgrade")
    assert.equal(plain.status, 500)
    assert.match(plain.body, /invalid upgrade response: status code 200/)
  })

  test("refuse with upstream's errors", async () => {
    const cases: [string, string, number, string][] = [
      ["GET", "/api/v1/namespaces/default/pods/missing/proxy/", 404, 'pods "missing" not found'],
      ["GET", "/api/v1/namespaces/default/pods/pending/proxy/", 400, "address not allowed"],
      ["GET", "/api/v1/namespaces/default/pods/ftp:web:80/proxy/", 400, 'invalid pod request "ftp:web:80"'],
      [
        "GET",
        "/api/v1/namespaces/default/pods/web:1/proxy/",
        503,
        "error trying to reach service: dial tcp 127.0.0.1:1:",
      ],
      ["PROPFIND", "/api/v1/namespaces/default/pods/web/proxy/", 405, "does not allow this method"],
    ]
    for (const [method, path, status, message] of cases) {
      const res = await call(method, path)
      assert.equal(res.status, status, path)
      const body = await json(res)
      assert.equal(body.kind, "Status")
      assert.ok(body.message.includes(message), body.message)
    }
  })
})

describe("services/proxy", () => {
  test("reaches a ready endpoint by port name or service port number", async () => {
    for (const id of ["web:http", "web:80", "http:web:80", "http:web:http"]) {
      const res = await call("GET", `/api/v1/namespaces/default/services/${id}/proxy/hi?z=1`)
      assert.equal(res.status, 200, `${id} ${await res.clone().text()}`)
      assert.equal((await json(res)).url, "/hi?z=1")
    }
  })

  test("POST through a service", async () => {
    const res = await call("POST", "/api/v1/namespaces/default/services/web:http/proxy/x", { a: 1 })
    assert.deepEqual(await json(res).then((b) => [b.method, b.body]), ["POST", '{"a":1}'])
  })

  test("503 when no endpoint serves the port", async () => {
    const cases: [string, number, string][] = [
      ["empty", 503, 'no endpoints available for service "empty"'],
      ["web:81", 503, 'no service port 81 found for service "web"'],
      ["web:other", 503, 'no endpoints available for service "web"'],
      // As upstream: no port means the unnamed port, and this service's port has a name.
      ["web", 503, 'no endpoints available for service "web"'],
      ["nope", 404, 'services "nope" not found'],
      // As upstream: an address must name a pod that has it.
      ["stale:80", 503, 'no endpoints available for service "stale"'],
    ]
    for (const [id, status, message] of cases) {
      const res = await call("GET", `/api/v1/namespaces/default/services/${id}/proxy/`)
      assert.equal(res.status, status, id)
      assert.equal((await json(res)).message, message)
    }
  })
})

describe("nodes/proxy", () => {
  test("reaches the node's kubelet", async () => {
    const metrics = await call("GET", "/api/v1/nodes/n1/proxy/metrics")
    assert.equal(await metrics.text(), "kubelet_up 1\n")
    const summary = await call("GET", "/api/v1/nodes/n1/proxy/stats/summary?only_cpu_and_memory=true")
    assert.deepEqual(await json(summary), {
      node: { nodeName: "n1" },
      q: "/stats/summary?only_cpu_and_memory=true",
    })
    const other = await call("GET", `/api/v1/nodes/n1:${backendPort}/proxy/elsewhere`)
    assert.equal((await json(other)).url, "/elsewhere")
  })

  test("404 for a missing node", async () => {
    const res = await call("GET", "/api/v1/nodes/n9/proxy/metrics")
    assert.equal(res.status, 404)
    assert.equal((await json(res)).message, 'nodes "n9" not found')
  })
})

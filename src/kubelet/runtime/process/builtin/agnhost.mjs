// agnhost, as the process runtime runs it: upstream's e2e test image's subcommands that k8ts
// users and tests rely on (pause, netexec, serve-hostname, liveness, test-webserver,
// logs-generator, port-forward-tester), behaving as upstream documents them. Plain JavaScript
// so a container starts in one Node.js start-up. Binds to the pod's address (K8TS_POD_IP).
import { execFile } from "node:child_process"
import { createSocket } from "node:dgram"
import { createServer } from "node:http"
import { createServer as createTcpServer } from "node:net"
import { hostname as osHostname } from "node:os"

const HOST = process.env.K8TS_POD_IP || "0.0.0.0"
const HOSTNAME = process.env.HOSTNAME || osHostname()
const [sub = "pause", ...rest] = process.argv.slice(2)

/** --name=value and --name value flags, plus positional arguments. */
function flags(args) {
  const out = { _: [] }
  for (let i = 0; i < args.length; i++) {
    const m = /^--?([^=]+)(?:=(.*))?$/.exec(args[i])
    if (!m) out._.push(args[i])
    else if (m[2] !== undefined) out[m[1]] = m[2]
    else if (i + 1 < args.length && !args[i + 1].startsWith("-")) out[m[1]] = args[++i]
    else out[m[1]] = "true"
  }
  return out
}

const f = flags(rest)

function stopOnSignals(code = 0) {
  for (const s of ["SIGTERM", "SIGINT"]) process.on(s, () => process.exit(code))
}

function pause() {
  stopOnSignals()
  console.log("Paused")
  setInterval(() => {}, 1 << 30)
}

function send(res, code, body, type = "text/plain; charset=utf-8") {
  res.writeHead(code, { "content-type": type })
  res.end(body)
}

function netexec() {
  const httpPort = Number(f["http-port"] ?? 8080)
  const udpPort = Number(f["udp-port"] ?? 8081)
  const started = Date.now()
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://x")
    const q = url.searchParams
    switch (url.pathname) {
      case "/":
        return send(res, 200, `NOW: ${new Date().toISOString()}`)
      case "/echo":
        return send(res, 200, q.get("msg") ?? "")
      case "/hostname":
        return send(res, 200, HOSTNAME)
      case "/hostName":
        return send(res, 200, HOSTNAME)
      case "/clientip":
        return send(res, 200, `${req.socket.remoteAddress}:${req.socket.remotePort}`)
      case "/healthz":
        return send(res, 200, "")
      case "/readyz":
        return send(res, 200, "")
      case "/exit":
        send(res, 200, "")
        return setTimeout(() => process.exit(Number(q.get("code") ?? 0)), 10)
      case "/shell":
        return execFile(
          "/bin/sh",
          ["-c", q.get("shellCommand") ?? q.get("cmd") ?? ""],
          (err, stdout, stderr) =>
            send(
              res,
              200,
              JSON.stringify({ output: stdout, error: err ? String(stderr || err.message) : "" }),
              "application/json",
            ),
        )
      case "/uptime":
        return send(res, 200, String((Date.now() - started) / 1000))
      default:
        return send(res, 404, "404 page not found\n")
    }
  })
  server.listen(httpPort, HOST, () => console.log(`Started HTTP server on port ${httpPort}`))
  if (udpPort > 0) {
    const udp = createSocket("udp4")
    udp.on("message", (msg, rinfo) => {
      const text = msg.toString().trim()
      let reply = ""
      if (text === "hostname" || text === "hostName") reply = HOSTNAME
      else if (text.startsWith("echo ")) reply = text.slice(5)
      else if (text === "clientip") reply = `${rinfo.address}:${rinfo.port}`
      udp.send(reply, rinfo.port, rinfo.address)
    })
    udp.bind(udpPort, HOST, () => console.log(`Started UDP server on port ${udpPort}`))
  }
  stopOnSignals()
}

function serveHostname() {
  const port = Number(f.port ?? 9376)
  if (f.udp === "true") {
    const udp = createSocket("udp4")
    udp.on("message", (_m, r) => udp.send(HOSTNAME, r.port, r.address))
    udp.bind(port, HOST)
  }
  if (f.tcp === "true") {
    createTcpServer((c) => c.end(HOSTNAME)).listen(port, HOST)
  }
  if (f.http !== "false") {
    createServer((_req, res) => send(res, 200, HOSTNAME)).listen(port, HOST)
  }
  console.log(`Serving on port ${port}.`)
  stopOnSignals()
}

function liveness() {
  const started = Date.now()
  createServer((req, res) => {
    const up = (Date.now() - started) / 1000
    if (req.url === "/healthz" || req.url === "/") {
      return up > 10 ? send(res, 500, `error: ${up}`) : send(res, 200, "ok")
    }
    if (req.url === "/redirect") {
      res.writeHead(302, { location: "/healthz" })
      return res.end()
    }
    send(res, 404, "")
  }).listen(8080, HOST)
  stopOnSignals()
}

function testWebserver() {
  const port = Number(f.port ?? 80)
  createServer((_req, res) => send(res, 200, "hello")).listen(port, HOST)
  stopOnSignals()
}

function logsGenerator() {
  const total = Number(f["log-lines-total"] ?? f._[0] ?? 100)
  const seconds = Number(String(f["run-duration"] ?? f._[1] ?? "10s").replace(/s$/, ""))
  const verbs = ["GET", "POST", "PUT"]
  let i = 0
  const step = Math.max(1, Math.floor((seconds * 1000) / Math.max(1, total)))
  const t = setInterval(() => {
    if (i >= total) {
      clearInterval(t)
      return
    }
    const verb = verbs[i % verbs.length]
    console.log(
      `${new Date().toISOString()} ${i} ${verb} /api/v1/namespaces/ns${i % 7}/pods/pod${i} ${200 + (i % 3)}`,
    )
    i++
  }, step)
  stopOnSignals()
}

function portForwardTester() {
  const env = process.env
  const port = Number(env.BIND_PORT ?? 80)
  const expected = env.EXPECTED_CLIENT_DATA ?? ""
  const chunks = Number(env.CHUNKS ?? 1)
  const size = Number(env.CHUNK_SIZE ?? 10)
  const interval = Number(env.CHUNK_INTERVAL ?? 100)
  const server = createTcpServer((conn) => {
    let got = ""
    const sendChunks = (n) => {
      if (n >= chunks) {
        console.log("Done")
        conn.end()
        return server.close()
      }
      conn.write("x".repeat(size))
      setTimeout(() => sendChunks(n + 1), interval)
    }
    if (!expected) return sendChunks(0)
    conn.on("data", (d) => {
      got += d.toString()
      if (got.length >= expected.length) {
        console.log(got === expected ? `Received expected client data` : `Unexpected client data: ${got}`)
        sendChunks(0)
      }
    })
  })
  server.listen(port, env.BIND_ADDRESS && env.BIND_ADDRESS !== "localhost" ? env.BIND_ADDRESS : HOST)
  stopOnSignals()
}

const COMMANDS = {
  pause,
  netexec,
  "serve-hostname": serveHostname,
  liveness,
  "test-webserver": testWebserver,
  "logs-generator": logsGenerator,
  "port-forward-tester": portForwardTester,
  "grpc-health-checking": () =>
    import("./grpc-health-checking.mjs").then((m) => m.grpcHealthChecking(f, HOST)),
}

const run = COMMANDS[sub]
if (!run) {
  console.error(`Error: unknown command "${sub}" for "agnhost"`)
  process.exit(1)
}
run()

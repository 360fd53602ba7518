// agnhost grpc-health-checking: the standard gRPC health service (grpc.health.v1.Health/Check)
// on --port (default 5000) and an HTTP server on --http-port (default 8080) whose
// /make-serving and /make-not-serving switch --service's status (--delay-unhealthy-sec turns it
// NOT_SERVING after that many seconds). The server as a whole ("") stays SERVING, as grpc-go's
// health server keeps it. Messages are encoded by hand: one string in, one enum out.
import { Buffer } from "node:buffer"
import { createServer } from "node:http"

const SERVING = 1
const NOT_SERVING = 2

function decodeRequest(buf) {
  if (!buf.length) return { service: "" }
  let len = 0
  let shift = 0
  let i = 1
  for (; i < buf.length; i++) {
    len |= (buf[i] & 0x7f) << shift
    shift += 7
    if (!(buf[i] & 0x80)) break
  }
  return { service: buf.subarray(i + 1, i + 1 + len).toString("utf8") }
}

/** Runs the subcommand with parsed flags `f`, listening on `host`. */
export async function grpcHealthChecking(f, host) {
  const grpc = await import("@grpc/grpc-js")
  const service = f.service ?? ""
  const statuses = new Map([
    ["", SERVING],
    [service, SERVING],
  ])
  const set = (status) => {
    statuses.set(service, status)
    console.log(`Service ${JSON.stringify(service)} is now ${status === SERVING ? "SERVING" : "NOT_SERVING"}`)
  }
  const server = new grpc.Server()
  server.addService(
    {
      Check: {
        path: "/grpc.health.v1.Health/Check",
        requestStream: false,
        responseStream: false,
        requestSerialize: () => Buffer.alloc(0),
        requestDeserialize: decodeRequest,
        responseSerialize: (status) => Buffer.from([0x08, status]),
        responseDeserialize: (buf) => buf[1] ?? 0,
      },
    },
    {
      Check: (call, cb) => {
        const st = statuses.get(call.request.service)
        if (st === undefined) return cb({ code: grpc.status.NOT_FOUND, details: "unknown service" })
        cb(null, st)
      },
    },
  )
  const port = Number(f.port ?? 5000)
  await new Promise((resolve, reject) =>
    server.bindAsync(`${host}:${port}`, grpc.ServerCredentials.createInsecure(), (err) =>
      err ? reject(err) : resolve(),
    ),
  )
  console.log(`gRPC server starting to listen on ${host}:${port}`)
  createServer((req, res) => {
    const path = new URL(req.url ?? "/", "http://x").pathname
    if (path === "/make-serving") set(SERVING)
    else if (path === "/make-not-serving") set(NOT_SERVING)
    else {
      res.writeHead(404)
      return res.end()
    }
    res.writeHead(200)
    res.end()
  }).listen(Number(f["http-port"] ?? 8080), host)
  const delay = Number(f["delay-unhealthy-sec"] ?? -1)
  if (delay >= 0) setTimeout(() => set(NOT_SERVING), delay * 1000)
  for (const s of ["SIGTERM", "SIGINT"]) process.on(s, () => process.exit(0))
}

import assert from "node:assert/strict"
import { createServer } from "node:net"
import { after, before, describe, test } from "node:test"
import * as grpc from "@grpc/grpc-js"
import { decodeHealthCheckResponse, encodeHealthCheckRequest, grpcProbe } from "./grpc-probe.ts"

/** HealthCheckResponse { ServingStatus status = 1 }. */
function encodeResponse(status: number): Buffer {
  return status ? Buffer.from([0x08, status]) : Buffer.alloc(0)
}

/** HealthCheckRequest as an object (grpc-js takes a falsy message for a missing one). */
function decodeRequest(buf: Buffer): { service: string } {
  return { service: buf.length ? buf.subarray(2, 2 + (buf[1] ?? 0)).toString("utf8") : "" }
}

/** A real grpc-js server with the standard health service (as grpc-go's health server answers). */
const statuses = new Map<string, number>([
  ["", 1],
  ["ok", 1],
  ["sick", 2],
])
const health: grpc.ServiceDefinition = {
  Check: {
    path: "/grpc.health.v1.Health/Check",
    requestStream: false,
    responseStream: false,
    requestSerialize: (r: { service: string }) => encodeHealthCheckRequest(r.service),
    requestDeserialize: decodeRequest,
    responseSerialize: encodeResponse,
    responseDeserialize: decodeHealthCheckResponse,
  },
}

let server: grpc.Server
let bare: grpc.Server
let port = 0
let barePort = 0
let closedPort = 0

function bind(s: grpc.Server): Promise<number> {
  return new Promise((resolve, reject) =>
    s.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (err, p) =>
      err ? reject(err) : resolve(p),
    ),
  )
}

before(async () => {
  server = new grpc.Server()
  server.addService(health, {
    Check: (call: grpc.ServerUnaryCall<{ service: string }, number>, cb: grpc.sendUnaryData<number>) => {
      const st = statuses.get(call.request.service)
      if (st === undefined) return cb({ code: grpc.status.NOT_FOUND, details: "unknown service" })
      cb(null, st)
    },
  })
  port = await bind(server)
  bare = new grpc.Server()
  barePort = await bind(bare)
  const probe = createServer()
  closedPort = await new Promise<number>((resolve) =>
    probe.listen(0, "127.0.0.1", () => resolve((probe.address() as { port: number }).port)),
  )
  await new Promise((r) => probe.close(r))
})

after(() => {
  server.forceShutdown()
  bare.forceShutdown()
})

describe("grpcProbe", () => {
  test("SERVING passes, for the server and for a named service", async () => {
    assert.deepEqual(await grpcProbe("127.0.0.1", port, "", 1), { ok: true, message: "" })
    assert.deepEqual(await grpcProbe("127.0.0.1", port, "ok", 1), { ok: true, message: "" })
  })

  test("NOT_SERVING fails with the status name", async () => {
    assert.deepEqual(await grpcProbe("127.0.0.1", port, "sick", 1), {
      ok: false,
      message: 'service unhealthy (responded with "NOT_SERVING")',
    })
  })

  test("an unknown service fails with the RPC error", async () => {
    assert.deepEqual(await grpcProbe("127.0.0.1", port, "nope", 1), {
      ok: false,
      message: "error: health rpc probe failed: rpc error: code = NotFound desc = unknown service",
    })
  })

  test("a server without the health service fails as Unimplemented", async () => {
    const r = await grpcProbe("127.0.0.1", barePort, "", 1)
    assert.equal(r.ok, false)
    assert.match(
      r.message,
      /^error: this server does not implement the grpc health protocol \(grpc\.health\.v1\.Health\): /,
    )
  })

  test("nothing listening fails once the timeout passes", async () => {
    assert.deepEqual(await grpcProbe("127.0.0.1", closedPort, "", 1), {
      ok: false,
      message: `timeout: failed to connect service "127.0.0.1:${closedPort}" within 1s: context deadline exceeded`,
    })
  })
})

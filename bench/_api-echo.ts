/**
 * The HTTP layer alone, for bench/_api-cpu.ts (BENCH_SERVER=_api-echo.ts): `k8ts` serves through
 * the API server's node:http adapters (listen, fromNode, toNode), `bare` through node:http directly;
 * both parse the body and answer a fixed 4.6 KB body (the size of the API bench's created pod).
 */
import { createServer } from "node:http"
import type { AddressInfo } from "node:net"
import { listen } from "../src/apiserver/index.ts"
import type { ApiServer } from "../src/apiserver/index.ts"

const [mode = "k8ts"] = process.argv.slice(2)
process.on("SIGTERM", () => process.exit(0))
const BODY = "{" + "y".repeat(4652) + "}"
if (mode === "k8ts") {
  const api = {
    handle: async (req: { body(): Promise<Buffer> }) => {
      JSON.parse((await req.body()).toString("utf8"))
      return { status: 201, headers: { "content-type": "application/json" }, body: BODY }
    },
  } as unknown as ApiServer
  const srv = await listen(api, { host: "127.0.0.1", port: 0 })
  console.log(`PORT ${srv.port}`)
} else {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on("data", (c: Buffer) => chunks.push(c))
    req.on("end", () => {
      JSON.parse(Buffer.concat(chunks).toString("utf8"))
      res.writeHead(201, { "content-type": "application/json", "content-length": Buffer.byteLength(BODY) })
      res.end(BODY)
    })
  })
  server.keepAliveTimeout = 65_000
  server.listen(0, "127.0.0.1", () => console.log(`PORT ${(server.address() as AddressInfo).port}`))
}

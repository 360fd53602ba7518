/**
 * A server for the API benchmark, run as a child process: `k8ts` (the real API server on SQLite)
 * or `bare` (a plain node:http server that parses the pod, stores it with the same durability and
 * group commit, and answers: the physical limit of this stack) or `bytes` (a plain node:http server
 * answering every GET with the bytes of the file given: a LIST's physical limit). Prints `PORT <n>`
 * when listening.
 */
import { readFileSync } from "node:fs"
import { createServer } from "node:http"
import type { AddressInfo } from "node:net"
import { join } from "node:path"
import Database from "better-sqlite3"
import { createApiServer, listen } from "../src/apiserver/index.ts"
import { SqliteStore } from "../src/storage/index.ts"

const [mode = "k8ts", dir = ".", file = ""] = process.argv.slice(2)
process.on("SIGTERM", () => process.exit(0))

if (mode === "k8ts") {
  const store = SqliteStore.open(join(dir, "state.db"), { compactIntervalMs: 0 })
  const api = createApiServer({ store })
  void api.run(new AbortController().signal)
  await api.ready()
  const srv = await listen(api, { host: "127.0.0.1", port: 0 })
  console.log(`PORT ${srv.port}`)
} else if (mode === "bytes") {
  const body = readFileSync(file)
  const server = createServer((_req, res) => {
    res.writeHead(200, { "content-type": "application/json", "content-length": body.length })
    res.end(body)
  })
  server.listen(0, "127.0.0.1", () => console.log(`PORT ${(server.address() as AddressInfo).port}`))
} else {
  const db = new Database(join(dir, "bare.db"))
  db.pragma("journal_mode = WAL")
  db.pragma("synchronous = FULL")
  db.exec("CREATE TABLE IF NOT EXISTS kv (id INTEGER PRIMARY KEY, name TEXT UNIQUE, value TEXT)")
  const insert = db.prepare("INSERT INTO kv (id, name, value) VALUES (?, ?, ?)")
  let rev = 0
  let queue: { name: string; value: string; done: (ok: boolean) => void }[] = []
  const flush = () => {
    const batch = queue
    queue = []
    const results = db.transaction(() =>
      batch.map((w) => {
        try {
          insert.run(++rev, w.name, w.value)
          return true
        } catch {
          return false
        }
      }),
    )()
    batch.forEach((w, i) => w.done(results[i] as boolean))
  }
  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on("data", (c: Buffer) => chunks.push(c))
    req.on("end", () => {
      const pod = JSON.parse(Buffer.concat(chunks).toString("utf8"))
      pod.metadata.uid = crypto.randomUUID()
      pod.metadata.creationTimestamp = new Date().toISOString()
      const value = JSON.stringify(pod)
      if (queue.length === 0) setImmediate(flush)
      queue.push({
        name: `${pod.metadata.namespace}/${pod.metadata.name}`,
        value,
        done: (ok) => {
          pod.metadata.resourceVersion = String(rev)
          const body = JSON.stringify(pod)
          res.writeHead(ok ? 201 : 409, {
            "content-type": "application/json",
            "content-length": Buffer.byteLength(body),
          })
          res.end(body)
        },
      })
    })
  })
  server.keepAliveTimeout = 65_000
  server.listen(0, "127.0.0.1", () => console.log(`PORT ${(server.address() as AddressInfo).port}`))
}

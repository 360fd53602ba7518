/**
 * The API bench's create, in process and over HTTP, in one server process:
 * `node --max-semi-space-size=64 --import tsx bench/_api-inproc-http.ts [creates] [rounds]` starts
 * the API server on a new SQLite store and listens on loopback, then, in turns, sends `creates`
 * pods of `npm run bench -- api` straight to its handler (64 in flight, as an in-process client)
 * and the same number over HTTP from a child process (64 keep-alive clients, as the bench's), and
 * prints for each turn the main thread's CPU µs per create, its page faults and the garbage
 * collector's pause time per create. Both kinds of turn see the same heap and the same spells of
 * a machine whose speed drifts: their difference is what HTTP adds to a create (node:http, the
 * adapters, and the clients competing for the CPUs), which `bench/_api-cpu.ts` cannot tell from
 * the handler's own cost. BENCH_BURN=1 adds a third turn: in process, with a busy process on the
 * other CPU (its 200 ms head start is in that turn's figures).
 */
import { type ChildProcess, fork } from "node:child_process"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { PerformanceObserver } from "node:perf_hooks"
import { type ApiRequest, createApiServer, listen } from "../src/apiserver/index.ts"
import { SqliteStore } from "../src/storage/index.ts"
import { podJson } from "./_http.ts"
import { mainThreadStat } from "./_proc-stat.ts"

const COUNT = Number(process.argv[2] ?? 8000)
const ROUNDS = Number(process.argv[3] ?? 3)
const CLIENTS = 64

let gcMs = 0
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) gcMs += e.duration
}).observe({ entryTypes: ["gc"] })

const dir = mkdtempSync(join(tmpdir(), "k8ts-inproc-http-"))
const stop = new AbortController()
const children: ChildProcess[] = []
try {
  const store = SqliteStore.open(join(dir, "state.db"), { compactIntervalMs: 0 })
  const api = createApiServer({ store })
  void api.run(stop.signal)
  await api.ready()
  const srv = await listen(api, { host: "127.0.0.1", port: 0 })
  const url = `http://127.0.0.1:${srv.port}/api/v1/namespaces/default/pods`

  // In process: the request an HTTP client would send, without the socket (and, as over plain
  // HTTP without credentials, anonymous: authentication runs as for a socket). Its bodies are made
  // before the turn is timed: the clients' work is not the server's.
  const headers: Record<string, string> = {
    "user-agent": "node",
    accept: "*/*",
    "content-type": "application/json",
  }
  const inProcess = (prefix: string) => {
    const bodies = Array.from({ length: COUNT }, (_, i) => Buffer.from(podJson(`${prefix}-${i}`)))
    return async () => {
      let next = 0
      await Promise.all(
        Array.from({ length: CLIENTS }, async () => {
          while (next < COUNT) {
            const body = bodies[next++] as Buffer
            const req: ApiRequest = {
              method: "POST",
              path: "/api/v1/namespaces/default/pods",
              query: new URLSearchParams(),
              header: (n) => headers[n.toLowerCase()],
              body: () => Promise.resolve(body),
              signal: stop.signal,
            }
            const res = await api.handle(req)
            if (res.status !== 201) throw new Error(`create failed: ${res.status}`)
          }
        }),
      )
    }
  }

  // Over HTTP: a child process with the bench's clients, told what to send by message.
  writeFileSync(
    join(dir, "client.mts"),
    `const { agent, podJson, send } = await import(${JSON.stringify(join(import.meta.dirname, "_http.ts"))})
process.on("message", async ({ prefix, count }) => {
  const a = agent(${CLIENTS})
  let next = 0
  await Promise.all(Array.from({ length: ${CLIENTS} }, async () => {
    while (next < count) {
      const res = await send(a, ${JSON.stringify(url)}, "POST", podJson(prefix + "-" + next++))
      if (res.status !== 201) throw new Error("create failed: " + res.status + " " + res.body.slice(0, 200))
    }
  }))
  a.destroy()
  process.send("done")
})
`,
  )
  const client = fork(join(dir, "client.mts"), [], { execArgv: ["--import", "tsx"] })
  children.push(client)
  const clientExit = new Promise<never>((_, reject) =>
    client.once("exit", (code) => reject(new Error(`the client process exited with ${code}`))),
  )
  clientExit.catch(() => {}) // rejected at the end too, when nothing waits for it
  const overHttp = (prefix: string) => async () => {
    const done = new Promise((r) => client.once("message", r))
    client.send({ prefix, count: COUNT })
    await Promise.race([done, clientExit])
  }

  // A busy process on the other CPU: JSON in and out, as the clients' work is.
  writeFileSync(
    join(dir, "burn.mjs"),
    `const o = { items: Array.from({ length: 200 }, (_, i) => ({ name: "x" + i, value: "v".repeat(40), n: i })) }
let n = 0
for (;;) n += JSON.parse(JSON.stringify(o)).items.length
`,
  )
  const burning = (prefix: string) => {
    const run = inProcess(prefix)
    return async () => {
      const burner = fork(join(dir, "burn.mjs"))
      children.push(burner)
      try {
        await new Promise((r) => setTimeout(r, 200))
        await run()
      } finally {
        burner.kill()
      }
    }
  }

  /** Each turn: made ready for the pods named `<prefix>-<i>`, then run (the part timed). */
  const turns: [string, (prefix: string) => () => Promise<void>][] = [
    ["in process", inProcess],
    ["over HTTP", overHttp],
    ...(process.env.BENCH_BURN ? [["in process, CPU busy", burning] as [string, typeof burning]] : []),
  ]
  // A warm-up of each, not printed: new code paths compiled, the heap grown.
  await inProcess("warm-a")()
  await overHttp("warm-b")()
  for (let round = 0; round < ROUNDS; round++) {
    for (const [label, turn] of turns) {
      const run = turn(`r${round}-${label.toLowerCase().replace(/\W+/g, "-")}`)
      const m0 = mainThreadStat()
      const gc0 = gcMs
      const t0 = performance.now()
      await run()
      const wall = performance.now() - t0
      const m1 = mainThreadStat()
      const cpuMs = m1.userMs + m1.systemMs - m0.userMs - m0.systemMs
      console.log(
        `${label.padEnd(22)} main thread ${((cpuMs * 1000) / COUNT).toFixed(1)} µs CPU/create, ${((m1.minorFaults - m0.minorFaults) / COUNT).toFixed(2)} faults/create, GC pauses ${(((gcMs - gc0) * 1000) / COUNT).toFixed(1)} µs/create, ${((COUNT * 1000) / wall).toFixed(0)} creates/s`,
      )
    }
  }
  await srv.close()
} finally {
  stop.abort()
  for (const c of children) if (c.exitCode === null) c.kill()
  rmSync(dir, { recursive: true, force: true })
}
process.exit(0)

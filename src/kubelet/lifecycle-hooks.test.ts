import assert from "node:assert/strict"
import { createServer, type Server } from "node:http"
import type { AddressInfo } from "node:net"
import { after, before, test } from "node:test"
import type { Pod } from "kubernetes-types/core/v1.js"
import { runHook } from "./lifecycle-hooks.ts"
import { runProbe } from "./probes.ts"
import type { ContainerRuntime, ExecResult } from "./runtime/runtime.ts"

let server: Server
let port = 0
const seen: { path?: string; agent?: string }[] = []

before(async () => {
  server = createServer((req, res) => {
    seen.push({
      ...(req.url ? { path: req.url } : {}),
      ...(req.headers["user-agent"] ? { agent: req.headers["user-agent"] } : {}),
    })
    res.writeHead(500).end("no")
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  port = (server.address() as AddressInfo).port
})
after(() => new Promise<void>((resolve) => server.close(() => resolve())))

const pod: Pod = { metadata: { name: "p", namespace: "ns", uid: "u1" } }
const target = { pod, container: { name: "app" }, id: "c1", podIP: "127.0.0.1" }
const execAnswering = (r: ExecResult) => ({ exec: () => Promise.resolve(r) }) as unknown as ContainerRuntime
const none = {} as ContainerRuntime

/** A port nothing listens on: one the server had, closed. */
async function closedPort(): Promise<number> {
  const s = createServer()
  await new Promise<void>((resolve) => s.listen(0, "127.0.0.1", resolve))
  const p = (s.address() as AddressInfo).port
  await new Promise<void>((resolve) => s.close(() => resolve()))
  return p
}

test("an HTTP hook that gets any answer succeeds (upstream checks no status code)", async () => {
  const failure = await runHook(none, target, { httpGet: { path: "/hook", port } })
  assert.equal(failure, undefined)
  assert.deepEqual(seen.at(-1), { path: "/hook", agent: "kube-lifecycle/1.35" })
})

test("an HTTP hook that gets no answer fails with upstream's message and Go's dial error", async () => {
  const p = await closedPort()
  const failure = await runHook(none, target, { httpGet: { path: "/hook", port: p } })
  assert.equal(
    failure,
    `HTTP lifecycle hook (/hook) for Container "app" in Pod "p_ns(u1)" failed - error: Get "http://127.0.0.1:${p}/hook": dial tcp 127.0.0.1:${p}: connect: connection refused`,
  )
})

test("an exec hook that exits non-zero fails with the command, its code and its output", async () => {
  const rt = execAnswering({ exitCode: 2, stdout: "out\n", stderr: "err\n" })
  const failure = await runHook(rt, target, { exec: { command: ["sh", "-c", "exit 2"] } })
  assert.equal(
    failure,
    `Exec lifecycle hook ([sh -c exit 2]) for Container "app" in Pod "p_ns(u1)" failed - error: command 'sh -c exit 2' exited with 2: err\n, message: "out\\nerr\\n"`,
  )
  assert.equal(
    await runHook(execAnswering({ exitCode: 0, stdout: "", stderr: "" }), target, {
      exec: { command: ["true"] },
    }),
    undefined,
  )
})

test("a sleep hook ends at the hook's bound (a preStop within the grace period)", async () => {
  assert.equal(await runHook(none, { ...target, timeoutMs: 5 }, { sleep: { seconds: 30 } }), undefined)
})

test("HTTP and TCP probes word a refused connection as Go does", async () => {
  const p = await closedPort()
  const container = { name: "app" }
  const http = await runProbe(
    none,
    { id: "c1", container, podIP: "127.0.0.1" },
    { httpGet: { path: "/healthz", port: p } },
  )
  assert.deepEqual(http, {
    ok: false,
    message: `Get "http://127.0.0.1:${p}/healthz": dial tcp 127.0.0.1:${p}: connect: connection refused`,
  })
  const tcp = await runProbe(none, { id: "c1", container, podIP: "127.0.0.1" }, { tcpSocket: { port: p } })
  assert.deepEqual(tcp, { ok: false, message: `dial tcp 127.0.0.1:${p}: connect: connection refused` })
})

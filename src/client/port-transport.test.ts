import assert from "node:assert/strict"
import { after, describe, test } from "node:test"
import { MessageChannel, type MessagePort } from "node:worker_threads"
import { ConfigMaps } from "../api/index.ts"
import { describeClient, take } from "./client.case.ts"
import type { InProcessHandler, InProcessRequest } from "./in-process-client.ts"
import { servePort } from "./port-server.ts"
import { PORT_SHARED_LINES, PORT_STREAM_WINDOW, PortClient, portTransport } from "./port-transport.ts"
import { readText, watchEvents } from "./_wire.ts"

/** Every port the tests open, closed once they are done (an open port keeps the process alive). */
const opened: MessagePort[] = []
after(() => {
  for (const port of opened) port.close()
})

/** A fresh channel whose ports are closed after the tests. */
function channel(): MessageChannel {
  const ch = new MessageChannel()
  opened.push(ch.port1, ch.port2)
  return ch
}

/** A transport and its server on the two ends of a fresh channel. */
function pair(handle: InProcessHandler) {
  const { port1, port2 } = channel()
  const stop = servePort(port1, handle)
  const send = portTransport(port2)
  return { send, stop, client: port2 }
}

const get = (path: string, signal?: AbortSignal) => ({
  method: "GET",
  path,
  query: new URLSearchParams("watch=true&x=1"),
  headers: { accept: "application/json" },
  ...(signal ? { signal } : {}),
})

describeClient("PortClient", (env) => {
  const { port1, port2 } = channel()
  servePort(port1, env.api.handle)
  return new PortClient(port2)
})

describe("port transport", () => {
  test("carries the request and answers with the handler's status, type and body", async () => {
    let seen: InProcessRequest | undefined
    let body = ""
    const { send } = pair(async (req) => {
      seen = req
      body = (await req.body()).toString()
      return { status: 201, headers: { "Content-Type": "application/json" }, body: '{"ok":true}' }
    })
    const res = await send({ ...get("/api/v1/pods"), method: "POST", body: "héllo" })
    assert.equal(res.status, 201)
    assert.equal(res.contentType, "application/json")
    assert.equal(await readText(res), '{"ok":true}')
    assert.equal(seen?.path, "/api/v1/pods")
    assert.equal(seen?.query.get("x"), "1")
    assert.equal(seen?.header("Accept"), "application/json")
    assert.equal(seen?.user?.name, "system:apiserver")
    assert.equal(body, "héllo")
  })

  test("big bodies both ways arrive whole", async () => {
    const big = "x".repeat(3 * 1024 * 1024) + "é"
    const { send } = pair(async (req) => ({
      status: 200,
      headers: {},
      chunks: [await req.body(), Buffer.from("!")],
    }))
    const res = await send({ ...get("/big"), method: "PUT", body: big })
    assert.equal(await readText(res), big + "!")
  })

  test("text crosses as UTF-8 bytes in the batch's buffer, both ways, and decodes whole", async () => {
    let raw: Buffer | undefined
    const { port1, port2 } = channel()
    const posted: unknown[] = []
    port2.on("message", (batch: { msgs: unknown[] }) => posted.push(...batch.msgs))
    servePort(port1, async (req) => {
      raw = await req.body()
      async function* parts() {
        yield "é1\n"
        yield "ü2\n"
      }
      return req.method === "POST"
        ? { status: 200, headers: {}, body: "réponse ✓" }
        : { status: 200, headers: {}, stream: parts() }
    })
    const send = portTransport(port2)
    const res = await send({ ...get("/text"), method: "POST", body: "requête ✓" })
    const chunks: (string | Uint8Array)[] = []
    for await (const c of res.body) chunks.push(c)
    assert.ok(chunks.every((c) => c instanceof Uint8Array))
    assert.equal(Buffer.concat(chunks as Uint8Array[]).toString(), "réponse ✓")
    assert.ok(raw instanceof Buffer)
    assert.equal(raw.toString(), "requête ✓")
    assert.equal(await readText(await send(get("/stream"))), "é1\nü2\n")
    // No message carries text of a body: only spans of the buffer.
    assert.ok(!JSON.stringify(posted).includes("ponse"), JSON.stringify(posted))
  })

  test("a handler that throws fails the request", async () => {
    const { send } = pair(() => Promise.reject(new Error("handler broke")))
    await assert.rejects(send(get("/x")), /handler broke/)
  })

  test("streams chunk by chunk past the window, and the stream's end ends the body", async () => {
    const n = PORT_STREAM_WINDOW * 5
    async function* lines() {
      for (let i = 0; i < n; i++) {
        yield Buffer.from(`{"i":${i}}\n`)
        // Each in its own turn, so each goes out as its own message.
        await new Promise((r) => setImmediate(r))
      }
    }
    const { send } = pair(async () => ({ status: 200, headers: {}, stream: lines() }))
    const res = await send(get("/watch"))
    const text = await readText(res)
    assert.equal(text.split("\n").filter(Boolean).length, n)
  })

  test("a slow reader holds the stream back to the window", async () => {
    let produced = 0
    async function* endless() {
      for (;;) {
        produced++
        yield "line\n"
        await new Promise((r) => setImmediate(r))
      }
    }
    const ac = new AbortController()
    const { send } = pair(async () => ({ status: 200, headers: {}, stream: endless() }))
    const res = await send(get("/watch", ac.signal))
    const it = res.body[Symbol.asyncIterator]()
    await it.next()
    for (let i = 0; i < 200; i++) await new Promise((r) => setImmediate(r))
    assert.ok(produced <= PORT_STREAM_WINDOW + 2, `produced ${produced}`)
    ac.abort()
    assert.deepEqual(await it.next(), { done: true, value: undefined })
  })

  test("aborting a watch aborts the handler's request and ends the body", async () => {
    let aborted: Promise<void> | undefined
    const { send } = pair(async (req) => {
      aborted = new Promise((r) => req.signal.addEventListener("abort", () => r(), { once: true }))
      async function* events() {
        yield '{"type":"ADDED"}\n'
        await aborted
      }
      return { status: 200, headers: {}, stream: events() }
    })
    const ac = new AbortController()
    const res = await send(get("/watch", ac.signal))
    const it = res.body[Symbol.asyncIterator]()
    assert.equal((await it.next()).done, false)
    const next = it.next()
    ac.abort()
    assert.deepEqual(await next, { done: true, value: undefined })
    await aborted
  })

  test("an abort before the answer rejects and aborts the handler", async () => {
    let handlerSignal: AbortSignal | undefined
    const { send } = pair(
      (req) =>
        new Promise((resolve) => {
          handlerSignal = req.signal
          req.signal.addEventListener("abort", () => resolve({ status: 200, headers: {} }))
        }),
    )
    const ac = new AbortController()
    const p = send(get("/slow", ac.signal))
    while (!handlerSignal) await new Promise((r) => setImmediate(r))
    ac.abort(new Error("gave up"))
    await assert.rejects(p, /gave up/)
    for (let i = 0; i < 10 && !handlerSignal.aborted; i++) await new Promise((r) => setImmediate(r))
    assert.equal(handlerSignal.aborted, true)
  })

  test("a stream that breaks fails the body; the port closing fails requests in flight", async () => {
    async function* broken() {
      yield "a\n"
      await new Promise((r) => setImmediate(r))
      throw new Error("store gone")
    }
    const one = pair(async () => ({ status: 200, headers: {}, stream: broken() }))
    await assert.rejects(readText(await one.send(get("/watch"))), /store gone/)

    const two = pair(() => new Promise(() => {}))
    const p = two.send(get("/never"))
    two.stop()
    await assert.rejects(p, /port closed/)
  })

  test("PortClient watches through the port", async () => {
    const { startClientEnv } = await import("../testing/index.ts")
    const env = await startClientEnv()
    try {
      const { port1, port2 } = channel()
      const stop = servePort(port1, env.api.handle)
      const client = new PortClient(port2)
      const ac = new AbortController()
      const events = client.resource(ConfigMaps).watch({ namespace: "default" }, ac.signal)
      const got = take(events, 2)
      for (const name of ["a", "b"]) {
        await env.inProcess
          .resource(ConfigMaps)
          .create({ apiVersion: "v1", kind: "ConfigMap", metadata: { name, namespace: "default" } })
      }
      assert.deepEqual(
        (await got).map((e) => [e.type, e.object.metadata?.name]),
        [
          ["ADDED", "a"],
          ["ADDED", "b"],
        ],
      )
      ac.abort()
      stop()
    } finally {
      await env.stop()
    }
  })

  test("clients sharing a port are told apart by handlerFor, and share each watch event", async () => {
    const { startClientEnv } = await import("../testing/index.ts")
    const env = await startClientEnv()
    try {
      const { port1, port2 } = channel()
      const asked: string[] = []
      const stop = servePort(port1, env.api.handle, {
        handlerFor: (from) => (req) => {
          asked.push(from)
          return env.api.handle(req)
        },
      })
      const [a, b] = ["a", "b"].map((from) => new PortClient(port2, { from }))
      const ac = new AbortController()
      const got = [a, b].map((c) =>
        take(c!.resource(ConfigMaps).watch({ namespace: "default" }, ac.signal), 1),
      )
      await env.inProcess
        .resource(ConfigMaps)
        .create({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "shared", namespace: "default" } })
      const [ea, eb] = (await Promise.all(got)).map((events) => events[0])
      assert.equal(ea?.object.metadata?.name, "shared")
      // One line crossed, parsed once for both watches.
      assert.equal(ea, eb)
      assert.deepEqual(asked.sort(), ["a", "b"])
      ac.abort()
      stop()
    } finally {
      await env.stop()
    }
  })

  test("a shared line sent long ago crosses again, whole", async () => {
    const again = Buffer.from('{"again":true}\n')
    async function* lines() {
      yield again
      // Enough other lines that the client no longer keeps the first.
      for (let i = 0; i < PORT_SHARED_LINES; i++) yield Buffer.from(`{"i":${i}}\n`)
      yield again
    }
    const { send } = pair(async () => ({ status: 200, headers: {}, stream: lines() }))
    const seen: unknown[] = []
    for await (const ev of watchEvents((await send(get("/watch"))).body)) seen.push(ev)
    assert.equal(seen.length, PORT_SHARED_LINES + 2)
    assert.deepEqual(seen.at(-1), { again: true })
    assert.deepEqual(seen.at(-2), { i: PORT_SHARED_LINES - 1 })
  })
})

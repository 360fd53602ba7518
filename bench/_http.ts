/**
 * Small HTTP load helpers shared by the benchmarks (keep-alive agent, timed phases, percentiles,
 * timed watches).
 */
import { Agent, request } from "node:http"
import { connect } from "node:net"

/** A keep-alive agent sized for `n` concurrent clients. */
export function agent(n: number): Agent {
  return new Agent({ keepAlive: true, maxSockets: n, maxFreeSockets: n })
}

/** One HTTP request; resolves with status and body text. */
export async function send(
  a: Agent,
  url: string,
  method: string,
  body?: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: string }> {
  const res = await sendRaw(a, url, method, body, headers)
  return { status: res.status, body: Buffer.concat(res.chunks).toString("utf8") }
}

/** One HTTP request; resolves when the last byte arrived, with the body's chunks as received. */
export function sendRaw(
  a: Agent,
  url: string,
  method: string,
  body?: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; chunks: Buffer[] }> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        agent: a,
        method,
        headers: {
          ...(body
            ? { "content-type": "application/json", "content-length": String(Buffer.byteLength(body)) }
            : {}),
          ...headers,
        },
      },
      (res) => {
        const chunks: Buffer[] = []
        res.on("data", (c: Buffer) => chunks.push(c))
        res.on("end", () => resolve({ status: res.statusCode ?? 0, chunks }))
        res.on("error", reject)
      },
    )
    req.on("error", reject)
    req.end(body)
  })
}

/** The buffer every `receive` reads into (one read at a time: the benchmarks list one by one). */
const READ_BUFFER = Buffer.allocUnsafe(256 * 1024)

/**
 * One GET read to its last byte without keeping the bytes, as a streaming decoder reads (Go's
 * bufio reader under client-go's JSON decoder): on a connection of its own, every read lands in
 * the same buffer. node:http's client instead hands each read over in a fresh 64 KB buffer; on
 * these machines each 4 KB page of fresh memory costs the client ~12-20 us, and how many of a
 * 47 MB answer's pages are fresh depends on its allocator's state: the same server's LIST then
 * read between 30 and 330 ms. Resolves with status, byte count, and ms to the first and the last
 * byte. The answer must have a content-length.
 */
export function receive(
  url: string,
): Promise<{ status: number; bytes: number; firstMs: number; ms: number }> {
  const u = new URL(url)
  const t = performance.now()
  return new Promise((resolve, reject) => {
    let head = ""
    let status = 0
    let length = -1
    let bytes = 0
    let firstMs = 0
    const fail = (err: Error) => {
      socket.destroy()
      reject(err)
    }
    const onRead = (n: number, buf: Buffer): boolean => {
      let body = n
      if (length < 0) {
        head += buf.toString("latin1", 0, n)
        const end = head.indexOf("\r\n\r\n")
        if (end < 0) return true
        firstMs = performance.now() - t
        status = Number(head.slice(9, 12))
        const m = /\r\ncontent-length: *(\d+)/i.exec(head.slice(0, end))
        if (!m) {
          fail(new Error(`GET ${url}: an answer without content-length`))
          return false
        }
        length = Number(m[1])
        body = head.length - end - 4
      }
      bytes += body
      if (bytes >= length) {
        socket.destroy()
        resolve({ status, bytes, firstMs, ms: performance.now() - t })
      }
      return true
    }
    const socket = connect({
      host: u.hostname,
      port: Number(u.port),
      onread: { buffer: READ_BUFFER, callback: onRead },
    })
    socket.on("error", fail)
    socket.on("end", () => fail(new Error(`GET ${url}: closed after ${bytes} of ${length} bytes`)))
    socket.write(
      `GET ${u.pathname}${u.search} HTTP/1.1\r\nHost: ${u.host}\r\nAccept: application/json\r\nConnection: close\r\n\r\n`,
    )
  })
}

/** The p-th percentile (0..100) of `xs` (sorted in place). */
export function percentile(xs: number[], p: number): number {
  if (xs.length === 0) return 0
  xs.sort((a, b) => a - b)
  return xs[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))] as number
}

/** Runs `workers` loops calling `op` until `ms` pass; returns ops/s and per-op latencies in ms. */
export async function timed(
  workers: number,
  ms: number,
  op: (i: number) => Promise<void>,
): Promise<{ rate: number; lat: number[]; n: number }> {
  const end = performance.now() + ms
  const lat: number[] = []
  let n = 0
  const start = performance.now()
  await Promise.all(
    Array.from({ length: workers }, async () => {
      while (performance.now() < end) {
        const t = performance.now()
        await op(n++)
        lat.push(performance.now() - t)
      }
    }),
  )
  const secs = (performance.now() - start) / 1000
  return { rate: lat.length / secs, lat, n: lat.length }
}

/**
 * Starts `op` at `rate` per second for `ms`, open loop (each on time, whether or not earlier ones
 * finished); each latency counts from when its op was due, so a stall shows in every op it delays.
 */
export async function paced(
  rate: number,
  ms: number,
  op: (i: number) => Promise<void>,
): Promise<{ rate: number; lat: number[]; n: number }> {
  const lat: number[] = []
  const running: Promise<void>[] = []
  const start = performance.now()
  let n = 0
  for (;;) {
    const elapsed = performance.now() - start
    const due = Math.min(Math.floor((elapsed / 1000) * rate), Math.floor((ms / 1000) * rate))
    for (; n < due; n++) {
      const dueAt = start + (n / rate) * 1000
      running.push(op(n).then(() => void lat.push(performance.now() - dueAt)))
    }
    if (elapsed >= ms) break
    await new Promise((r) => setTimeout(r, 1))
  }
  await Promise.all(running)
  return { rate: n / (ms / 1000), lat, n }
}

/** A pod of about 3 KB, as the benchmarks create. */
export function podJson(name: string, namespace = "default"): string {
  return JSON.stringify({
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name,
      namespace,
      labels: { app: "bench", tier: "backend", "pod-template-hash": "7c5ddbdf54" },
      annotations: { "k8ts.io/note": "x".repeat(1200) },
    },
    spec: {
      containers: [
        {
          name: "app",
          image: "registry.k8s.io/pause:3.10",
          ports: [{ containerPort: 8080, protocol: "TCP" }],
          env: Array.from({ length: 10 }, (_, i) => ({
            name: `ENV_${i}`,
            value: `value-${i}-${"v".repeat(40)}`,
          })),
          resources: { requests: { cpu: "100m", memory: "64Mi" }, limits: { cpu: "200m", memory: "128Mi" } },
        },
      ],
      restartPolicy: "Always",
    },
  })
}

/**
 * A ConfigMap `w-<i>` stamped with when it was sent (this process's clock, ms since the epoch, in
 * its `sent` annotation), for openWatch to time its delivery.
 */
export function stampedConfigMap(i: number): string {
  return JSON.stringify({
    metadata: { name: `w-${i}`, annotations: { sent: String(performance.timeOrigin + performance.now()) } },
  })
}

/** How openWatch reads its events. */
export interface WatchReading {
  /**
   * Every event decoded whole, as a client library decodes it. Otherwise each event's type and
   * `sent` stamp are found in its bytes and one event in 100 is decoded whole to check them.
   */
  readonly decode: boolean
}

const SENT = Buffer.from('"sent":"')
const ADDED = Buffer.from('"type":"ADDED"')

/** The `sent` stamp (stampedConfigMap) of the event in `buf` from `start` to `end`, or NaN. */
function scanSent(buf: Buffer, start: number, end: number): number {
  if (buf.subarray(start, Math.min(end, start + 32)).indexOf(ADDED) < 0) return NaN
  const at = buf.indexOf(SENT, start)
  if (at < 0 || at >= end) return NaN
  const from = at + SENT.length
  return Number(buf.toString("latin1", from, buf.indexOf(34, from)))
}

/** The `sent` stamp of an ADDED event decoded whole, or NaN. */
function decodedSent(line: string): number {
  const ev = JSON.parse(line) as {
    type: string
    object: { metadata?: { annotations?: Record<string, string> } }
  }
  return ev.type === "ADDED" ? Number(ev.object.metadata?.annotations?.sent) : NaN
}

/**
 * HTTP/1.1 chunked transfer decoding of a body read from a socket: `feed` takes the bytes as they
 * arrive and hands `line` each complete newline-terminated line of the body (without its newline).
 */
class ChunkedLines {
  #raw: Buffer | undefined
  /** Bytes of the current chunk still to come, or -1 while a chunk-size line is due. */
  #left = -1
  #line: Buffer[] = []

  constructor(private readonly line: (buf: Buffer, start: number, end: number) => void) {}

  feed(chunk: Buffer): void {
    const raw = this.#raw ? Buffer.concat([this.#raw, chunk]) : chunk
    let at = 0
    for (;;) {
      if (this.#left < 0) {
        const eol = raw.indexOf("\r\n", at)
        if (eol < 0) break
        this.#left = parseInt(raw.toString("latin1", at, eol), 16)
        at = eol + 2
        if (this.#left === 0) return
      }
      if (raw.length - at < this.#left + 2) break
      this.#data(raw, at, at + this.#left)
      at += this.#left + 2
      this.#left = -1
    }
    this.#raw = at < raw.length ? raw.subarray(at) : undefined
  }

  #data(raw: Buffer, start: number, end: number): void {
    let nl: number
    while (start < end && (nl = raw.indexOf(10, start)) >= 0 && nl < end) {
      if (this.#line.length) {
        const joined = Buffer.concat([...this.#line, raw.subarray(start, nl)])
        this.#line = []
        this.line(joined, 0, joined.length)
      } else this.line(raw, start, nl)
      start = nl + 1
    }
    if (start < end) this.#line.push(Buffer.from(raw.subarray(start, end)))
  }
}

/**
 * Opens a watch whose ADDED events of stamped objects (stampedConfigMap) each call `delivered` with
 * the object's send time and its delivery latency in ms, the time the bytes ending it were read.
 * The watch is read from a socket as a streaming client reads it (HTTP/1.1, chunked), not by
 * node:http's client, whose parser and streams cost more than the server's delivery; with
 * `decode: false` the events are not decoded either (but one in 100, checked against the scan):
 * one process decoding 100 streams of 1,000 events/s spends most of a CPU on it, so on a small
 * machine the watchers, not the server, would set the latency.
 */
export function openWatch(
  url: string,
  delivered: (sentAt: number, lat: number) => void,
  reading: WatchReading = { decode: true },
): Promise<{ destroy(): void }> {
  const u = new URL(url)
  return new Promise((resolve, reject) => {
    let now = 0
    let events = 0
    const body = new ChunkedLines((buf, start, end) => {
      let sentAt: number
      if (reading.decode || events++ % 100 === 0) {
        sentAt = decodedSent(buf.toString("utf8", start, end))
        const scanned = reading.decode ? sentAt : scanSent(buf, start, end)
        if (!Object.is(scanned, sentAt)) throw new Error(`watch event misread: ${scanned} for ${sentAt}`)
      } else sentAt = scanSent(buf, start, end)
      if (sentAt) delivered(sentAt, now - sentAt)
    })
    let head: Buffer | undefined = Buffer.alloc(0)
    const socket = connect({ host: u.hostname, port: Number(u.port) })
    socket.on("data", (chunk: Buffer) => {
      now = performance.timeOrigin + performance.now()
      if (!head) return body.feed(chunk)
      head = Buffer.concat([head, chunk])
      const end = head.indexOf("\r\n\r\n")
      if (end < 0) return
      const text = head.toString("latin1", 0, end)
      const rest = head.subarray(end + 4)
      head = undefined
      if (!/^HTTP\/1\.1 200 /.test(text) || !/^transfer-encoding: *chunked/im.test(text)) {
        socket.destroy()
        return reject(new Error(`watch ${url}: ${text.split("\r\n")[0]}, not a chunked 200`))
      }
      resolve({ destroy: () => socket.destroy() })
      if (rest.length) body.feed(rest)
    })
    socket.on("error", (err) => (head ? reject(err) : undefined))
    socket.write(
      `GET ${u.pathname}${u.search} HTTP/1.1\r\nHost: ${u.host}\r\nAccept: application/json\r\n\r\n`,
    )
  })
}

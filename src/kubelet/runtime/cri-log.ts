/**
 * Container logs in the CRI log format the kubelet reads (`<RFC3339Nano> <stream> <F|P> <text>`):
 * a writer that stamps each line of a process's stdout and stderr, and a reader that turns the
 * file back into what `kubectl logs` prints (tail, since, timestamps, byte limits, follow).
 */
import {
  closeSync,
  createReadStream,
  existsSync,
  fstatSync,
  openSync,
  readFileSync,
  statSync,
  writeSync,
} from "node:fs"
import { pause } from "../../util/index.ts"

/** Longest line written as one record; longer ones are split into partial (P) records. */
const MAX_RECORD = 16 * 1024

/** RFC 3339 with nanoseconds, as the CRI log writes it. */
export function rfc3339Nano(ms: number, extraNanos = 0): string {
  const iso = new Date(ms).toISOString() // 2026-01-02T03:04:05.678Z
  const nanos = String((ms % 1000) * 1_000_000 + extraNanos).padStart(9, "0")
  return `${iso.slice(0, 19)}.${nanos}Z`
}

/**
 * Appends stamped records to one log file. When the kubelet rotates the file (renames it), the
 * writer notices at its next chunk and reopens the path (upstream's ReopenContainerLog).
 */
export class CriLogWriter {
  readonly #path: string
  #fd: number
  #ino: number
  readonly #pending: Record<"stdout" | "stderr", string> = { stdout: "", stderr: "" }
  #seq = 0

  constructor(path: string) {
    this.#path = path
    this.#fd = openSync(path, "a")
    this.#ino = fstatSync(this.#fd).ino
  }

  /** Closes the file and opens the path anew (after a rotation renamed it). */
  reopen(): void {
    closeSync(this.#fd)
    this.#fd = openSync(this.#path, "a")
    this.#ino = fstatSync(this.#fd).ino
  }

  /** Reopens the path when the file was renamed away (one stat per chunk of output). */
  #followRotation(): void {
    const st = statSync(this.#path, { throwIfNoEntry: false })
    if (!st || st.ino !== this.#ino) this.reopen()
  }

  /** Writes a chunk of a stream; complete lines go out at once, a trailing part waits. */
  write(stream: "stdout" | "stderr", chunk: Buffer | string): void {
    this.#followRotation()
    let text = this.#pending[stream] + chunk.toString()
    let nl = text.indexOf("\n")
    while (nl >= 0) {
      this.#record(stream, "F", text.slice(0, nl))
      text = text.slice(nl + 1)
      nl = text.indexOf("\n")
    }
    while (text.length > MAX_RECORD) {
      this.#record(stream, "P", text.slice(0, MAX_RECORD))
      text = text.slice(MAX_RECORD)
    }
    this.#pending[stream] = text
  }

  /** Writes what is left of each stream (a last line without a newline) and closes the file. */
  close(): void {
    for (const s of ["stdout", "stderr"] as const) {
      if (this.#pending[s]) this.#record(s, "P", this.#pending[s])
      this.#pending[s] = ""
    }
    closeSync(this.#fd)
  }

  #record(stream: string, tag: "F" | "P", text: string): void {
    writeSync(this.#fd, `${rfc3339Nano(Date.now(), this.#seq++ % 1000)} ${stream} ${tag} ${text}\n`)
  }
}

/** What `kubectl logs` asks for. */
export interface LogReadOptions {
  readonly tailLines?: number
  /** Only records at or after this time (ms since the epoch). */
  readonly sinceMs?: number
  readonly timestamps?: boolean
  readonly limitBytes?: number
}

interface Entry {
  readonly time: string
  readonly text: string
  readonly full: boolean
}

function parseLine(line: string): Entry | undefined {
  const a = line.indexOf(" ")
  const b = line.indexOf(" ", a + 1)
  const c = line.indexOf(" ", b + 1)
  if (a < 0 || b < 0 || c < 0) return undefined
  return { time: line.slice(0, a), text: line.slice(c + 1), full: line.slice(b + 1, c) === "F" }
}

/** Joins partial records into lines and renders them as `kubectl logs` prints them. */
function render(entries: Entry[], opts: LogReadOptions): string[] {
  const out: string[] = []
  let cur = ""
  let first: string | undefined
  for (const e of entries) {
    if (opts.sinceMs !== undefined && Date.parse(e.time) < opts.sinceMs) continue
    first ??= e.time
    cur += e.text
    if (e.full) {
      out.push(opts.timestamps ? `${first} ${cur}\n` : `${cur}\n`)
      cur = ""
      first = undefined
    }
  }
  if (cur) out.push(opts.timestamps ? `${first} ${cur}` : cur)
  return out
}

/** The log as text, once. */
export function readLog(path: string, opts: LogReadOptions = {}): string {
  if (!existsSync(path)) return ""
  const entries = readFileSync(path, "utf8")
    .split("\n")
    .filter(Boolean)
    .map(parseLine)
    .filter((e): e is Entry => !!e)
  let lines = render(entries, opts)
  if (opts.tailLines !== undefined) lines = opts.tailLines <= 0 ? [] : lines.slice(-opts.tailLines)
  const text = lines.join("")
  return opts.limitBytes !== undefined ? Buffer.from(text).subarray(0, opts.limitBytes).toString() : text
}

/**
 * The log, then every record appended after (following the path onto a new file when the log
 * is rotated), until `isDone()` says the writer is finished (and
 * the file has been read to its end) or `signal` aborts.
 */
export async function* followLog(
  path: string,
  opts: LogReadOptions & { readonly isDone: () => boolean; readonly pollMs?: number },
  signal: AbortSignal,
): AsyncGenerator<string> {
  const initial = readLog(path, opts)
  if (initial) yield initial
  const first = statSync(path, { throwIfNoEntry: false })
  let offset = first?.size ?? 0
  let ino = first?.ino
  let carry = ""
  let sent = Buffer.byteLength(initial)
  while (!signal.aborted) {
    const st = statSync(path, { throwIfNoEntry: false })
    if (st && ino !== undefined && st.ino !== ino) {
      // Rotated: the path is a new file now; follow it from its start.
      offset = 0
      carry = ""
    }
    ino = st?.ino ?? ino
    const size = st?.size ?? 0
    if (size > offset) {
      const chunk = await readRange(path, offset, size)
      offset = size
      const lines = (carry + chunk).split("\n")
      carry = lines.pop() ?? ""
      const entries = lines.map(parseLine).filter((e): e is Entry => !!e)
      const text = render(entries, { ...opts, tailLines: undefined }).join("")
      if (text) {
        if (opts.limitBytes !== undefined && sent + Buffer.byteLength(text) > opts.limitBytes) {
          yield Buffer.from(text)
            .subarray(0, opts.limitBytes - sent)
            .toString()
          return
        }
        sent += Buffer.byteLength(text)
        yield text
      }
      continue
    }
    if (opts.isDone()) return
    await pause(opts.pollMs ?? 100, signal)
  }
}

function readRange(path: string, start: number, end: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = []
    createReadStream(path, { start, end: end - 1 })
      .on("data", (d) => parts.push(d as Buffer))
      .on("end", () => resolve(Buffer.concat(parts).toString("utf8")))
      .on("error", reject)
  })
}

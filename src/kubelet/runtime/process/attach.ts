/**
 * kubectl attach for the process runtime. The container's output is read back from its CRI log
 * as its shim writes it, and its input goes into the stdin FIFO the shim keeps open: neither
 * goes through the kubelet's own pipes, so a container a restarted kubelet adopted can be
 * attached to as well.
 */
import { closeSync, constants, openSync, readSync, statSync } from "node:fs"
import { Socket } from "node:net"
import { PassThrough, Writable } from "node:stream"
import type { ProcessStreams, StreamOptions } from "../runtime.ts"
import { resizePty } from "./streams.ts"

/** The container attached to. */
export interface AttachTarget {
  /** Its main process (script's, with a terminal). */
  readonly pid: number
  /** Its shim, told to close the container's stdin (SIGUSR1) for stdinOnce. */
  readonly shimPid: number
  readonly logPath: string
  readonly stdinPath?: string
  readonly stdinOnce: boolean
  readonly tty: boolean
  /** Resolves with its exit code, once its shim has written all its output. */
  readonly exited: Promise<number>
  readonly running: () => boolean
}

/** How often the log is read for new output. */
const POLL_MS = 25

/** Follows a CRI log from its current end, handing each record's text to `emit`. */
class LogTail {
  readonly #path: string
  readonly #emit: (stream: string, text: string) => void
  #offset: number
  #ino: number | undefined
  #carry = ""

  constructor(path: string, emit: (stream: string, text: string) => void) {
    this.#path = path
    this.#emit = emit
    const st = statSync(path, { throwIfNoEntry: false })
    this.#offset = st?.size ?? 0
    this.#ino = st?.ino
  }

  /** Reads what was appended since the last read (from the start of a rotated file's successor). */
  read(): void {
    const st = statSync(this.#path, { throwIfNoEntry: false })
    if (!st) return
    if (this.#ino !== undefined && st.ino !== this.#ino) {
      this.#offset = 0
      this.#carry = ""
    }
    this.#ino = st.ino
    if (st.size <= this.#offset) return
    const buf = Buffer.alloc(st.size - this.#offset)
    const fd = openSync(this.#path, "r")
    let got = 0
    try {
      got = readSync(fd, buf, 0, buf.length, this.#offset)
    } finally {
      closeSync(fd)
    }
    this.#offset += got
    const lines = (this.#carry + buf.subarray(0, got).toString("utf8")).split("\n")
    this.#carry = lines.pop() ?? ""
    for (const line of lines) {
      const [, stream, tag, text] = /^\S+ (\S+) ([FP]) (.*)$/s.exec(line) ?? []
      if (stream) this.#emit(stream, tag === "F" ? `${text}\n` : (text ?? ""))
    }
  }
}

/** The container's stdin FIFO opened for writing; undefined when it has none or nobody reads it. */
function openStdin(path: string | undefined): Socket | undefined {
  if (!path) return undefined
  try {
    const fd = openSync(path, constants.O_WRONLY | constants.O_NONBLOCK)
    const sock = new Socket({ fd, readable: false, writable: true })
    sock.on("error", () => {})
    return sock
  } catch {
    return undefined
  }
}

/** Connects to a running container: its output from now on, its stdin, its terminal's size. */
export function attachToContainer(t: AttachTarget, opts: StreamOptions): ProcessStreams {
  const stdout = new PassThrough()
  const stderr = new PassThrough()
  const tail = new LogTail(t.logPath, (stream, text) =>
    (stream === "stderr" && !t.tty ? stderr : stdout).write(text),
  )
  const timer = setInterval(() => tail.read(), POLL_MS)
  let detached = false
  const sock = opts.stdin ? openStdin(t.stdinPath) : undefined
  const letGo = () => {
    if (!sock || sock.destroyed) return
    // stdinOnce: the first attached client's end closes the container's stdin for good.
    if (t.stdinOnce) signalShim(t.shimPid)
    sock.end()
  }
  const detach = () => {
    if (detached) return
    detached = true
    clearInterval(timer)
    tail.read()
    letGo()
    stdout.end()
    stderr.end()
  }
  const exited = t.exited.then((code) => {
    detach()
    return code
  })
  const stdin = sock
    ? new Writable({
        write: (chunk: Buffer, _enc, cb) => {
          if (!sock.destroyed) sock.write(chunk)
          cb()
        },
        final: (cb) => {
          letGo()
          cb()
        },
      })
    : undefined
  let sizes = Promise.resolve()
  return {
    ...(stdin ? { stdin } : {}),
    stdout,
    ...(t.tty ? {} : { stderr }),
    resize: (size) => {
      if (t.tty) sizes = sizes.then(() => resizePty(t.pid, t.running, size))
    },
    exited,
    close: detach,
  }
}

function signalShim(pid: number): void {
  try {
    process.kill(pid, "SIGUSR1")
  } catch {
    // gone
  }
}

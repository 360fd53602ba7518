/**
 * Termination messages, as upstream's kubelet reads them when a container exits: the file
 * mounted at terminationMessagePath (its last 4 KiB), or with FallbackToLogsOnError and a
 * failed exit and no file content, the last 80 lines (at most 2 KiB) of the container's log.
 */
import { closeSync, fstatSync, openSync, readSync } from "node:fs"
import { readLog } from "../runtime/cri-log.ts"
import type { ContainerInfo } from "../runtime/runtime.ts"

/** Upstream's limits. */
const MAX_MESSAGE_BYTES = 4096
const MAX_LOG_LINES = 80
const MAX_LOG_BYTES = 2048

/** Where a container's termination message comes from. */
export interface TerminationSource {
  /** The node file mounted at terminationMessagePath (absent: none was mounted). */
  readonly path?: string
  /** terminationMessagePolicy is FallbackToLogsOnError. */
  readonly fallbackToLogs: boolean
}

/** The last `max` bytes of a file. @throws Error when it cannot be read */
function tail(path: string, max: number): Buffer {
  const fd = openSync(path, "r")
  try {
    const size = fstatSync(fd).size
    const len = Math.min(size, max)
    const buf = Buffer.alloc(len)
    readSync(fd, buf, 0, len, size - len)
    return buf
  } finally {
    closeSync(fd)
  }
}

function fromLogs(logPath: string): string {
  const text = Buffer.from(readLog(logPath, { tailLines: MAX_LOG_LINES }))
  return text.subarray(Math.max(0, text.length - MAX_LOG_BYTES)).toString()
}

/** The termination message of an exited container ("" when there is none). */
export function terminationMessage(info: ContainerInfo, src: TerminationSource): string {
  const fallback = src.fallbackToLogs && info.exitCode !== 0
  if (!src.path) return fallback ? fromLogs(info.logPath) : ""
  let data: Buffer
  try {
    data = tail(src.path, MAX_MESSAGE_BYTES)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return fallback ? fromLogs(info.logPath) : ""
    return `Error on reading termination log ${src.path}: ${(err as Error).message}`
  }
  if (data.length === 0 && fallback) return fromLogs(info.logPath)
  return data.toString()
}

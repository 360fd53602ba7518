/**
 * Container log rotation as upstream's kubelet does it (ContainerLogManager): every 10 s, each
 * running container whose log file has grown past containerLogMaxSize is rotated. Per rotation:
 * leftover temporary files are removed, the oldest rotated files go until there is room for one
 * more (at most containerLogMaxFiles files with the live one), every rotated file but the newest
 * is gzipped (`.gz`), and the live file is renamed `<log>.<YYYYMMDD-hhmmss>`; the runtime's
 * writer then reopens the path. Rotated files of containers the runtime no longer holds are
 * removed.
 */
import {
  createReadStream,
  createWriteStream,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs"
import { basename, dirname, join } from "node:path"
import { pipeline } from "node:stream/promises"
import { createGzip } from "node:zlib"
import { unitValue } from "../../api/index.ts"
import { type Clock, type Logger, realClock, silentLogger } from "../../util/index.ts"
import type { ContainerRuntime } from "../runtime/runtime.ts"

/** Upstream's defaults: 10Mi and 5 files. */
export const DEFAULT_CONTAINER_LOG_MAX_SIZE = "10Mi"
export const DEFAULT_CONTAINER_LOG_MAX_FILES = 5
/** How often the logs are looked at (upstream's containerLogMonitorInterval). */
const MONITOR_INTERVAL_MS = 10_000

const TMP_SUFFIX = ".tmp"
const GZ_SUFFIX = ".gz"

/** Options of ContainerLogManager. */
export interface ContainerLogManagerOptions {
  readonly runtime: ContainerRuntime
  /** A quantity ("10Mi") or bytes. */
  readonly maxSize?: string | number
  /** At least 2: the live file and one rotated. */
  readonly maxFiles?: number
  readonly clock?: Clock
  readonly log?: Logger
}

/** Checks the options as upstream's kubelet config validation does. @throws Error */
export function validateLogPolicy(maxSize: string | number, maxFiles: number): number {
  const bytes = typeof maxSize === "number" ? maxSize : unitValue(maxSize)
  if (!(bytes > 0)) throw new Error(`invalid container log max size "${maxSize}"`)
  if (!Number.isInteger(maxFiles) || maxFiles < 2)
    throw new Error("containerLogMaxFiles must be greater than 1")
  return bytes
}

/** `YYYYMMDD-hhmmss` in UTC (Go's "20060102-150405"). */
export function rotationStamp(ms: number): string {
  return new Date(ms).toISOString().replace(/[-:]/g, "").replace("T", "-").slice(0, 15)
}

/** The rotated files of `log` (`<log>.<stamp>[.gz][.tmp]`), oldest first. */
export function rotatedLogs(log: string): string[] {
  const prefix = `${basename(log)}.`
  let names: string[]
  try {
    names = readdirSync(dirname(log))
  } catch {
    return []
  }
  return names
    .filter((n) => n.startsWith(prefix))
    .sort()
    .map((n) => join(dirname(log), n))
}

async function gzip(path: string): Promise<void> {
  const tmp = `${path}${GZ_SUFFIX}${TMP_SUFFIX}`
  await pipeline(createReadStream(path), createGzip(), createWriteStream(tmp))
  renameSync(tmp, `${path}${GZ_SUFFIX}`)
  rmSync(path, { force: true })
}

/** Rotates the containers' logs by size. */
export class ContainerLogManager {
  readonly #o: ContainerLogManagerOptions
  readonly #maxSize: number
  readonly #maxFiles: number
  readonly #clock: Clock
  readonly #log: Logger
  /** Log paths of containers seen, to clean up after them. */
  readonly #seen = new Set<string>()

  constructor(opts: ContainerLogManagerOptions) {
    this.#o = opts
    this.#maxFiles = opts.maxFiles ?? DEFAULT_CONTAINER_LOG_MAX_FILES
    this.#maxSize = validateLogPolicy(opts.maxSize ?? DEFAULT_CONTAINER_LOG_MAX_SIZE, this.#maxFiles)
    this.#clock = opts.clock ?? realClock
    this.#log = opts.log ?? silentLogger()
  }

  /** Rotates every 10 s until `signal` aborts. */
  async run(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      await this.rotateAll().catch((err: unknown) =>
        this.#log.warn({ err: String(err) }, "Failed to rotate container logs"),
      )
      await this.#clock.sleep(MONITOR_INTERVAL_MS, signal).catch(() => {})
    }
  }

  /** One pass: rotate what has grown too big, forget the logs of containers gone. */
  async rotateAll(): Promise<void> {
    const containers = this.#o.runtime.list()
    const live = new Set(containers.map((c) => c.logPath))
    for (const path of this.#seen) {
      if (live.has(path)) continue
      for (const f of rotatedLogs(path)) rmSync(f, { force: true })
      this.#seen.delete(path)
    }
    for (const c of containers) {
      this.#seen.add(c.logPath)
      if (c.state !== "running") continue
      const size = statSync(c.logPath, { throwIfNoEntry: false })?.size ?? 0
      if (size <= this.#maxSize) continue
      await this.rotate(c.logPath).catch((err: unknown) =>
        this.#log.warn({ container: c.id, path: c.logPath, err: String(err) }, "Failed to rotate log"),
      )
    }
  }

  /** Rotates one log file now. */
  async rotate(log: string): Promise<void> {
    for (const f of rotatedLogs(log)) if (f.endsWith(TMP_SUFFIX)) rmSync(f, { force: true })
    // Room for the file this rotation adds: the live file plus maxFiles-1 rotated ones.
    const rotated = rotatedLogs(log)
    const excess = rotated.length - (this.#maxFiles - 2)
    for (const f of rotated.slice(0, Math.max(0, excess))) rmSync(f, { force: true })
    const kept = rotatedLogs(log)
    // The newest rotated file may still take the runtime's last writes: it stays plain.
    for (const f of kept.slice(0, -1)) if (!f.endsWith(GZ_SUFFIX)) await gzip(f)
    const target = `${log}.${rotationStamp(this.#clock.now())}`
    // Rotated this very second already: wait for the next pass.
    if (
      statSync(target, { throwIfNoEntry: false }) ||
      statSync(`${target}${GZ_SUFFIX}`, { throwIfNoEntry: false })
    )
      return
    renameSync(log, target)
    // The live path is never missing for readers; the writer moves over at its next write.
    writeFileSync(log, "", { flag: "a" })
  }
}

/** Structured logging: one pino logger per component, klog-like text or JSON lines. */
import { pino, type Logger as PinoLogger } from "pino"

/** A component's logger. */
export type Logger = PinoLogger

/** Options for the root logger. */
export interface LogOptions {
  readonly level?: string
  readonly format?: "text" | "json"
  /** Where lines go; standard error by default. */
  readonly destination?: NodeJS.WritableStream
}

const LEVEL_LETTER: Record<number, string> = { 10: "T", 20: "D", 30: "I", 40: "W", 50: "E", 60: "F" }

function pad(n: number, w = 2): string {
  return String(n).padStart(w, "0")
}

/** Formats one pino record as a klog-style line: `I1124 20:17:21.123456 component] msg key=value`. */
export function formatKlog(record: Record<string, unknown>): string {
  const { level, time, msg, component, pid: _pid, hostname: _host, ...rest } = record
  const d = new Date(typeof time === "number" ? time : Date.now())
  const stamp =
    `${pad(d.getUTCMonth() + 1)}${pad(d.getUTCDate())} ` +
    `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}.${pad(d.getUTCMilliseconds(), 3)}`
  const fields = Object.entries(rest)
    .map(([k, v]) => `${k}=${typeof v === "string" ? JSON.stringify(v) : JSON.stringify(v)}`)
    .join(" ")
  const letter = LEVEL_LETTER[typeof level === "number" ? level : 30] ?? "I"
  return `${letter}${stamp} ${component ?? "k8ts"}] ${msg ?? ""}${fields ? " " + fields : ""}\n`
}

/** Creates the process's root logger; components take children via `logger.child({ component })`. */
export function createLogger(opts: LogOptions = {}): Logger {
  const level = opts.level ?? process.env.K8TS_LOG_LEVEL ?? "info"
  const out = opts.destination ?? process.stderr
  if (opts.format === "json") return pino({ level, base: undefined }, out as pino.DestinationStream)
  const stream = {
    write(line: string) {
      try {
        out.write(formatKlog(JSON.parse(line) as Record<string, unknown>))
      } catch {
        out.write(line)
      }
    },
  }
  return pino({ level, base: undefined }, stream)
}

/** A logger that drops everything, for tests. */
export function silentLogger(): Logger {
  return pino({ level: "silent" })
}

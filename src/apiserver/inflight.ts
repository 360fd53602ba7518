/**
 * apiserver_current_inflight_requests, as upstream's priority-and-fairness filter keeps it: every
 * request but a long-running one is counted while it executes (a watch until it has started),
 * as mutating or read-only by its verb; each change raises that kind's watermark, and once a
 * second the watermarks are published as the gauge and start again from zero. A second in which
 * nothing started or finished publishes 0, as upstream's does. The seconds are counted from the
 * server's start on its clock and the gauge is brought up to date when it is read or a count
 * changes, so no timer runs.
 */
import { Gauge, type Registry } from "prom-client"
import type { Clock } from "../util/index.ts"
import { kubeHelp } from "../util/index.ts"
import type { RequestInfo } from "./request-info.ts"

/** How a request is counted: not at all, as read-only, or as mutating. */
export type InflightKind = 0 | 1 | 2

const NOT_COUNTED = 0
const READ_ONLY = 1
const MUTATING = 2
const PERIOD_MS = 1000
const READ_ONLY_VERBS = new Set(["get", "list", "watch"])
/** kube-apiserver's long-running check: these verbs and, of resource requests, these subresources. */
const LONG_RUNNING_VERBS = new Set(["watch", "proxy"])
const LONG_RUNNING_SUBRESOURCES = new Set(["attach", "exec", "proxy", "log", "portforward"])

/** The requests an API server is executing, published once a second as upstream's gauge. */
export class InflightRequests {
  readonly #clock: Clock
  /** Executing now, by kind (index 1 read-only, 2 mutating). */
  readonly #current = [0, 0, 0]
  /** The most executing at once in the current second. */
  #watermark = [0, 0, 0]
  /** What the last second that ended published; none before the first one ends. */
  #published: number[] | undefined
  #periodStart: number

  constructor(registry: Registry, clock: Clock) {
    this.#clock = clock
    this.#periodStart = clock.now()
    const published = (): number[] | undefined => {
      this.#roll()
      return this.#published
    }
    new Gauge({
      name: "apiserver_current_inflight_requests",
      help: kubeHelp(
        "STABLE",
        "Maximal number of currently used inflight request limit of this apiserver per request kind in last second.",
      ),
      labelNames: ["request_kind"],
      registers: [registry],
      collect() {
        const p = published()
        if (!p) return
        this.set({ request_kind: "readOnly" }, p[READ_ONLY] as number)
        this.set({ request_kind: "mutating" }, p[MUTATING] as number)
      },
    })
  }

  /** Notes that the request of `ri` started executing; pass the kind returned to `end`. */
  begin(ri: RequestInfo): InflightKind {
    // Long-running requests but watches are not counted at all (a watch only until it started).
    if (ri.verb !== "watch" && isLongRunning(ri)) return NOT_COUNTED
    const kind = READ_ONLY_VERBS.has(ri.verb) ? READ_ONLY : MUTATING
    this.#note(kind, 1)
    return kind
  }

  /** Notes that a request `begin` counted as `kind` stopped executing. */
  end(kind: InflightKind): void {
    if (kind !== NOT_COUNTED) this.#note(kind, -1)
  }

  #note(kind: 1 | 2, delta: number): void {
    this.#roll()
    const n = ((this.#current[kind] as number) += delta)
    if (n > (this.#watermark[kind] as number)) this.#watermark[kind] = n
  }

  /** Publishes the seconds that ended since the last call. */
  #roll(): void {
    const ended = Math.floor((this.#clock.now() - this.#periodStart) / PERIOD_MS)
    if (ended < 1) return
    // The second just ended publishes its watermark; any quiet second after it, zero.
    this.#published = ended === 1 ? this.#watermark : [0, 0, 0]
    this.#watermark = [0, 0, 0]
    this.#periodStart += ended * PERIOD_MS
  }
}

/** kube-apiserver's BasicLongRunningRequestCheck. */
function isLongRunning(ri: RequestInfo): boolean {
  return LONG_RUNNING_VERBS.has(ri.verb) || (ri.isResource && LONG_RUNNING_SUBRESOURCES.has(ri.subresource))
}

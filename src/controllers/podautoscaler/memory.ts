/** What the HPA controller remembers per HPA between passes: recent recommendations and scale events. */
import type { HorizontalPodAutoscalerBehavior } from "kubernetes-types/autoscaling/v2.js"
import { longestPeriodMs, type Recommendation, type ScaleEvent } from "./behavior.ts"

/** Per-HPA recommendations and scale events, by "ns/name". */
export class HpaMemory {
  readonly #recs = new Map<string, Recommendation[]>()
  readonly #up = new Map<string, ScaleEvent[]>()
  readonly #down = new Map<string, ScaleEvent[]>()
  readonly #lastSync = new Map<string, number>()

  /** How long since `key` was last synced (Infinity the first time); marks it synced now when due. */
  sinceLastSync(key: string, now: number, periodMs: number): number {
    const last = this.#lastSync.get(key)
    const since = last === undefined ? Infinity : now - last
    if (since >= periodMs) this.#lastSync.set(key, now)
    return since
  }

  /** The recommendations of `key`, starting with the current count when there are none. */
  recommendations(key: string, current: number, now: number): Recommendation[] {
    let r = this.#recs.get(key)
    if (!r) this.#recs.set(key, (r = [{ replicas: current, at: now }]))
    return r
  }

  /** The scale events of `key` that its policies still look at. */
  events(key: string, behavior: HorizontalPodAutoscalerBehavior, now: number) {
    const keep = (m: Map<string, ScaleEvent[]>, periodMs: number) => {
      const list = (m.get(key) ?? []).filter((e) => e.at > now - periodMs)
      m.set(key, list)
      return list
    }
    return {
      up: keep(this.#up, longestPeriodMs(behavior.scaleUp) || 15_000),
      down: keep(this.#down, longestPeriodMs(behavior.scaleDown) || 15_000),
    }
  }

  /** Records a change of the target from `from` to `to` replicas. */
  scaled(
    key: string,
    behavior: HorizontalPodAutoscalerBehavior | undefined,
    from: number,
    to: number,
    now: number,
  ): void {
    if (!behavior || from === to) return
    const m = to > from ? this.#up : this.#down
    const list = m.get(key) ?? []
    list.push({ change: Math.abs(to - from), at: now })
    m.set(key, list)
  }

  /** Drops everything about `key` (the HPA is gone). */
  forget(key: string): void {
    this.#recs.delete(key)
    this.#up.delete(key)
    this.#down.delete(key)
    this.#lastSync.delete(key)
  }
}

/**
 * Runs the probes of every running container on its own timer: startup first, then liveness
 * and readiness. Readiness and startup results land in the pod's record; a failed liveness (or
 * startup) probe stops the container so the restart policy takes over, with upstream's events.
 */
import type { Container, Pod, Probe } from "kubernetes-types/core/v1.js"
import type { EventRecorder } from "../client/index.ts"
import { type Logger, pause } from "../util/index.ts"
import { containerEvent } from "./container-ref.ts"
import type { KubeletMetrics } from "./metrics/kubelet-metrics.ts"
import type { ContainerRecord, PodRecord } from "./pod-state.ts"
import { type ProbeKind, ProbeState, runProbe } from "./probes.ts"
import type { ContainerRuntime } from "./runtime/runtime.ts"

/** Options of ProbeManager. */
export interface ProbeManagerOptions {
  readonly runtime: ContainerRuntime
  readonly events: EventRecorder
  readonly log: Logger
  /** Where each run is counted (prober_probe_total). */
  readonly metrics?: KubeletMetrics
  /** Called with the pod's key when a result changed. */
  readonly changed: (key: string) => void
}

interface Worker {
  readonly stop: AbortController
}

const KINDS = ["startup", "liveness", "readiness"] as const
const KIND_NAME: Record<ProbeKind, string> = {
  liveness: "Liveness",
  readiness: "Readiness",
  startup: "Startup",
}

/** Probe loops by container id. */
export class ProbeManager {
  readonly #o: ProbeManagerOptions
  readonly #workers = new Map<string, Worker>()
  readonly #byPod = new Map<string, Set<string>>()

  constructor(opts: ProbeManagerOptions) {
    this.#o = opts
  }

  /** Starts probe loops for the pod's running containers that have none yet; stops stale ones. */
  ensure(key: string, pod: Pod, record: PodRecord): void {
    const ids = this.#byPod.get(key) ?? new Set<string>()
    this.#byPod.set(key, ids)
    const live = new Set<string>()
    const all = [
      ...(pod.spec?.initContainers ?? []).filter((c) => c.restartPolicy === "Always"),
      ...(pod.spec?.containers ?? []),
    ]
    for (const c of all) {
      const r = record.containers.get(c.name) ?? record.initContainers.get(c.name)
      const cur = r?.current
      if (!r || !cur || cur.state !== "running") continue
      if (!c.livenessProbe && !c.readinessProbe && !c.startupProbe) continue
      live.add(cur.id)
      if (this.#workers.has(cur.id)) continue
      const stop = new AbortController()
      this.#workers.set(cur.id, { stop })
      ids.add(cur.id)
      void this.#loop(key, pod, c, r, record, stop.signal)
    }
    for (const id of ids) {
      if (live.has(id)) continue
      this.#workers.get(id)?.stop.abort()
      this.#workers.delete(id)
      ids.delete(id)
    }
  }

  /** Stops the probes of a pod. */
  forget(key: string): void {
    for (const id of this.#byPod.get(key) ?? []) {
      this.#workers.get(id)?.stop.abort()
      this.#workers.delete(id)
    }
    this.#byPod.delete(key)
  }

  /** Stops every probe. */
  stopAll(): void {
    for (const w of this.#workers.values()) w.stop.abort()
    this.#workers.clear()
    this.#byPod.clear()
  }

  async #loop(
    key: string,
    pod: Pod,
    c: Container,
    r: ContainerRecord,
    record: PodRecord,
    signal: AbortSignal,
  ): Promise<void> {
    const id = r.current?.id as string
    const states: Partial<Record<ProbeKind, ProbeState>> = {}
    const due: Record<ProbeKind, number> = { startup: 0, liveness: 0, readiness: 0 }
    const initial: Record<ProbeKind, boolean | undefined> = {
      startup: undefined,
      liveness: true,
      readiness: false,
    }
    for (const k of KINDS) {
      const p = probeOf(c, k)
      if (!p) continue
      states[k] = new ProbeState(p, initial[k])
      due[k] = Date.now() + (p.initialDelaySeconds ?? 0) * 1000
    }
    const alive = () => !signal.aborted && r.current?.id === id && r.current.state === "running"
    while (alive()) {
      for (const k of KINDS) {
        const st = states[k]
        if (!st || !this.#isDue(k, st, states.startup, due[k])) continue
        due[k] = Date.now() + (probeOf(c, k)?.periodSeconds ?? 10) * 1000
        const changed = await this.#probeOnce(pod, c, k, st, { id, podIP: record.sandbox?.ip ?? "" })
        if (!alive()) return
        // A container a liveness or startup failure stopped is not probed again (upstream's
        // worker holds until it sees a new container): no readiness failure for a dead one.
        if (changed && (await this.#apply(key, pod, c, r, k, st.result === true))) return
      }
      const next = Math.min(...Object.values(due).filter((t) => t > 0), Date.now() + 1000)
      await pause(Math.max(50, next - Date.now()), signal)
    }
  }

  /** Whether probe `k` runs now: its time came, and (but for startup) the startup probe passed. */
  #isDue(k: ProbeKind, st: ProbeState, startup: ProbeState | undefined, at: number): boolean {
    if (Date.now() < at) return false
    if (k === "startup") return st.result !== true
    return !startup || startup.result === true
  }

  /** Runs one probe; returns whether its thresholded result changed. */
  async #probeOnce(
    pod: Pod,
    c: Container,
    k: ProbeKind,
    st: ProbeState,
    t: { id: string; podIP: string },
  ): Promise<boolean> {
    const started = process.hrtime.bigint()
    const res = await runProbe(
      this.#o.runtime,
      { id: t.id, container: c, podIP: t.podIP },
      probeOf(c, k) as Probe,
    )
    this.#o.metrics?.probe(
      k,
      {
        namespace: pod.metadata?.namespace ?? "",
        pod: pod.metadata?.name ?? "",
        podUid: pod.metadata?.uid ?? "",
        container: c.name,
      },
      res.ok,
      Number(process.hrtime.bigint() - started) / 1e9,
    )
    if (!res.ok)
      containerEvent(
        this.#o.events,
        pod,
        c.name,
        "Warning",
        "Unhealthy",
        `${KIND_NAME[k]} probe failed: ${res.message}`,
      )
    return st.record(res.ok)
  }

  /** Applies a probe's new result; returns whether it stopped the container. */
  async #apply(
    key: string,
    pod: Pod,
    c: Container,
    r: ContainerRecord,
    k: ProbeKind,
    ok: boolean,
  ): Promise<boolean> {
    if (k === "readiness") r.ready = ok
    if (k === "startup") r.started = ok
    if (!ok && (k === "liveness" || k === "startup")) {
      const grace =
        (probeOf(c, k)?.terminationGracePeriodSeconds ?? pod.spec?.terminationGracePeriodSeconds ?? 30) * 1000
      containerEvent(
        this.#o.events,
        pod,
        c.name,
        "Normal",
        "Killing",
        `Container ${c.name} failed ${k} probe, will be restarted`,
      )
      await this.#o.runtime.stop(r.current?.id as string, grace)
      this.#o.changed(key)
      return true
    }
    this.#o.changed(key)
    return false
  }
}

function probeOf(c: Container, k: ProbeKind): Probe | undefined {
  return k === "liveness" ? c.livenessProbe : k === "readiness" ? c.readinessProbe : c.startupProbe
}

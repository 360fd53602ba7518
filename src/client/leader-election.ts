/**
 * Lease-based leader election on coordination.k8s.io/v1 Leases, as client-go's leaderelection
 * does it: acquire an expired lease, renew it every retry period, step down when renewing has
 * failed for the renew deadline. Expiry is judged by the local clock from when a candidate last
 * saw the lease change, never by comparing clocks across machines.
 */
import { ApiError, isNotFound, type ObjectKey, Leases } from "../api/index.ts"
import { type Clock, type Logger, microTime, realClock, silentLogger } from "../util/index.ts"
import type { Client } from "./client.ts"

type Lease = NonNullable<(typeof Leases)["_type"]>
type LeaseSpec = NonNullable<Lease["spec"]>

/** Options of LeaderElector. */
export interface LeaderElectionOptions {
  readonly client: Client
  /** The Lease to hold; the namespace defaults to kube-system. */
  readonly lease: { readonly name: string; readonly namespace?: string }
  /** This candidate's unique name, e.g. `<hostname>_<random>`. */
  readonly identity: string
  /** How long a lease is valid after its last renewal as others see it (default 15 s). */
  readonly leaseDurationMs?: number
  /** How long the leader keeps retrying a failed renewal before stepping down (default 10 s). */
  readonly renewDeadlineMs?: number
  /** How often candidates try to acquire and the leader renews (default 2 s). */
  readonly retryPeriodMs?: number
  /** Give the lease up when run's signal aborts while leading (default true). */
  readonly releaseOnCancel?: boolean
  /**
   * Set when this process is the only candidate of its host (its datastore is its own): the
   * prefix its runs' identities begin with (`<hostname>_`). A lease held by another identity
   * with this prefix was left by an earlier run of this process, and is taken at once instead of
   * after it expires; any other holder (a component elsewhere pointed at this server) is waited
   * out, as client-go waits. The lease is written as with other candidates.
   */
  readonly earlierRunPrefix?: string
  readonly clock?: Clock
  readonly log?: Logger
  /** Starts the leader's work; `signal` aborts when leadership ends. Must stop soon after. */
  onStartedLeading(signal: AbortSignal): void | Promise<void>
  /** Called once the leader's work has stopped after leadership ended. */
  onStoppedLeading?(): void
  /** Called when the observed holder changes (including to this candidate). */
  onNewLeader?(identity: string): void
}

/** A candidate for leadership; `run` campaigns, leads and campaigns again until aborted. */
export class LeaderElector {
  readonly #opts: LeaderElectionOptions
  readonly #clock: Clock
  readonly #log: Logger
  readonly #key: ObjectKey
  readonly #durationMs: number
  readonly #deadlineMs: number
  readonly #periodMs: number
  #observed = ""
  #observedAt = 0
  #holder = ""
  #leading = false

  constructor(opts: LeaderElectionOptions) {
    this.#opts = opts
    this.#clock = opts.clock ?? realClock
    this.#log = (opts.log ?? silentLogger()).child({ lease: opts.lease.name, identity: opts.identity })
    this.#key = { namespace: opts.lease.namespace ?? "kube-system", name: opts.lease.name }
    this.#durationMs = opts.leaseDurationMs ?? 15_000
    this.#deadlineMs = opts.renewDeadlineMs ?? 10_000
    this.#periodMs = opts.retryPeriodMs ?? 2_000
    if (!opts.identity) throw new TypeError("Cannot elect a leader: identity is empty")
    if (!(this.#durationMs > this.#deadlineMs && this.#deadlineMs > this.#periodMs && this.#periodMs > 0)) {
      throw new RangeError(
        `Cannot elect a leader: need leaseDuration (${this.#durationMs} ms) > renewDeadline (${this.#deadlineMs} ms) > retryPeriod (${this.#periodMs} ms) > 0`,
      )
    }
  }

  /** True while this candidate leads. */
  isLeader(): boolean {
    return this.#leading
  }

  /** The holder last observed on the lease ("" when none). */
  leader(): string {
    return this.#holder
  }

  /** Campaigns for the lease and leads while it holds it, until `signal` aborts. */
  async run(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      if (!(await this.#acquire(signal))) break
      this.#leading = true
      this.#log.info("Became leader")
      const leading = new AbortController()
      const forward = () => leading.abort()
      signal.addEventListener("abort", forward, { once: true })
      const work = Promise.resolve()
        .then(() => this.#opts.onStartedLeading(leading.signal))
        .catch((err: unknown) => this.#log.error({ err: String(err) }, "Leader's work failed"))
      await this.#renew(leading.signal)
      this.#leading = false
      leading.abort()
      signal.removeEventListener("abort", forward)
      await work
      if (signal.aborted && this.#opts.releaseOnCancel !== false) await this.#release()
      this.#log.info("Stopped leading")
      this.#opts.onStoppedLeading?.()
    }
  }

  async #acquire(signal: AbortSignal): Promise<boolean> {
    while (!signal.aborted) {
      if (await this.#tryAcquireOrRenew()) return true
      try {
        await this.#clock.sleep(this.#periodMs, signal)
      } catch {
        return false
      }
    }
    return false
  }

  /** Renews every retry period; returns when renewing failed for the renew deadline, or on abort. */
  async #renew(signal: AbortSignal): Promise<void> {
    let renewed = this.#clock.now()
    while (!signal.aborted) {
      try {
        await this.#clock.sleep(this.#periodMs, signal)
      } catch {
        return
      }
      if (await this.#tryAcquireOrRenew()) {
        renewed = this.#clock.now()
      } else if (this.#clock.now() - renewed >= this.#deadlineMs) {
        this.#log.warn({ lastRenewMs: renewed }, "Failed to renew the lease in time, stepping down")
        return
      }
    }
  }

  #observe(spec: LeaseSpec, now: number): void {
    const record = JSON.stringify(spec)
    if (record !== this.#observed) {
      this.#observed = record
      this.#observedAt = now
    }
    const holder = spec.holderIdentity ?? ""
    if (holder !== this.#holder) {
      this.#holder = holder
      if (holder) this.#opts.onNewLeader?.(holder)
    }
  }

  async #tryAcquireOrRenew(): Promise<boolean> {
    const leases = this.#opts.client.resource(Leases)
    const now = this.#clock.now()
    const mine = (acquireTime: string, transitions: number): LeaseSpec => ({
      holderIdentity: this.#opts.identity,
      leaseDurationSeconds: Math.ceil(this.#durationMs / 1000),
      acquireTime,
      renewTime: microTime(now),
      leaseTransitions: transitions,
    })
    try {
      let lease: Lease
      try {
        lease = await leases.get(this.#key)
      } catch (err) {
        if (!isNotFound(err)) throw err
        const spec = mine(microTime(now), 0)
        await leases.create({
          apiVersion: "coordination.k8s.io/v1",
          kind: "Lease",
          metadata: this.#key,
          spec,
        })
        this.#observe(spec, now)
        return true
      }
      const spec = lease.spec ?? {}
      this.#observe(spec, now)
      const holder = spec.holderIdentity ?? ""
      const validMs = (spec.leaseDurationSeconds ?? 0) * 1000
      // Held by someone else whose lease has not expired by our own clock.
      const heldElsewhere = holder && holder !== this.#opts.identity && this.#observedAt + validMs > now
      if (heldElsewhere) {
        const prefix = this.#opts.earlierRunPrefix
        if (!prefix || !holder.startsWith(prefix)) return false
        this.#log.info({ holder }, "Taking over the lease an earlier run held")
      }
      const next =
        holder === this.#opts.identity
          ? mine(spec.acquireTime ?? microTime(now), spec.leaseTransitions ?? 0)
          : mine(microTime(now), (spec.leaseTransitions ?? 0) + 1)
      const updated = await leases.update({ ...lease, spec: next })
      this.#observe(updated.spec ?? next, now)
      return true
    } catch (err) {
      // A Conflict or AlreadyExists means another candidate wrote first: lost this round.
      if (!(err instanceof ApiError && (err.reason === "Conflict" || err.reason === "AlreadyExists"))) {
        this.#log.warn({ err: String(err) }, "Cannot acquire or renew the lease")
      }
      return false
    }
  }

  /** Gives the lease up so another candidate can take it at once. */
  async #release(): Promise<void> {
    const leases = this.#opts.client.resource(Leases)
    try {
      const lease = await leases.get(this.#key)
      if (lease.spec?.holderIdentity !== this.#opts.identity) return
      const now = microTime(this.#clock.now())
      await leases.update({
        ...lease,
        spec: {
          leaseDurationSeconds: 1,
          acquireTime: now,
          renewTime: now,
          leaseTransitions: lease.spec.leaseTransitions ?? 0,
        },
      })
      this.#holder = ""
    } catch (err) {
      this.#log.warn({ err: String(err) }, "Cannot release the lease")
    }
  }
}

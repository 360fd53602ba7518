/**
 * The API server's identity Lease in kube-system, as upstream's kube-apiserver keeps it (its
 * APIServerIdentity lease controller): named `apiserver-<hash of the host name>`, labelled
 * apiserver.kubernetes.io/identity=kube-apiserver and kubernetes.io/hostname, held by
 * `<name>_<uuid>` (the holder of the run that created it), 3600 s long, renewed every 10 s. Its
 * garbage collector deletes the identity Leases that have expired (servers gone for an hour).
 */
import { createHash, randomUUID } from "node:crypto"
import type { Lease } from "kubernetes-types/coordination/v1.js"
import { ApiError, type ApiObject, Leases, type ResourceInfo } from "../api/index.ts"
import { type Clock, type Logger, microTime } from "../util/index.ts"
import type { Served } from "./registry/context.ts"
import type { Registry } from "./registry/registry.ts"
import type { WatchCache } from "./watch-cache.ts"
import { entriesUnder } from "./cache-objects.ts"

/** The label that marks an identity Lease and names its component. */
export const IDENTITY_LEASE_LABEL = "apiserver.kubernetes.io/identity"
/** The component whose identity Leases these are. */
const KUBE_APISERVER = "kube-apiserver"
/** How long an identity Lease lasts without renewal (upstream's IdentityLeaseDurationSeconds). */
export const IDENTITY_LEASE_DURATION_SECONDS = 3600
/** How often the server renews its Lease (upstream's IdentityLeaseRenewIntervalPeriod). */
export const IDENTITY_LEASE_RENEW_MS = 10_000
/** How often expired identity Leases are collected (upstream's IdentityLeaseGCPeriod). */
export const IDENTITY_LEASE_GC_MS = 3_600_000
/** Each wait between renewals is up to 4% longer, as upstream's JitterUntil. */
const JITTER = 0.04
/**
 * A failed renewal is tried again after 200 ms, then twice as long each time up to 7 s, as
 * upstream's lease controller backs off (backoffEnsureLease: 100 ms doubled before each wait,
 * maxBackoff 7 s).
 */
export const IDENTITY_LEASE_FIRST_RETRY_MS = 200
export const IDENTITY_LEASE_MAX_RETRY_MS = 7000
const NAMESPACE = "kube-system"
const HOSTNAME_LABEL = "kubernetes.io/hostname"
const BASE32 = "abcdefghijklmnopqrstuvwxyz234567"

type L = Lease & ApiObject

/** Base32 (RFC 4648's alphabet, lower case), without padding. */
function base32(bytes: Uint8Array): string {
  let out = ""
  let bits = 0
  let value = 0
  for (const b of bytes) {
    value = (value << 8) | b
    bits += 8
    while (bits >= 5) {
      out += BASE32[(value >>> (bits - 5)) & 31]
      bits -= 5
    }
  }
  if (bits > 0) out += BASE32[(value << (5 - bits)) & 31]
  return out
}

/** `bytes` after its length as two big-endian bytes (cryptobyte's AddUint16LengthPrefixed). */
function lengthPrefixed(text: string): Buffer {
  const bytes = Buffer.from(text, "utf8")
  const len = Buffer.alloc(2)
  len.writeUInt16BE(bytes.length)
  return Buffer.concat([len, bytes])
}

/**
 * The server's identity, as upstream's NewConfig computes its APIServerID: "apiserver-" and the
 * lower-case base32 of the first 16 bytes of the SHA-256 of the host name and "kube-apiserver",
 * each length-prefixed.
 */
export function apiServerId(hostname: string): string {
  const hash = createHash("sha256")
    .update(Buffer.concat([lengthPrefixed(hostname), lengthPrefixed(KUBE_APISERVER)]))
    .digest()
  return `apiserver-${base32(hash.subarray(0, 16))}`
}

/** Whether an identity Lease has expired at `now` (one without a renewal time or duration has). */
export function isIdentityLeaseExpired(lease: Lease, now: number): boolean {
  const renew = lease.spec?.renewTime
  const seconds = lease.spec?.leaseDurationSeconds
  if (!renew || seconds === undefined) return true
  return Date.parse(renew) + seconds * 1000 < now
}

/** What the identity Lease controller works with. */
export interface IdentityLeaseDeps {
  readonly registry: Registry
  readonly served: (info: ResourceInfo) => Served
  readonly cache: WatchCache
  readonly clock: Clock
  readonly log: Logger
  /** This host's name (the identity is made from it). */
  readonly hostname: string
}

/** Keeps this server's identity Lease, and collects expired ones. */
export class IdentityLease {
  readonly #d: IdentityLeaseDeps
  readonly #leases: Served
  /** The Lease's name. */
  readonly name: string
  /** The holder a Lease created by this run gets. */
  readonly holderIdentity: string

  constructor(deps: IdentityLeaseDeps) {
    this.#d = deps
    this.#leases = deps.served(Leases)
    this.name = apiServerId(deps.hostname)
    this.holderIdentity = `${this.name}_${randomUUID()}`
  }

  /**
   * Renews the Lease (creating it when missing): the renewal time, duration and labels are set,
   * the holder is kept (upstream's lease controller takes the one it finds).
   */
  async renew(): Promise<void> {
    const labels = { [IDENTITY_LEASE_LABEL]: KUBE_APISERVER, [HOSTNAME_LABEL]: this.#d.hostname }
    await this.#d.registry.update(
      this.#leases,
      { namespace: NAMESPACE, name: this.name },
      (cur) => {
        const base = (cur as L | undefined) ?? {
          apiVersion: "coordination.k8s.io/v1",
          kind: "Lease",
          metadata: { namespace: NAMESPACE, name: this.name },
          spec: { holderIdentity: this.holderIdentity },
        }
        return {
          ...base,
          metadata: { ...base.metadata, labels: { ...base.metadata?.labels, ...labels } },
          spec: {
            ...base.spec,
            leaseDurationSeconds: IDENTITY_LEASE_DURATION_SECONDS,
            renewTime: microTime(this.#d.clock.now()),
          },
        }
      },
      { createIfMissing: true, fieldManager: KUBE_APISERVER },
    )
  }

  /**
   * Renews the Lease at once, then every 10 s until `signal` aborts, as upstream's lease controller
   * (JitterUntil, sliding: each wait from the end of a renewal). A failed renewal is logged and
   * tried again with back-off (IDENTITY_LEASE_FIRST_RETRY_MS doubling up to
   * IDENTITY_LEASE_MAX_RETRY_MS) until one succeeds.
   */
  async run(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      await this.#renewWithBackoff(signal)
      const wait = IDENTITY_LEASE_RENEW_MS * (1 + Math.random() * JITTER)
      await this.#d.clock.sleep(wait, signal).catch(() => {})
    }
  }

  async #renewWithBackoff(signal: AbortSignal): Promise<void> {
    let retry = IDENTITY_LEASE_FIRST_RETRY_MS
    while (!signal.aborted) {
      try {
        await this.renew()
        return
      } catch (err) {
        if (signal.aborted) return
        this.#d.log.warn(
          { err: String(err), lease: this.name, retryMs: retry },
          "Cannot renew the identity lease, will retry",
        )
      }
      await this.#d.clock.sleep(retry, signal).catch(() => {})
      retry = Math.min(retry * 2, IDENTITY_LEASE_MAX_RETRY_MS)
    }
  }

  /**
   * Deletes the identity Leases of kube-system that have expired, each read again before its
   * delete (another server may have renewed or collected it), as upstream's collector does.
   */
  async collect(): Promise<void> {
    const prefix = `${this.#leases.prefix}${NAMESPACE}/`
    const cached = [...entriesUnder(this.#d.cache.resource(this.#leases.prefix).objects, prefix)]
      .filter(([, l]) => l.metadata?.labels?.[IDENTITY_LEASE_LABEL] === KUBE_APISERVER)
      .map(([, l]) => l as L)
    for (const lease of cached) {
      if (!isIdentityLeaseExpired(lease, this.#d.clock.now())) continue
      const name = lease.metadata?.name ?? ""
      try {
        const current = (await this.#d.registry.get(this.#leases, NAMESPACE, name)) as L
        if (!isIdentityLeaseExpired(current, this.#d.clock.now())) continue
        await this.#d.registry.delete(this.#leases, { namespace: NAMESPACE, name }, {})
        this.#d.log.info({ lease: name }, "Deleted an expired API server identity lease")
      } catch (err) {
        if (!(err instanceof ApiError && err.reason === "NotFound"))
          this.#d.log.warn({ err: String(err), lease: name }, "Cannot collect an API server identity lease")
      }
    }
  }

  /** Collects at once, then every hour until `signal` aborts, as upstream's collector (wait.Until). */
  async runCollector(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      await this.collect().catch((err: unknown) => {
        if (!signal.aborted)
          this.#d.log.warn({ err: String(err) }, "Cannot collect the API server identity leases")
      })
      await this.#d.clock.sleep(IDENTITY_LEASE_GC_MS, signal).catch(() => {})
    }
  }
}

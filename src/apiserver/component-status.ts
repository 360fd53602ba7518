/**
 * v1 ComponentStatus (`kubectl get cs`), deprecated upstream but still served: the health of
 * the scheduler, the controller manager and the store (etcd-0), probed on every request.
 * The store is read for real. The scheduler and controller manager are asked through the probes
 * of this process when they run in it; otherwise (elected on another server, or run apart) their
 * leader Lease in kube-system tells whether a live one holds it.
 */
import type { ComponentStatus } from "kubernetes-types/core/v1.js"
import type { Lease } from "kubernetes-types/coordination/v1.js"
import { ApiError, type ApiObject } from "../api/index.ts"
import type { Store } from "../storage/index.ts"
import type { Clock } from "../util/index.ts"

/** One probe's verdict, as upstream's probes give it: result, message and error. */
export interface ComponentHealth {
  /** True: healthy; False: it answered unhealthy; Unknown: it could not be asked. */
  readonly status: "True" | "False" | "Unknown"
  readonly message: string
  readonly error: string
}

/** Asks a component running in this process how it is. Must not throw. */
export type HealthProbe = () => Promise<ComponentHealth>

/** The components probed, in the order they are listed. */
export const COMPONENTS = ["scheduler", "controller-manager", "etcd-0"] as const

/** The leader Lease (in kube-system) of each elected component. */
const LEASES: Readonly<Record<string, string>> = {
  scheduler: "kube-scheduler",
  "controller-manager": "kube-controller-manager",
}

/** How long a probe may take (upstream's probeTimeOut). */
const PROBE_TIMEOUT_MS = 20_000
const HEALTH_KEY = "/registry/health"

/** What the probes need. */
export interface ComponentProbeDeps {
  readonly store: Store
  readonly clock: Clock
  /** The probes of components running in this process, by component name. */
  readonly local: () => Readonly<Record<string, HealthProbe | undefined>>
  /** Reads a Lease (kube-system), undefined when there is none. */
  readonly lease: (name: string) => Promise<ApiObject | undefined>
}

function healthy(): ComponentHealth {
  return { status: "True", message: "ok", error: "" }
}

function errorOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err)
}

async function withTimeout(clock: Clock, probe: () => Promise<ComponentHealth>): Promise<ComponentHealth> {
  const ac = new AbortController()
  const timeout = clock.sleep(PROBE_TIMEOUT_MS, ac.signal).then(
    (): ComponentHealth => ({
      status: "Unknown",
      message: "",
      error: `the probe timed out after ${PROBE_TIMEOUT_MS / 1000}s`,
    }),
    () => new Promise<ComponentHealth>(() => {}),
  )
  try {
    return await Promise.race([probe(), timeout])
  } finally {
    ac.abort()
  }
}

/** The store: one real read round trip. */
async function probeStore(store: Store): Promise<ComponentHealth> {
  try {
    await store.get(HEALTH_KEY)
    return healthy()
  } catch (err) {
    return { status: "False", message: "", error: errorOf(err) }
  }
}

/** A component elsewhere: healthy while a holder keeps renewing its leader Lease. */
async function probeLease(deps: ComponentProbeDeps, leaseName: string): Promise<ComponentHealth> {
  const ref = `Lease "kube-system/${leaseName}"`
  let lease: Lease | undefined
  try {
    lease = (await deps.lease(leaseName)) as Lease | undefined
  } catch (err) {
    return { status: "Unknown", message: "", error: errorOf(err) }
  }
  const spec = lease?.spec
  if (!spec?.holderIdentity) {
    return { status: "False", message: `not running in this server and no leader holds ${ref}`, error: "" }
  }
  const renewed = Date.parse(spec.renewTime ?? spec.acquireTime ?? "")
  const expires = renewed + (spec.leaseDurationSeconds ?? 0) * 1000
  if (!Number.isFinite(expires) || expires <= deps.clock.now()) {
    const when = Number.isFinite(renewed) ? new Date(renewed).toISOString() : "never"
    return {
      status: "False",
      message: `leader "${spec.holderIdentity}" stopped renewing ${ref} (last renewed ${when})`,
      error: "",
    }
  }
  return healthy()
}

async function probe(deps: ComponentProbeDeps, name: string): Promise<ComponentHealth> {
  if (name === "etcd-0") return probeStore(deps.store)
  const local = deps.local()[name]
  if (local) {
    return local().catch((err: unknown) => ({ status: "Unknown" as const, message: "", error: errorOf(err) }))
  }
  return probeLease(deps, LEASES[name] as string)
}

/** The ComponentStatus of `name` (one of COMPONENTS), probed now. */
export async function componentStatus(deps: ComponentProbeDeps, name: string): Promise<ComponentStatus> {
  const h = await withTimeout(deps.clock, () => probe(deps, name))
  return {
    kind: "ComponentStatus",
    apiVersion: "v1",
    metadata: { name },
    // message and error are omitted when empty, as upstream's JSON does.
    conditions: [
      {
        type: "Healthy",
        status: h.status,
        ...(h.message ? { message: h.message } : {}),
        ...(h.error ? { error: h.error } : {}),
      },
    ],
  }
}

/** Every component's status, probed at once. */
export function componentStatuses(deps: ComponentProbeDeps): Promise<ComponentStatus[]> {
  return Promise.all(COMPONENTS.map((name) => componentStatus(deps, name)))
}

/** Upstream's answer for an unknown component: a plain error, hence a 500. */
export function componentNotFound(name: string): ApiError {
  return new ApiError("InternalError", `Component not found: ${name}`)
}

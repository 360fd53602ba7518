/**
 * The APIService availability controller (upstream's local and remote availability controllers
 * in one): a local APIService is always Available (reason Local); a service-backed one is
 * checked through the API as upstream checks it, its Service (ServiceNotFound), for a ClusterIP
 * Service the port (ServicePortError) and ready endpoints in its EndpointSlices
 * (EndpointsNotFound, MissingEndpoints), then a discovery request to the extension server
 * (FailedDiscoveryCheck); all passing is Available=True, reason Passed. Service-backed ones are
 * checked again every 30 s, as upstream resyncs them. The condition is written only when it changed.
 */
import type { Service } from "kubernetes-types/core/v1.js"
import type { EndpointSlice as DiscoveryEndpointSlice } from "kubernetes-types/discovery/v1.js"
import {
  APISERVICE_AVAILABLE,
  type ApiObject,
  type APIService,
  type APIServiceCondition,
  APIServices,
  EndpointSlices,
  isNotFound,
  localAvailableCondition,
  SERVICE_NAME_LABEL,
  Services,
  withAPIServiceCondition,
} from "../../api/index.ts"
import type { ControllerSpec } from "../../client/index.ts"
import { rfc3339 } from "../../util/index.ts"
import { checkService, type Verdict } from "./check-service.ts"
import { type DiscoveryProbe, httpsDiscoveryProbe } from "./discovery-check.ts"

type Svc = APIService & ApiObject
type Slice = DiscoveryEndpointSlice & ApiObject

/** How often a service-backed APIService is checked again (upstream's resync). */
export const RECHECK_MS = 30_000
/** Concurrent discovery attempts; one success is enough (upstream's). */
const ATTEMPTS = 5

/** Options of availabilityController. */
export interface AvailabilityOptions {
  /** The discovery check (tests replace it); default an HTTPS GET. */
  readonly probe?: DiscoveryProbe
}

/** Runs upstream's five discovery attempts at once: one success passes; else the last failure. */
async function discover(
  probe: DiscoveryProbe,
  url: string,
  svc: APIService,
  signal: AbortSignal,
): Promise<string | undefined> {
  const results = await Promise.allSettled(Array.from({ length: ATTEMPTS }, () => probe(url, svc, signal)))
  if (results.some((r) => r.status === "fulfilled")) return undefined
  const last = results[results.length - 1] as PromiseRejectedResult
  const err = last.reason instanceof Error ? last.reason.message : String(last.reason)
  return `failing or missing response from ${url}: ${err}`
}

function sameConditions(
  a: readonly APIServiceCondition[] | undefined,
  b: readonly APIServiceCondition[],
): boolean {
  return JSON.stringify(a ?? []) === JSON.stringify(b)
}

/** The availability controller's spec ("apiservice-availability"). */
export function availabilityController(opts: AvailabilityOptions = {}): ControllerSpec {
  const probe = opts.probe ?? httpsDiscoveryProbe
  // The APIServices backed by the Service `ns/name`, read from the cache create() sets up.
  let backedBy: (ns: string | undefined, name: string | undefined) => string[] = () => []
  return {
    name: "apiservice-availability",
    workers: 5,
    for: APIServices,
    // A change of a Service or of its EndpointSlices checks the APIServices it backs again.
    watches: [
      { ref: Services, map: (s) => backedBy(s.metadata?.namespace, s.metadata?.name) },
      {
        ref: EndpointSlices,
        map: (s) => {
          const service = s.metadata?.labels?.[SERVICE_NAME_LABEL]
          return service ? backedBy(s.metadata?.namespace, service) : []
        },
      },
    ],
    create({ client, informers, clock }) {
      const apiServices = informers.get<Svc>(APIServices).cache
      const services = informers.get<Service & ApiObject>(Services).cache
      const slices = informers.get<Slice>(EndpointSlices).cache
      backedBy = (ns, name) =>
        apiServices
          .list()
          .filter((s) => s.spec?.service?.namespace === ns && s.spec?.service?.name === name)
          .map((s) => s.metadata?.name ?? "")

      const write = async (svc: Svc, condition: APIServiceCondition): Promise<void> => {
        const conditions = withAPIServiceCondition(svc.status?.conditions, condition)
        if (sameConditions(svc.status?.conditions, conditions)) return
        await client
          .resource<Svc>(APIServices)
          .updateStatus({ ...structuredClone(svc), status: { ...svc.status, conditions } })
          .catch((err: unknown) => {
            if (!isNotFound(err)) throw err
          })
      }

      return {
        async reconcile(name, signal) {
          const svc = apiServices.get(name)
          if (!svc) return
          const now = rfc3339(clock.now())
          const ref = svc.spec?.service
          if (!ref) return write(svc, localAvailableCondition(now))
          const ns = ref.namespace ?? ""
          const service = services.get(`${ns}/${ref.name ?? ""}`)
          const own = slices.list(ns).filter((s) => s.metadata?.labels?.[SERVICE_NAME_LABEL] === ref.name)
          const checked = checkService(svc, service, own)
          let condition: Verdict
          if ("condition" in checked) condition = checked.condition
          else {
            const failure = await discover(probe, checked.url, svc, signal)
            condition = failure
              ? { status: "False", reason: "FailedDiscoveryCheck", message: failure }
              : { status: "True", reason: "Passed", message: "all checks passed" }
          }
          await write(svc, { type: APISERVICE_AVAILABLE, lastTransitionTime: now, ...condition })
          return { requeueAfterMs: RECHECK_MS }
        },
      }
    },
  }
}

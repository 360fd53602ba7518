/**
 * The `autoregister-completion` health check, as upstream's aggregator adds it to /healthz,
 * /livez and /readyz (makeAPIServiceAvailableHealthCheck): it passes once every APIService the
 * autoregister controller keeps for a built-in group version has been seen Available at least
 * once, and lists those not seen yet until then.
 */
import { type ApiObject, type APIService, apiServiceCondition, APISERVICE_AVAILABLE } from "../api/index.ts"
import type { HealthCheck } from "./post-start-hooks.ts"

/**
 * A check that passes once each APIService of `names` has been seen with Available=True
 * (`current` reads one, e.g. from the watch cache); until then it fails with
 * "missing APIService: [<names not seen yet, sorted>]".
 */
export function apiServicesAvailableCheck(
  names: readonly string[],
  current: (name: string) => ApiObject | undefined,
): HealthCheck {
  const pending = new Set(names)
  return async () => {
    for (const name of pending) {
      const svc = current(name) as APIService | undefined
      if (svc && apiServiceCondition(svc, APISERVICE_AVAILABLE)?.status === "True") pending.delete(name)
    }
    return pending.size ? `missing APIService: [${[...pending].sort().join(" ")}]` : undefined
  }
}

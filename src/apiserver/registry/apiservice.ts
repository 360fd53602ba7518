/**
 * The APIService create strategy (upstream's apiServerStrategy.PrepareForCreate), called by the
 * generic strategy after its status reset: a new APIService starts with an empty status, and a
 * local one (no spec.service) is marked available at once, as upstream does. Updates keep the
 * stored status through the generic strategy.
 */
import { type APIService, localAvailableCondition } from "../../api/index.ts"

/** Prepares a new APIService (`now`: its creation time). Mutates `svc`. */
export function prepareApiServiceForCreate(svc: APIService, now: string): void {
  svc.status = svc.spec?.service ? {} : { conditions: [localAvailableCondition(now)] }
}

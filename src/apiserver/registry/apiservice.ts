/**
 * The APIService create strategy (upstream's apiServerStrategy.PrepareForCreate), run as a
 * mutating admission step so the generic registry stays generic: a new APIService starts with an
 * empty status, and a local one (no spec.service) is marked available at once, as upstream does.
 * Updates keep the stored status through the generic strategy.
 */
import { type APIService, localAvailableCondition } from "../../api/index.ts"
import type { Clock } from "../../util/index.ts"
import type { AdmissionPlugin } from "../admission.ts"
import { timestamp } from "./context.ts"

/** The APIService strategy, as an admission plugin that only mutates. */
export function apiServiceStrategy(clock: Clock): AdmissionPlugin {
  return {
    name: "APIServiceStrategy",
    mutate(req) {
      if (req.operation !== "CREATE" || req.subresource !== "") return
      if (req.info.group !== "apiregistration.k8s.io" || req.info.kind !== "APIService") return
      const svc = req.object as APIService | undefined
      if (!svc) return
      svc.status = svc.spec?.service ? {} : { conditions: [localAvailableCondition(timestamp(clock.now()))] }
    },
  }
}

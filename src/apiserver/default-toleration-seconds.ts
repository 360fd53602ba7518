/**
 * DefaultTolerationSeconds admission: a new pod that does not tolerate the not-ready and
 * unreachable NoExecute taints gets tolerations for them that last 300 s, so its pods are
 * evicted five minutes after its node fails (upstream's plugin of the same name).
 */
import type { Toleration } from "kubernetes-types/core/v1.js"
import type { AdmissionPlugin } from "./admission.ts"

/** Upstream's --default-not-ready-toleration-seconds and --default-unreachable-toleration-seconds. */
export const DEFAULT_TOLERATION_SECONDS = 300
const TAINTS = ["node.kubernetes.io/not-ready", "node.kubernetes.io/unreachable"] as const

function tolerates(t: Toleration, key: string): boolean {
  return (t.effect === undefined || t.effect === "" || t.effect === "NoExecute") && (t.key === key || !t.key)
}

/** The DefaultTolerationSeconds plugin; see the module comment. */
export function defaultTolerationSeconds(seconds = DEFAULT_TOLERATION_SECONDS): AdmissionPlugin {
  return {
    name: "DefaultTolerationSeconds",
    mutate(req) {
      if (
        req.operation !== "CREATE" ||
        req.subresource !== "" ||
        req.info.group !== "" ||
        req.info.kind !== "Pod"
      )
        return
      const spec = (req.object as { spec?: { tolerations?: Toleration[] } } | undefined)?.spec
      if (!spec) return
      const tolerations = spec.tolerations ?? []
      const added = TAINTS.filter((key) => !tolerations.some((t) => tolerates(t, key))).map(
        (key): Toleration => ({ key, operator: "Exists", effect: "NoExecute", tolerationSeconds: seconds }),
      )
      if (added.length) spec.tolerations = [...tolerations, ...added]
    },
  }
}

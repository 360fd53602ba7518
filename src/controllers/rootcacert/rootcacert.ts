/**
 * The root-ca-certificate-publisher: keeps the `kube-root-ca.crt` ConfigMap (the cluster CA
 * under `ca.crt`) in every namespace, restoring it when it is edited or deleted.
 */
import { ApiError, type ApiObject, ConfigMaps, Namespaces } from "../../api/index.ts"
import type { ControllerSpec } from "../../client/index.ts"
import { isNamespaceGoneOrTerminating } from "../serviceaccount/serviceaccount.ts"

/** The ConfigMap every namespace gets. */
export const ROOT_CA_CONFIG_MAP = "kube-root-ca.crt"
/** The annotation that says what the ConfigMap is for. */
export const DESCRIPTION_ANNOTATION = "kubernetes.io/description"
const DESCRIPTION =
  "Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. " +
  "No other usage is guaranteed across distributions of Kubernetes clusters."

function sameData(a: Readonly<Record<string, string>> | undefined, b: Record<string, string>): boolean {
  const keys = Object.keys(a ?? {})
  return keys.length === Object.keys(b).length && keys.every((k) => a?.[k] === b[k])
}

/** Publishes `rootCaPem` as kube-root-ca.crt in every namespace. */
export function rootCaCertPublisher(rootCaPem: string): ControllerSpec {
  const data = { "ca.crt": rootCaPem }
  return {
    name: "root-ca-certificate-publisher",
    for: Namespaces,
    watches: [
      {
        ref: ConfigMaps,
        map: (cm: ApiObject) =>
          cm.metadata?.name === ROOT_CA_CONFIG_MAP ? [cm.metadata.namespace ?? ""] : [],
      },
    ],
    create: ({ client, informers }) => ({
      async reconcile(key) {
        const ns = informers.get(Namespaces).cache.get(key)
        if (!ns || ns.metadata?.deletionTimestamp) return
        const cm = informers.get(ConfigMaps).cache.get(`${key}/${ROOT_CA_CONFIG_MAP}`)
        const configMaps = client.resource(ConfigMaps)
        if (!cm) {
          const fresh = {
            apiVersion: "v1" as const,
            kind: "ConfigMap" as const,
            metadata: {
              name: ROOT_CA_CONFIG_MAP,
              namespace: key,
              annotations: { [DESCRIPTION_ANNOTATION]: DESCRIPTION },
            },
            data,
          }
          await configMaps.create(fresh).catch((err: unknown) => {
            // Already there (the cache lags): the update event brings us back if it differs.
            if (err instanceof ApiError && err.reason === "AlreadyExists") return
            if (isNamespaceGoneOrTerminating(err)) return
            throw err
          })
          return
        }
        if (sameData(cm.data, data) && cm.metadata?.annotations?.[DESCRIPTION_ANNOTATION]) return
        const next = structuredClone(cm)
        next.data = { ...data }
        next.metadata = {
          ...next.metadata,
          annotations: { ...next.metadata?.annotations, [DESCRIPTION_ANNOTATION]: DESCRIPTION },
        }
        await configMaps.update(next)
      },
    }),
  }
}

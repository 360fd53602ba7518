/**
 * The serviceaccount controller: keeps a `default` ServiceAccount in every active namespace,
 * recreating it when it is deleted (upstream's ServiceAccountsController).
 */
import {
  type ApiObject,
  isAlreadyExists,
  isNamespaceTerminating,
  isNotFound,
  Namespaces,
  ServiceAccounts,
} from "../../api/index.ts"
import type { ControllerSpec } from "../../client/index.ts"

/** The service accounts every namespace gets. */
export const DEFAULT_SERVICE_ACCOUNTS = ["default"] as const

/** True when a create failed because the namespace is gone or terminating: nothing to retry. */
export function isNamespaceGoneOrTerminating(err: unknown): boolean {
  return isNotFound(err) || isNamespaceTerminating(err)
}

/** Ensures the default ServiceAccounts of each namespace exist. */
export const serviceAccountController: ControllerSpec = {
  name: "serviceaccount",
  for: Namespaces,
  watches: [
    {
      ref: ServiceAccounts,
      map: (sa: ApiObject) =>
        (DEFAULT_SERVICE_ACCOUNTS as readonly string[]).includes(sa.metadata?.name ?? "")
          ? [sa.metadata?.namespace ?? ""]
          : [],
    },
  ],
  create: ({ client, informers }) => ({
    async reconcile(key) {
      const ns = informers.get(Namespaces).cache.get(key)
      // Gone or going: creating content there would be refused anyway.
      if (!ns || ns.metadata?.deletionTimestamp || ns.status?.phase !== "Active") return
      const cache = informers.get(ServiceAccounts).cache
      for (const name of DEFAULT_SERVICE_ACCOUNTS) {
        if (cache.get(`${key}/${name}`)) continue
        await client
          .resource(ServiceAccounts)
          .create({ apiVersion: "v1", kind: "ServiceAccount", metadata: { name, namespace: key } })
          .catch((err: unknown) => {
            if (isAlreadyExists(err)) return
            if (isNamespaceGoneOrTerminating(err)) return
            throw err
          })
      }
    },
  }),
}

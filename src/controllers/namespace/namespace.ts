/**
 * The namespace controller: when a namespace is deleted, marks it Terminating, deletes all of
 * its content (every namespaced resource discovery lists, custom resources included), keeps the
 * deletion conditions current, and finally removes the `kubernetes` finalizer through the
 * finalize subresource so the API server can remove the namespace.
 */
import type { Namespace } from "kubernetes-types/core/v1.js"
import { type ApiObject, isNotFound, Namespaces } from "../../api/index.ts"
import type { Client, ControllerSpec } from "../../client/index.ts"
import { type Logger, rfc3339 } from "../../util/index.ts"
import { updatedConditions } from "./conditions.ts"
import { NamespaceContentDeleter } from "./deleter.ts"

/** The finalizer the namespace controller owns in spec.finalizers. */
export const KUBERNETES_FINALIZER = "kubernetes"

type Ns = Namespace & ApiObject

async function latest(client: Client, name: string): Promise<Ns | undefined> {
  try {
    return await client.resource(Namespaces).get({ name })
  } catch (err) {
    if (isNotFound(err)) return undefined
    throw err
  }
}

async function markTerminating(client: Client, ns: Ns): Promise<Ns> {
  if (ns.status?.phase === "Terminating") return ns
  return client.resource(Namespaces).updateStatus({ ...ns, status: { ...ns.status, phase: "Terminating" } })
}

async function finalize(client: Client, ns: Ns): Promise<void> {
  const finalizers = [
    ...new Set((ns.spec?.finalizers ?? []).filter((f) => f !== KUBERNETES_FINALIZER)),
  ].sort()
  try {
    await client.request({
      method: "PUT",
      ref: Namespaces,
      name: ns.metadata?.name ?? "",
      subresource: "finalize",
      body: { ...ns, spec: { ...ns.spec, finalizers } },
    })
  } catch (err) {
    if (!isNotFound(err)) throw err // already gone: another pass finished it
  }
}

async function writeConditions(client: Client, ns: Ns, conditions: Ns["status"], log: Logger): Promise<void> {
  try {
    await client.resource(Namespaces).updateStatus({ ...ns, status: conditions })
  } catch (err) {
    // Conditions are informative; the next pass writes them again.
    log.warn({ namespace: ns.metadata?.name, err: String(err) }, "Cannot update namespace conditions")
  }
}

/** Empties and finalizes deleted namespaces. */
export const namespaceController: ControllerSpec = {
  name: "namespace",
  workers: 10,
  for: Namespaces,
  create: ({ client, informers, clock, log }) => {
    const deleter = new NamespaceContentDeleter(client, () => clock.now())
    return {
      async reconcile(key) {
        const cached = informers.get(Namespaces).cache.get(key)
        if (!cached?.metadata?.deletionTimestamp) return
        // Several parties edit a terminating namespace: work from its latest state.
        let ns = await latest(client, key)
        if (!ns?.metadata?.deletionTimestamp) return
        ns = await markTerminating(client, ns)
        if (!(ns.spec?.finalizers ?? []).includes(KUBERNETES_FINALIZER)) return
        const deletedAt = Date.parse(ns.metadata?.deletionTimestamp ?? "")
        const result = await deleter.deleteAllContent(key, deletedAt)
        const now = rfc3339(clock.now())
        const conditions = updatedConditions(ns.status?.conditions, result, now)
        if (conditions) await writeConditions(client, ns, { ...ns.status, conditions }, log)
        const failures = [...(result.discoveryError ? [result.discoveryError] : []), ...result.contentErrors]
        if (failures.length) throw new Error(failures.join("; "))
        if (result.estimateSeconds > 0) {
          // Content is going away (graceful pods, finalizers): look again in about half the time.
          return { requeueAfterMs: (Math.floor(result.estimateSeconds / 2) + 1) * 1000 }
        }
        const fresh = await latest(client, key)
        if (fresh) await finalize(client, fresh)
      },
    }
  },
}

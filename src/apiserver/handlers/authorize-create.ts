/**
 * The create check of a write that creates what it meant to update (a PUT on the kinds that
 * allow it, a server-side apply): upstream's update and patch handlers wrap their create
 * validation in withAuthorization, asking the authorizer once for `create` on the object.
 */
import { forbidden } from "../webhook/errors.ts"
import type { ResourceRequest } from "./context.ts"

/** Asks the server's authorizer, once however often the write retries, whether `r`'s user may create. */
export function createAuthorization(r: ResourceRequest): () => Promise<void> {
  let asked: Promise<void> | undefined
  return () => (asked ??= authorizeCreate(r))
}

async function authorizeCreate(r: ResourceRequest): Promise<void> {
  const user = r.req.user
  // In-process writes without a user were never authorized (nor are their updates).
  if (!user) return
  const { group, version, resource } = r.served.info
  const d = await r.parts.authorization.authorize({
    user,
    verb: "create",
    resourceRequest: true,
    apiGroup: group,
    apiVersion: version,
    resource,
    subresource: r.ri.subresource,
    namespace: r.namespace,
    name: r.ri.name,
    path: r.req.path,
  })
  if (d.decision !== "Allow") throw forbidden({ group, resource }, r.ri.name, d.reason)
}

/** A node's heartbeat: its Lease in kube-node-lease, renewed by every kubelet (real or hollow). */
import { ApiError, Leases, Nodes } from "../api/index.ts"
import type { Client } from "../client/index.ts"

/** How long a node's Lease lasts without renewal (upstream's 40 s). */
export const NODE_LEASE_SECONDS = 40

function microTime(ms: number): string {
  return new Date(ms).toISOString().replace("Z", "000Z")
}

/** Renews the Lease of node `name` at time `now`, creating it (owned by the Node) when missing. */
export async function renewNodeLease(client: Client, name: string, now: number): Promise<void> {
  const leases = client.resource(Leases)
  const key = { namespace: "kube-node-lease", name }
  const renewTime = microTime(now)
  try {
    await leases.patch(key, { spec: { renewTime, holderIdentity: name } }, { type: "merge" })
  } catch (err) {
    if (!(err instanceof ApiError && err.reason === "NotFound")) throw err
    const node = await client.resource(Nodes).get({ name })
    await leases.create({
      apiVersion: "coordination.k8s.io/v1",
      kind: "Lease",
      metadata: {
        ...key,
        ownerReferences: [{ apiVersion: "v1", kind: "Node", name, uid: node.metadata?.uid ?? "" }],
      },
      spec: { holderIdentity: name, leaseDurationSeconds: NODE_LEASE_SECONDS, renewTime },
    })
  }
}

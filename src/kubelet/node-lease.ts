/** A node's heartbeat: its Lease in kube-node-lease, renewed by every kubelet (real or hollow). */
import { ApiError, Leases, Nodes } from "../api/index.ts"
import type { Client } from "../client/index.ts"
import { microTime } from "../util/index.ts"

/** How long a node's Lease lasts without renewal (upstream's 40 s). */
export const NODE_LEASE_SECONDS = 40

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
    await createNodeLease(client, name, node.metadata?.uid ?? "", now)
  }
}

/**
 * Creates the Lease of node `name` (whose uid is `uid`: the Lease is owned by the Node) at time
 * `now`, for a kubelet that knows it has none yet (it just registered its Node).
 * @throws ApiError AlreadyExists when the Lease is there
 */
export async function createNodeLease(client: Client, name: string, uid: string, now: number): Promise<void> {
  await client.resource(Leases).create({
    apiVersion: "coordination.k8s.io/v1",
    kind: "Lease",
    metadata: {
      namespace: "kube-node-lease",
      name,
      ownerReferences: [{ apiVersion: "v1", kind: "Node", name, uid }],
    },
    spec: { holderIdentity: name, leaseDurationSeconds: NODE_LEASE_SECONDS, renewTime: microTime(now) },
  })
}

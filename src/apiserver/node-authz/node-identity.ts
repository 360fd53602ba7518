/**
 * Which node a user is (upstream's pkg/auth/nodeidentifier): a user named `system:node:<name>`
 * in the `system:nodes` group is that node's kubelet.
 */
import type { UserInfo } from "../http.ts"

/** The group every node's credentials carry (upstream's user.NodesGroup). */
export const NODES_GROUP = "system:nodes"
const NODE_USER_PREFIX = "system:node:"

/**
 * The node `user` is: undefined when it is not a node, "" when it is one whose name is empty
 * (upstream's NodeIdentity answering isNode with no name).
 */
export function nodeIdentity(user: UserInfo | undefined): string | undefined {
  if (!user?.name.startsWith(NODE_USER_PREFIX)) return undefined
  if (!user.groups.includes(NODES_GROUP)) return undefined
  return user.name.slice(NODE_USER_PREFIX.length)
}

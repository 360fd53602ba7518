/**
 * The API server the RBAC tests sign in to: RBAC mode on a fixed clock, and one bearer token
 * per user they act as. Test-only; nothing outside *.test.ts imports it.
 */
import { FakeClock } from "../../util/index.ts"
import { createAuthenticator } from "../authn.ts"
import type { ApiServerOptions } from "../server.ts"

/** The service account the robot token signs in as. */
export const ROBOT = "system:serviceaccount:team:robot"

/**
 * The users by token: admin (system:masters), jane (group devs), sam (no group of its own) and
 * robot (the team namespace's service account).
 */
const USERS = new Map([
  ["admin", { name: "admin", groups: ["system:masters", "system:authenticated"] }],
  ["jane", { name: "jane", groups: ["devs", "system:authenticated"] }],
  ["sam", { name: "sam", groups: ["system:authenticated"] }],
  [
    "robot",
    {
      name: ROBOT,
      groups: ["system:serviceaccounts", "system:serviceaccounts:team", "system:authenticated"],
    },
  ],
])

/** Options of an API server in RBAC mode that knows the tokens above (memoryApiServer's). */
export function rbacServerOptions(): Omit<ApiServerOptions, "store"> {
  return {
    clock: new FakeClock(Date.UTC(2026, 11, 1)),
    authorizationModes: ["RBAC"],
    authenticate: createAuthenticator({ tokens: USERS }),
  }
}

/** The headers of a request as the user of `token`. */
export function as(token: string): Record<string, string> {
  return { authorization: `Bearer ${token}` }
}

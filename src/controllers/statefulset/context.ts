/** What the StatefulSet control loop works with during one reconcile. */
import type { Cache, Client, EventRecorder } from "../../client/index.ts"
import type { ClaimObject } from "./identity.ts"

/** The client, event recorder, claim cache and clock of one reconcile. */
export interface SetContext {
  readonly client: Client
  readonly recorder: EventRecorder
  readonly claims: Cache<ClaimObject>
  readonly now: number
}

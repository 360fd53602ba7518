/** The garbage collector: background, foreground and orphan propagation over ownerReferences. */
export { garbageCollectorController, DISCOVERY_RESYNC_MS } from "./garbagecollector.ts"

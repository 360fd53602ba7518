/** The pod-garbage-collector: terminated pods beyond a threshold, orphaned and stuck terminating pods. */
export { podGcController, DEFAULT_TERMINATED_POD_THRESHOLD, type PodGcOptions } from "./podgc.ts"

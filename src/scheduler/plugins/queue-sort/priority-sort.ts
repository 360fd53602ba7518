/** PrioritySort: the active queue pops higher priority first, then the pod queued earlier. */
import type { QueueSortPlugin } from "../../framework/types.ts"

/** Builds PrioritySort. */
export function newPrioritySort(): QueueSortPlugin {
  return {
    name: "PrioritySort",
    less(a, b) {
      const pa = a.podInfo.priority
      const pb = b.podInfo.priority
      return pa > pb || (pa === pb && a.timestamp < b.timestamp)
    },
  }
}

/**
 * The kubelet's Events about its own Node, as upstream's kubelet records them on its nodeRef
 * (kind Node, the node's name standing for its uid, no namespace: written to "default"):
 * `Starting` ("Starting kubelet.") when it starts (BirthCry); on a status sync
 * "Node <name> status is now: <event>" for each condition its setters change (conditionsSet),
 * and for `NodeNotSchedulable` / `NodeSchedulable` when spec.unschedulable differs from what it
 * last saw (recordNodeSchedulableEvent; it starts from schedulable).
 */
import type { Node, NodeCondition } from "kubernetes-types/core/v1.js"
import type { ApiObject } from "../api/index.ts"
import type { EventRecorder } from "../client/index.ts"

/** The event of each pressure condition's status, as upstream's condition setters name them. */
const PRESSURE_EVENTS: Readonly<Record<string, { readonly True: string; readonly False: string }>> = {
  MemoryPressure: { True: "NodeHasInsufficientMemory", False: "NodeHasSufficientMemory" },
  DiskPressure: { True: "NodeHasDiskPressure", False: "NodeHasNoDiskPressure" },
  PIDPressure: { True: "NodeHasInsufficientPID", False: "NodeHasSufficientPID" },
}

/**
 * The events upstream's condition setters record when they set `conditions` (in their order) over
 * a Node whose conditions were `before` (undefined: a Node being built, as at registration). A
 * pressure condition records its event when it is new (a new one starts Unknown) or its status
 * changes; Ready only when it existed with another status (NodeReady, or NodeNotReady).
 */
export function conditionEvents(
  before: readonly NodeCondition[] | undefined,
  conditions: readonly NodeCondition[],
): string[] {
  const out: string[] = []
  for (const c of conditions) {
    const old = before?.find((o) => o.type === c.type)
    const pressure = PRESSURE_EVENTS[c.type]
    if (pressure) {
      if ((c.status === "True" || c.status === "False") && (old?.status ?? "Unknown") !== c.status)
        out.push(pressure[c.status])
    } else if (c.type === "Ready" && old && old.status !== c.status) {
      out.push(c.status === "True" ? "NodeReady" : "NodeNotReady")
    }
  }
  return out
}

/** Records the kubelet's events about its Node. */
export class NodeEvents {
  readonly #events: EventRecorder
  readonly #name: string
  readonly #ref: ApiObject
  #lastUnschedulable = false

  constructor(events: EventRecorder, nodeName: string) {
    this.#events = events
    this.#name = nodeName
    this.#ref = { kind: "Node", metadata: { name: nodeName, uid: nodeName } }
  }

  /** The kubelet started. */
  starting(): void {
    this.#events.event(this.#ref, "Normal", "Starting", "Starting kubelet.")
  }

  /** A status sync saw `node`: a change of spec.unschedulable since the last one is recorded. */
  schedulable(node: Node | undefined): void {
    if (!node) return
    const unschedulable = node.spec?.unschedulable === true
    if (unschedulable === this.#lastUnschedulable) return
    this.#lastUnschedulable = unschedulable
    this.#status(unschedulable ? "NodeNotSchedulable" : "NodeSchedulable")
  }

  /**
   * `conditions` are being set over `node` as it was (undefined: the Node the kubelet builds to
   * register): each change is recorded as conditionEvents says.
   */
  conditionsSet(node: Node | undefined, conditions: readonly NodeCondition[]): void {
    const before = node ? (node.status?.conditions ?? []) : undefined
    for (const event of conditionEvents(before, conditions)) this.#status(event)
  }

  #status(event: string): void {
    this.#events.event(this.#ref, "Normal", event, `Node ${this.#name} status is now: ${event}`)
  }
}

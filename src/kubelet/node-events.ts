/**
 * The kubelet's Events about its own Node, as upstream's kubelet records them on its nodeRef
 * (kind Node, the node's name standing for its uid, no namespace: written to "default"):
 * `Starting` ("Starting kubelet.") when it starts (BirthCry), and on a status sync
 * "Node <name> status is now: <event>" for `NodeReady` when its write turns the Ready condition
 * True, and for `NodeNotSchedulable` / `NodeSchedulable` when spec.unschedulable differs from
 * what it last saw (recordNodeSchedulableEvent; it starts from schedulable).
 */
import type { Node } from "kubernetes-types/core/v1.js"
import type { ApiObject } from "../api/index.ts"
import type { EventRecorder } from "../client/index.ts"

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
   * Ready=True is being written over `node` as it was: a Ready condition of another status
   * turns True (a new condition records nothing, as upstream's ReadyCondition setter).
   */
  readyWritten(node: Node | undefined): void {
    const ready = node?.status?.conditions?.find((c) => c.type === "Ready")
    if (ready && ready.status !== "True") this.#status("NodeReady")
  }

  #status(event: string): void {
    this.#events.event(this.#ref, "Normal", event, `Node ${this.#name} status is now: ${event}`)
  }
}

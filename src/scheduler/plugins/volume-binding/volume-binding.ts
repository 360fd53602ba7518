/**
 * VolumeBinding (upstream's plugin, without storage capacity): pre-filter sorts out the pod's
 * claims; filter keeps nodes where the bound claims' volumes may be used (node affinity) and
 * where each WaitForFirstConsumer claim finds a static volume or can be provisioned; pre-bind
 * writes the choice for the picked node (a volume's claimRef, or the claim's selected-node
 * annotation for its provisioner) and waits until the binder has bound every claim.
 */
import type { Node, PersistentVolume, PersistentVolumeClaim } from "kubernetes-types/core/v1.js"
import {
  type ApiObject,
  claimRefOf,
  classOf,
  findBestMatch,
  PersistentVolumeClaims,
  PersistentVolumes,
  volumeFitsNode,
} from "../../../api/index.ts"
import { realClock } from "../../../util/index.ts"
import type { CycleState } from "../../framework/cycle-state.ts"
import {
  errorStatus,
  skip,
  success,
  unresolvable,
  unschedulable,
  type Status,
} from "../../framework/status.ts"
import type {
  FilterPlugin,
  Handle,
  PreBindPlugin,
  PreFilterPlugin,
  VolumeLister,
} from "../../framework/types.ts"
import { hasClaims, podClaims, type PodClaims } from "./claims.ts"

const NAME = "VolumeBinding"
const STATE_KEY = "PreFilterVolumeBinding"
/** Upstream's filter reasons. */
export const ERR_NODE_CONFLICT = "node(s) had volume node affinity conflict"
export const ERR_BIND_CONFLICT = "node(s) didn't find available persistent volumes to bind"
const ANN_SELECTED_NODE = "volume.kubernetes.io/selected-node"
const ANN_BIND_COMPLETED = "pv.kubernetes.io/bind-completed"
const ANN_BOUND_BY_CONTROLLER = "pv.kubernetes.io/bound-by-controller"
/** Classes that name this provisioner have only static volumes. */
const NO_PROVISIONER = "kubernetes.io/no-provisioner"
/** upstream's bindTimeoutSeconds default, and how often pre-bind looks again. */
const BIND_TIMEOUT_MS = 600_000
const POLL_MS = 100

/** How one delayed claim is satisfied on one node: a static volume, or provisioning. */
interface Decision {
  readonly claim: PersistentVolumeClaim
  readonly volume?: PersistentVolume
}

interface State extends PodClaims {
  /** Per node the decisions filter made there. */
  readonly decisions: Map<string, readonly Decision[]>
}

/** The decisions for `node`, or a reason the node cannot serve the delayed claims. */
function decide(
  claims: readonly PersistentVolumeClaim[],
  node: Node,
  lister: VolumeLister,
): Decision[] | string {
  const name = node.metadata?.name ?? ""
  const taken = new Set<string>()
  const out: Decision[] = []
  for (const claim of claims) {
    const selected = claim.metadata?.annotations?.[ANN_SELECTED_NODE]
    // Already handed to a provisioner for another node: only that node will do.
    if (selected && selected !== name) return ERR_BIND_CONFLICT
    const free = lister.volumes().filter((v) => !taken.has(v.metadata?.name ?? ""))
    const volume = selected ? undefined : findBestMatch(claim, free, { delayBinding: true, node })
    if (volume) {
      taken.add(volume.metadata?.name ?? "")
      out.push({ claim, volume })
      continue
    }
    const sc = lister.storageClass(classOf(claim))
    if (!sc || !sc.provisioner || sc.provisioner === NO_PROVISIONER) return ERR_BIND_CONFLICT
    out.push({ claim })
  }
  return out
}

/** True once the claim is bound (spec.volumeName and bind-completed). */
function isBound(claim: PersistentVolumeClaim | undefined): boolean {
  return !!claim?.spec?.volumeName && claim.metadata?.annotations?.[ANN_BIND_COMPLETED] !== undefined
}

/** Builds VolumeBinding. */
export function newVolumeBinding(
  _args: unknown,
  handle: Handle,
): PreFilterPlugin & FilterPlugin & PreBindPlugin {
  const clock = handle.clock ?? realClock
  const read = (state: CycleState) => state.read<State>(STATE_KEY)

  /** Writes one decision: the volume's claimRef (the binder finishes), or the selected node. */
  async function write(d: Decision, nodeName: string, signal: AbortSignal): Promise<void> {
    const client = handle.client
    if (!client) throw new Error("no client to bind volumes with")
    const m = d.claim.metadata ?? {}
    if (d.volume) {
      const pv = structuredClone(d.volume) as PersistentVolume & ApiObject
      const meta = (pv.metadata ??= {})
      meta.annotations = { ...(meta.annotations ?? {}), [ANN_BOUND_BY_CONTROLLER]: "yes" }
      pv.spec = {
        ...(pv.spec ?? {}),
        claimRef: claimRefOf(d.claim),
      }
      await client.resource(PersistentVolumes).update(pv, { signal })
      return
    }
    await client
      .resource(PersistentVolumeClaims)
      .patch(
        { namespace: m.namespace ?? "", name: m.name ?? "" },
        { metadata: { annotations: { [ANN_SELECTED_NODE]: nodeName } } },
        { type: "merge", signal },
      )
  }

  /** Waits until every decided claim is bound; fails when a provisioner gave a claim back. */
  async function waitBound(
    decisions: readonly Decision[],
    lister: VolumeLister,
    signal: AbortSignal,
  ): Promise<Status> {
    const deadline = clock.now() + BIND_TIMEOUT_MS
    for (;;) {
      let all = true
      for (const d of decisions) {
        const cur = lister.claim(d.claim.metadata?.namespace ?? "", d.claim.metadata?.name ?? "")
        if (!cur) return errorStatus(`persistentvolumeclaim "${d.claim.metadata?.name}" not found`)
        if (isBound(cur)) continue
        all = false
        // The provisioner removes the selected node when it cannot provision there.
        if (!d.volume && cur.metadata?.annotations?.[ANN_SELECTED_NODE] === undefined) {
          return errorStatus(`provisioning failed for PVC "${cur.metadata?.name}"`)
        }
      }
      if (all) return success()
      if (clock.now() >= deadline) return errorStatus("binding volumes: timed out waiting for the condition")
      await clock.sleep(POLL_MS, signal)
    }
  }

  return {
    name: NAME,
    preFilter(state, pod) {
      const lister = handle.volumes
      if (!lister || !hasClaims(pod.pod)) return { status: skip() }
      const claims = podClaims(pod.pod, lister)
      if (typeof claims === "string") return { status: unresolvable(claims) }
      state.write(STATE_KEY, { ...claims, decisions: new Map() } satisfies State)
      return { status: success() }
    },
    filter(state, _pod, node) {
      const s = read(state)
      const lister = handle.volumes
      if (!s || !lister) return success()
      if (s.boundVolumes.some((pv) => !volumeFitsNode(pv, node.node))) return unresolvable(ERR_NODE_CONFLICT)
      if (s.delayed.length === 0) return success()
      const decisions = decide(s.delayed, node.node, lister)
      if (typeof decisions === "string") return unschedulable(decisions)
      s.decisions.set(node.name, decisions)
      return success()
    },
    async preBind(state, _pod, nodeName, signal) {
      const s = read(state)
      const lister = handle.volumes
      const decisions = s?.decisions.get(nodeName) ?? []
      if (!lister || decisions.length === 0) return success()
      for (const d of decisions) await write(d, nodeName, signal)
      return waitBound(decisions, lister, signal)
    },
  }
}

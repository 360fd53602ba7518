/**
 * A kubelet that starts where a previous run left containers (it crashed or restarted, the
 * runtime kept them) rebuilds each pod's record from what the runtime reports, as upstream's
 * kubelet rebuilds its view from the CRI: the latest start of each container is its current one
 * (running or exited, with its real exit code), the one before its last state, and its attempt
 * its restart count. The pod sync then finds them matching the spec and leaves them alone. The
 * termination message of each start comes from the file mounted at its terminationMessagePath
 * (found among the mounts the runtime reports, as upstream reads the CRI status) or its log.
 */
import type { Container, Pod } from "kubernetes-types/core/v1.js"
import { newContainerRecord, type ContainerRecord, type PodRecord } from "./pod-state.ts"
import type { ContainerInfo, ContainerRuntime } from "./runtime/runtime.ts"
import { terminationMessage } from "./volumes/termination-message.ts"

/**
 * Where the termination message of each start comes from, read at once for those that exited
 * (while no kubelet ran, or before the previous one stopped).
 */
function terminationOf(c: Container, starts: readonly ContainerInfo[]): ContainerRecord["termination"] {
  const at = c.terminationMessagePath ?? "/dev/termination-log"
  const fallbackToLogs = c.terminationMessagePolicy === "FallbackToLogsOnError"
  return new Map(
    starts.map((s) => {
      const path = at ? s.mounts?.find((m) => m.containerPath === at)?.hostPath : undefined
      const source = { ...(path ? { path } : {}), fallbackToLogs }
      return [s.id, { source, ...(s.state === "exited" ? { message: terminationMessage(s, source) } : {}) }]
    }),
  )
}

/** The record of a container from its starts, latest first. */
function containerRecord(c: Container, starts: readonly ContainerInfo[]): ContainerRecord {
  const r = newContainerRecord()
  const [current, previous] = starts
  if (current) {
    r.current = current
    r.restartCount = current.attempt
  }
  if (previous) r.previous = previous
  r.termination = terminationOf(c, starts.slice(0, 2))
  // As after a start: probes decide again (readiness and startup from their first result).
  r.ready = !c.readinessProbe
  r.started = !c.startupProbe
  return r
}

/** The containers of a spec list found among the runtime's, latest start first. */
function fill(into: Map<string, ContainerRecord>, specs: readonly Container[], mine: ContainerInfo[]): void {
  for (const c of specs) {
    const starts = mine.filter((i) => i.name === c.name).sort((a, b) => b.attempt - a.attempt)
    if (starts.length) into.set(c.name, containerRecord(c, starts))
  }
}

/**
 * The record of `pod` rebuilt from its sandbox and containers in the runtime; undefined when the
 * runtime holds nothing of it.
 */
export function adoptedRecord(runtime: ContainerRuntime, key: string, pod: Pod): PodRecord | undefined {
  const uid = pod.metadata?.uid ?? ""
  const sandbox = runtime.sandboxes().find((s) => s.podUid === uid)
  const mine = runtime.list().filter((c) => c.podUid === uid)
  if (!sandbox && !mine.length) return undefined
  const started = Date.parse(pod.status?.startTime ?? "")
  const earliest = Math.min(...mine.map((c) => c.startedAt))
  const record: PodRecord = {
    uid,
    key,
    since: Number.isFinite(started) ? started : Number.isFinite(earliest) ? earliest : Date.now(),
    containers: new Map(),
    initContainers: new Map(),
    ...(sandbox ? { sandbox } : {}),
  }
  fill(record.initContainers, pod.spec?.initContainers ?? [], mine)
  fill(record.containers, pod.spec?.containers ?? [], mine)
  const ephemeral = new Map<string, ContainerRecord>()
  fill(ephemeral, (pod.spec?.ephemeralContainers ?? []) as Container[], mine)
  if (ephemeral.size) record.ephemeralContainers = ephemeral
  return record
}

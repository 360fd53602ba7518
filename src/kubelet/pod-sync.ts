/**
 * One pass of the kubelet over one pod: make the runtime match the spec (volumes, sandbox, init
 * containers in order, then the app containers, restarts under the restart policy with
 * upstream's back-off), or tear it down when the pod is being deleted. Returns when to look
 * again (a back-off ending).
 */
import type { Container, LifecycleHandler, Pod, Service } from "kubernetes-types/core/v1.js"
import { ApiError, RuntimeClasses } from "../api/index.ts"
import type { Client, EventRecorder } from "../client/index.ts"
import type { Logger } from "../util/index.ts"
import { containerEvent } from "./container-ref.ts"
import { ContainerConfigError, containerEnv, expandCommand } from "./env.ts"
import { killContainer, type KillTarget, stopAll } from "./kill-container.ts"
import { runHook } from "./lifecycle-hooks.ts"
import { allContainerRecords, type ContainerRecord, type PodRecord, recordOf } from "./pod-state.ts"
import { syncEphemeral } from "./ephemeral-containers.ts"
import { willRestart } from "./pod-status.ts"
import { terminationMessage } from "./volumes/termination-message.ts"
import type { VolumeManager } from "./volumes/volume-manager.ts"
import {
  type ContainerConfig,
  ContainerCreateError,
  type ContainerInfo,
  ContainerStartError,
  type ContainerRuntime,
  type Mount,
  type Sandbox,
  type SandboxConfig,
} from "./runtime/runtime.ts"
import { sandboxConfig, withResources } from "./sandbox-config.ts"
import { actuateResize, resizeNeed, restartsFor } from "./resize/actuate.ts"

/** Back-off between restarts of a crashing container. */
export interface Backoff {
  /** The first back-off (upstream: 10 s). */
  readonly initialMs: number
  /** The cap (upstream: 5 minutes). */
  readonly maxMs: number
}

/** What a pod sync uses. */
export interface SyncDeps {
  readonly client: Client
  readonly runtime: ContainerRuntime
  readonly events: EventRecorder
  readonly log: Logger
  readonly hostIP: string
  readonly services: () => Service[]
  readonly serviceAddress?: (clusterIP: string) => string
  readonly backoff: Backoff
  readonly now: () => number
  /** Pod volumes and container mounts (none: containers get no mounts). */
  readonly volumes?: VolumeManager
}

/** How long a container must run before its back-off is forgotten (upstream: 10 minutes). */
const BACKOFF_RESET_MS = 10 * 60 * 1000

function podLabel(pod: Pod): string {
  return `${pod.metadata?.name}_${pod.metadata?.namespace}(${pod.metadata?.uid})`
}

/** What the runtime starts container `c` from, its command and environment resolved. */
function runtimeConfig(
  c: Container,
  command: string[],
  args: string[],
  env: Record<string, string>,
  attempt: number,
): ContainerConfig {
  return {
    name: c.name,
    image: c.image ?? "",
    command,
    args,
    env,
    attempt,
    ...(c.workingDir ? { workingDir: c.workingDir } : {}),
    ...(c.stdin ? { stdin: true } : {}),
    ...(c.stdinOnce ? { stdinOnce: true } : {}),
    ...(c.tty ? { tty: true } : {}),
    ...withResources(c),
  }
}

/**
 * Starts container `c` of the pod (its attempt after `r.current`), recording waiting reasons;
 * `extra` adds to what the runtime is given (an ephemeral container's PID namespace target).
 */
export async function startContainer(
  d: SyncDeps,
  pod: Pod,
  sandbox: Sandbox,
  c: Container,
  r: ContainerRecord,
  extra: Partial<ContainerConfig> = {},
): Promise<void> {
  if (inPullBackOff(d, pod, c, r)) return
  try {
    const env = await containerEnv(c, {
      client: d.client,
      pod,
      podIP: sandbox.ip,
      hostIP: d.hostIP,
      services: d.services(),
      ...(d.serviceAddress ? { serviceAddress: d.serviceAddress } : {}),
    })
    const { command, args } = expandCommand(c, env)
    const files = await d.volumes?.mounts(pod, c, { podIPs: [sandbox.ip], env, events: d.events })
    if (files) warnUnmounted(d, pod, c, files.mounts)
    const attempt = r.current ? r.current.attempt + 1 : 0
    const mounts = files ? { mounts: files.mounts } : {}
    let info: ContainerInfo
    try {
      info = await d.runtime.start(sandbox, {
        ...runtimeConfig(c, command, args, env, attempt),
        ...mounts,
        ...extra,
      })
    } catch (err) {
      if (!(err instanceof ContainerStartError)) throw err
      noteTermination(r, err.container.id, c, files?.terminationPath)
      return startFailed(d, pod, c, r, err.container)
    }
    noteTermination(r, info.id, c, files?.terminationPath)
    await started(d, { pod, c, id: info.id, podIP: sandbox.ip }, r, info)
  } catch (err) {
    if (err instanceof ContainerConfigError) {
      r.waiting = { reason: "CreateContainerConfigError", message: err.message }
      containerEvent(d.events, pod, c.name, "Warning", "Failed", `Error: ${err.message}`)
      return
    }
    if (err instanceof ContainerCreateError) {
      r.waiting = { reason: err.reason, message: err.message }
      containerEvent(d.events, pod, c.name, "Warning", "Failed", err.message)
      if (err.reason === "ErrImagePull") pullFailed(d, pod, c, r, err.message)
      return
    }
    throw err
  }
}

/**
 * Records a container made by the runtime (started, or exited at once with a StartError): the
 * record's current start (the one before as its previous, one restart more) and upstream's
 * Pulled and Created events.
 */
function created(d: SyncDeps, pod: Pod, c: Container, r: ContainerRecord, info: ContainerInfo): void {
  if (r.current) {
    r.previous = r.current
    r.restartCount++
  }
  // Every start checks the image first, as upstream's image manager does (so a restart records it again).
  containerEvent(
    d.events,
    pod,
    c.name,
    "Normal",
    "Pulled",
    `Container image "${c.image}" already present on machine`,
  )
  r.current = info
  r.waiting = undefined
  r.pull = undefined
  containerEvent(d.events, pod, c.name, "Normal", "Created", `Created container: ${c.name}`)
}

/** Records a start: the container's record, upstream's events, then its postStart hook. */
async function started(d: SyncDeps, t: KillTarget, r: ContainerRecord, info: ContainerInfo): Promise<void> {
  const { pod, c } = t
  created(d, pod, c, r, info)
  r.ready = !c.readinessProbe
  r.started = !c.startupProbe
  containerEvent(d.events, pod, c.name, "Normal", "Started", `Started container ${c.name}`)
  const hook = c.lifecycle?.postStart
  if (hook) await postStart(d, t, r, hook)
}

/**
 * Records a container whose program could not start, as upstream's startContainer does a failed
 * StartContainer: a Failed event "Error: <the runtime's error>", and, when the restart policy
 * starts it again, waiting with RunContainerError until then (the reason cache); else it is
 * terminated with the runtime's StartError.
 */
function startFailed(d: SyncDeps, pod: Pod, c: Container, r: ContainerRecord, info: ContainerInfo): void {
  created(d, pod, c, r, info)
  r.ready = false
  r.started = false
  const message = info.message ?? ""
  containerEvent(d.events, pod, c.name, "Warning", "Failed", `Error: ${message}`)
  if (restartsAfter(pod, c, info)) r.waiting = { reason: "RunContainerError", message }
}

/**
 * Runs the container's postStart hook (the pod's sync waits for it, as upstream's). When it
 * fails: a FailedPostStartHook event, the container killed, and, if it is to start again,
 * waiting with PostStartHookError until its back-off.
 */
async function postStart(
  d: SyncDeps,
  t: KillTarget,
  r: ContainerRecord,
  hook: LifecycleHandler,
): Promise<void> {
  const failure = await runHook(d.runtime, { pod: t.pod, container: t.c, id: t.id, podIP: t.podIP }, hook)
  if (failure === undefined) return
  containerEvent(d.events, t.pod, t.c.name, "Warning", "FailedPostStartHook", failure)
  await killContainer(d, t, specGraceMs(t.pod), "FailedPostStartHook")
  const now = d.runtime.container(t.id)
  if (now) r.current = now
  if (now?.state === "exited" && restartsAfter(t.pod, t.c, now)) {
    r.waiting = { reason: "PostStartHookError", message: failure }
  }
}

/** The grace period of a container the sync kills (the pod's spec's, upstream's 30 s by default). */
function specGraceMs(pod: Pod): number {
  return (pod.spec?.terminationGracePeriodSeconds ?? 30) * 1000
}

/** Whether container `c` of the pod starts again after exiting as `info` (ephemeral ones never do). */
function restartsAfter(pod: Pod, c: Container, info: ContainerInfo): boolean {
  const policy = pod.spec?.restartPolicy ?? "Always"
  if ((pod.spec?.initContainers ?? []).some((x) => x.name === c.name))
    return willRestart(c.restartPolicy === "Always" ? "Always" : policy, info, c.restartPolicy !== "Always")
  if ((pod.spec?.containers ?? []).some((x) => x.name === c.name)) return willRestart(policy, info, false)
  return false
}

/** After a failed pull, the next pull waits out upstream's image back-off (10 s doubling to 5 minutes). */
function pullFailed(d: SyncDeps, pod: Pod, c: Container, r: ContainerRecord, message: string): void {
  const backoffMs = r.pull ? Math.min(r.pull.backoffMs * 2, d.backoff.maxMs) : d.backoff.initialMs
  const error = message.replace(/^Failed to pull image "[^"]*": /, "")
  r.pull = { backoffMs, until: d.now() + backoffMs, error }
  containerEvent(d.events, pod, c.name, "Warning", "Failed", "Error: ErrImagePull")
}

/** Whether `c`'s image is in pull back-off: then it waits with ImagePullBackOff, as upstream's. */
function inPullBackOff(d: SyncDeps, pod: Pod, c: Container, r: ContainerRecord): boolean {
  if (!r.pull || d.now() >= r.pull.until) return false
  const msg = `Back-off pulling image "${c.image}"`
  r.waiting = { reason: "ImagePullBackOff", message: `${msg}: ErrImagePull: ${r.pull.error}` }
  containerEvent(d.events, pod, c.name, "Normal", "BackOff", msg)
  containerEvent(d.events, pod, c.name, "Warning", "Failed", "Error: ImagePullBackOff")
  return true
}

/**
 * When to sync a container whose image could not be pulled again: at once after a failed pull
 * (that sync reports ImagePullBackOff), else when its back-off ends (the next pull). Undefined
 * when its image is not the matter.
 */
function pullWait(d: SyncDeps, r: ContainerRecord): number | undefined {
  if (r.waiting?.reason === "ErrImagePull") return 1
  if (r.waiting?.reason === "ImagePullBackOff" && r.pull) return Math.max(1, r.pull.until - d.now())
  return undefined
}

/**
 * When the runtime cannot mount, a FailedMount warning per volumeMount of `c`: why, and where
 * on the node the volume's files are instead (the container still starts).
 */
function warnUnmounted(d: SyncDeps, pod: Pod, c: Container, mounts: readonly Mount[]): void {
  const why = d.runtime.mountsUnavailable?.()
  if (!why) return
  // volumeMounts resolve in order into the first mounts.
  for (const [i, m] of (c.volumeMounts ?? []).entries()) {
    const at = mounts[i]?.hostPath ?? ""
    d.events.event(
      pod as never,
      "Warning",
      "FailedMount",
      `Unable to mount volume "${m.name}" at ${m.mountPath} in container "${c.name}": ${why}; its files are at ${at} on the node`,
    )
  }
}

/** Remembers where the termination message of start `id` comes from (keeping the previous start's). */
function noteTermination(r: ContainerRecord, id: string, c: Container, path: string | undefined): void {
  const keep = new Set([r.current?.id, r.previous?.id])
  const map = new Map([...(r.termination ?? [])].filter(([k]) => keep.has(k)))
  const fallbackToLogs = c.terminationMessagePolicy === "FallbackToLogsOnError"
  map.set(id, { source: { ...(path ? { path } : {}), fallbackToLogs } })
  r.termination = map
}

/**
 * Handles an exited container that should run again: restart once its back-off has passed.
 * Returns the wait left (0 when it restarted or was not due).
 */
async function restartWhenDue(
  d: SyncDeps,
  pod: Pod,
  sandbox: Sandbox,
  c: Container,
  r: ContainerRecord,
): Promise<number> {
  const cur = r.current
  if (!cur || cur.state !== "exited") return 0
  if (r.decidedFor !== cur.id) {
    // A container that never started (startedAt 0: a StartError) ran for no time.
    const ran = cur.startedAt ? (cur.finishedAt ?? cur.startedAt) - cur.startedAt : 0
    if (ran >= BACKOFF_RESET_MS) r.backoffMs = 0
    r.nextStartAt = (cur.finishedAt ?? d.now()) + r.backoffMs
    r.backoffMs = r.backoffMs ? Math.min(r.backoffMs * 2, d.backoff.maxMs) : d.backoff.initialMs
    r.decidedFor = cur.id
  }
  const wait = r.nextStartAt - d.now()
  if (wait > 0) {
    const seconds = Math.round((r.nextStartAt - (cur.finishedAt ?? cur.startedAt)) / 1000)
    r.waiting = {
      reason: "CrashLoopBackOff",
      message: `back-off ${seconds}s restarting failed container=${c.name} pod=${podLabel(pod)}`,
    }
    containerEvent(
      d.events,
      pod,
      c.name,
      "Warning",
      "BackOff",
      `Back-off restarting failed container ${c.name} in pod ${podLabel(pod)}`,
    )
    return wait
  }
  await startContainer(d, pod, sandbox, c, r)
  return 0
}

/** Restarts a running sidecar whose definition changed, or whose resize needs a restart. */
async function restartChangedSidecar(
  d: SyncDeps,
  pod: Pod,
  sandbox: Sandbox,
  c: Container,
  r: ContainerRecord,
): Promise<void> {
  const cur = r.current as ContainerInfo
  if (definitionChanged(c, cur)) {
    await restartChanged(d, pod, sandbox, c, r, `Init container ${c.name} definition changed`)
  } else if (resizeRestarts(c, cur)) {
    await restartChanged(d, pod, sandbox, c, r, `Container ${c.name} resize requires restart`)
  }
}

/** Runs the init containers in order; true once all have completed (sidecars: started). */
async function syncInit(
  d: SyncDeps,
  pod: Pod,
  record: PodRecord,
  sandbox: Sandbox,
): Promise<{ done: boolean; wait: number }> {
  const policy = pod.spec?.restartPolicy ?? "Always"
  for (const c of pod.spec?.initContainers ?? []) {
    const r = recordOf(record.initContainers, c.name)
    const cur = r.current
    const sidecar = c.restartPolicy === "Always"
    if (!cur) {
      await startContainer(d, pod, sandbox, c, r)
      const pulling = pullWait(d, r)
      if (pulling !== undefined) return { done: false, wait: pulling }
      if (!sidecar || r.current?.state !== "running") return { done: false, wait: 0 }
      continue
    }
    if (cur.state === "running") {
      if (!sidecar) return { done: false, wait: 0 }
      await restartChangedSidecar(d, pod, sandbox, c, r)
      continue
    }
    if (cur.exitCode === 0 && !sidecar) continue
    if (!sidecar && policy === "Never") {
      record.terminal = "Failed"
      return { done: false, wait: 0 }
    }
    if (sidecar && definitionChanged(c, cur)) forgetBackoff(r)
    const wait = await restartWhenDue(d, pod, sandbox, c, r)
    return { done: false, wait }
  }
  return { done: true, wait: 0 }
}

/** Starts or restarts the app containers; returns the shortest back-off left. */
async function syncApps(d: SyncDeps, pod: Pod, record: PodRecord, sandbox: Sandbox): Promise<number> {
  const policy = pod.spec?.restartPolicy ?? "Always"
  let wait = Infinity
  for (const c of pod.spec?.containers ?? []) {
    const r = recordOf(record.containers, c.name)
    if (!r.current) {
      await startContainer(d, pod, sandbox, c, r)
      const w = pullWait(d, r)
      if (w !== undefined) wait = Math.min(wait, w)
      continue
    }
    const changed = definitionChanged(c, r.current)
    if (r.current.state === "running") {
      if (changed) {
        await restartChanged(
          d,
          pod,
          sandbox,
          c,
          r,
          `Container ${c.name} definition changed, will be restarted`,
        )
      } else if (resizeRestarts(c, r.current)) {
        await restartChanged(d, pod, sandbox, c, r, `Container ${c.name} resize requires restart`)
      }
      continue
    }
    if (!willRestart(policy, r.current, false)) continue
    // A new image starts at once: upstream keys its back-off by the container's hash.
    if (changed) forgetBackoff(r)
    const w = await restartWhenDue(d, pod, sandbox, c, r)
    if (w > 0) wait = Math.min(wait, w)
  }
  return wait
}

/**
 * Whether a container was started from another definition than the spec's: upstream hashes a
 * container's name and image (the only fields of a running pod's container that may change).
 */
function definitionChanged(c: Container, cur: ContainerInfo): boolean {
  return cur.image !== (c.image ?? "")
}

/** Whether a running container's allocated resources differ where its resizePolicy says RestartContainer. */
function resizeRestarts(c: Container, cur: ContainerInfo): boolean {
  const need = resizeNeed(c, cur)
  return need !== undefined && restartsFor(c, need)
}

/** Forgets a container's back-off, so its next start is due at once. */
function forgetBackoff(r: ContainerRecord): void {
  r.backoffMs = 0
  r.nextStartAt = 0
  r.decidedFor = r.current?.id
}

/**
 * Kills a running container whose definition changed and starts it again, whatever the restart
 * policy, as upstream does; `message` is the Killing event's (upstream's: "Container <name>
 * definition changed, will be restarted" for an app container, "Init container <name> definition
 * changed" for a sidecar).
 */
async function restartChanged(
  d: SyncDeps,
  pod: Pod,
  sandbox: Sandbox,
  c: Container,
  r: ContainerRecord,
  message: string,
): Promise<void> {
  const id = r.current?.id as string
  await killContainer(d, { pod, c, id, podIP: sandbox.ip }, specGraceMs(pod), message)
  const now = d.runtime.container(id)
  if (now) r.current = now
  forgetBackoff(r)
  await startContainer(d, pod, sandbox, c, r)
}

/** Decides Succeeded or Failed once no container will run again. */
function settle(pod: Pod, record: PodRecord): void {
  const policy = pod.spec?.restartPolicy ?? "Always"
  if (policy === "Always" || record.terminal) return
  const apps = pod.spec?.containers ?? []
  const recs = apps.map((c) => record.containers.get(c.name)?.current)
  if (recs.some((c) => !c || c.state === "running")) return
  if (recs.some((c) => c && willRestart(policy, c, false))) return
  record.terminal = recs.every((c) => c?.exitCode === 0) ? "Succeeded" : "Failed"
}

/**
 * Converges a live pod; returns the milliseconds until a back-off ends (Infinity: nothing due).
 */
export async function syncPod(d: SyncDeps, pod: Pod, record: PodRecord): Promise<number> {
  refresh(d.runtime, record)
  const mounting = record.terminal ? 0 : ((await d.volumes?.setUp(pod, d.events)) ?? 0)
  if (mounting) return mounting
  if (record.terminal) return Infinity
  const sandbox = record.sandbox ?? (await newSandbox(d, pod, record))
  // Before the init containers, as upstream: an ephemeral container may debug a stuck one.
  const ephemeral = await syncEphemeral(pod, record, (c, r, extra) =>
    startContainer(d, pod, sandbox, c, r, extra),
  )
  const init = await syncInit(d, pod, record, sandbox)
  if (!init.done) return Math.min(init.wait || Infinity, ephemeral)
  // An allocated resize reaches the running containers (restarts for it are syncApps'), as
  // upstream's SyncPod resizes after the init containers and before starting the others.
  const failed = await actuateResize(d.runtime, pod, record)
  ;(record.resize ??= {}).failed = failed
  const wait = await syncApps(d, pod, record, sandbox)
  settle(pod, record)
  if (record.terminal) await stopAll(d, pod, record, 0)
  return Math.min(wait, ephemeral)
}

/**
 * The handler of RuntimeClass `name` ("" for none), as upstream's runtimeclass manager looks it up.
 * @throws Error `runtimeclass.node.k8s.io "<name>" not found` when there is no such RuntimeClass
 */
async function runtimeHandler(d: SyncDeps, name: string | undefined): Promise<string> {
  if (!name) return ""
  const rc = await d.client
    .resource(RuntimeClasses)
    .get({ name })
    .catch((err: unknown) => {
      // In the words of upstream's lister (a resource named by its kind, singular).
      if (err instanceof ApiError && err.reason === "NotFound")
        throw new Error(`runtimeclass.node.k8s.io "${name}" not found`, { cause: err })
      throw err
    })
  return rc.handler ?? ""
}

/**
 * Makes the pod's sandbox with its RuntimeClass's handler, recording the limits its pod cgroup
 * gets. A failure is a FailedCreatePodSandBox warning with upstream's words (a runtime's refusal
 * as the CRI's gRPC status prints it) before the sync retries.
 */
async function newSandbox(d: SyncDeps, pod: Pod, record: PodRecord): Promise<Sandbox> {
  const handler = await sandboxStep(d, pod, "", () => runtimeHandler(d, pod.spec?.runtimeClassName))
  const cfg: SandboxConfig = {
    ...sandboxConfig(pod, record.uid),
    ...(handler ? { runtimeHandler: handler } : {}),
  }
  const sandbox = await sandboxStep(d, pod, "rpc error: code = Unknown desc = ", () =>
    d.runtime.runSandbox(cfg),
  )
  record.sandbox = sandbox
  record.podResources = cfg.resources ?? {}
  return sandbox
}

/** `step`'s result; a failure is first a FailedCreatePodSandBox warning, `prefix` before its message. */
async function sandboxStep<T>(d: SyncDeps, pod: Pod, prefix: string, step: () => Promise<T>): Promise<T> {
  try {
    return await step()
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err)
    d.events.event(
      pod as never,
      "Warning",
      "FailedCreatePodSandBox",
      `Failed to create pod sandbox: ${prefix}${why}`,
    )
    throw err
  }
}

/** Brings the record's containers up to date with what the runtime reports. */
export function refresh(runtime: ContainerRuntime, record: PodRecord): void {
  for (const [, r] of allContainerRecords(record)) {
    const now = r.current && runtime.container(r.current.id)
    if (now) r.current = now
    const t = now?.state === "exited" ? r.termination?.get(now.id) : undefined
    if (now && t && t.message === undefined) t.message = terminationMessage(now, t.source)
  }
}

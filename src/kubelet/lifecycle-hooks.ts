/**
 * Container lifecycle hooks (postStart and preStop) as upstream's handler runner runs them:
 * exec in the container, an HTTP GET to the pod (any answer will do: only a request that gets
 * none fails), or a sleep. A failed hook comes back as upstream's message, which the kubelet
 * records in a FailedPostStartHook or FailedPreStopHook event.
 */
import { request as httpRequest } from "node:http"
import { request as httpsRequest } from "node:https"
import type { Container, LifecycleHandler, Pod } from "kubernetes-types/core/v1.js"
import { dialError } from "./dial-error.ts"
import type { ContainerRuntime } from "./runtime/runtime.ts"

/** Where a hook runs: the container, its pod's address, and how long it may take (none: no bound). */
export interface HookTarget {
  readonly pod: Pod
  readonly container: Container
  readonly id: string
  readonly podIP: string
  readonly timeoutMs?: number
}

/** The pod as upstream's format.Pod prints it: `name_namespace(uid)`. */
function podLabel(pod: Pod): string {
  return `${pod.metadata?.name}_${pod.metadata?.namespace}(${pod.metadata?.uid})`
}

/** A command as Go's %v prints a []string. */
function goList(cmd: readonly string[]): string {
  return `[${cmd.join(" ")}]`
}

async function execHook(
  runtime: ContainerRuntime,
  t: HookTarget,
  cmd: readonly string[],
): Promise<string | undefined> {
  const r = await runtime.exec(t.id, cmd, t.timeoutMs ? { timeoutMs: t.timeoutMs } : {})
  if (r.exitCode === 0) return undefined
  // The runtime's exec error (CRI ExecSync's), then the command's output.
  const error = `command '${cmd.join(" ")}' exited with ${r.exitCode}: ${r.stderr}`
  return `Exec lifecycle hook (${goList(cmd)}) for Container ${JSON.stringify(t.container.name)} in Pod ${JSON.stringify(podLabel(t.pod))} failed - error: ${error}, message: ${JSON.stringify(r.stdout + r.stderr)}`
}

/** GETs the hook's URL; resolves with the error when no answer came. */
function httpGet(
  url: string,
  at: { host: string; port: number },
  headers: Record<string, string>,
  timeoutMs?: number,
): Promise<string | undefined> {
  const send = url.startsWith("https:") ? httpsRequest : httpRequest
  return new Promise((resolve) => {
    const req = send(
      url,
      { headers, rejectUnauthorized: false, ...(timeoutMs ? { timeout: timeoutMs } : {}) },
      (res) => {
        res.resume()
        resolve(undefined)
      },
    )
    req.on("timeout", () => {
      req.destroy()
      resolve(`Get ${JSON.stringify(url)}: context deadline exceeded`)
    })
    req.on("error", (err) => resolve(`Get ${JSON.stringify(url)}: ${dialError(err, at.host, at.port)}`))
    req.end()
  })
}

async function httpHook(
  t: HookTarget,
  h: NonNullable<LifecycleHandler["httpGet"]>,
): Promise<string | undefined> {
  const port =
    typeof h.port === "number"
      ? h.port
      : (t.container.ports?.find((p) => p.name === h.port)?.containerPort ?? Number(h.port))
  const scheme = (h.scheme ?? "HTTP").toLowerCase()
  const host = h.host || t.podIP
  const url = `${scheme}://${host}:${port}${h.path ?? "/"}`
  const headers: Record<string, string> = { "user-agent": "kube-lifecycle/1.35", accept: "*/*" }
  for (const hd of h.httpHeaders ?? []) headers[hd.name.toLowerCase()] = hd.value
  const error = await httpGet(url, { host, port }, headers, t.timeoutMs)
  if (error === undefined) return undefined
  return `HTTP lifecycle hook (${h.path ?? ""}) for Container ${JSON.stringify(t.container.name)} in Pod ${JSON.stringify(podLabel(t.pod))} failed - error: ${error}`
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref())
}

/** Runs `hook` for the target; resolves with upstream's message when it failed, else undefined. */
export async function runHook(
  runtime: ContainerRuntime,
  t: HookTarget,
  hook: LifecycleHandler,
): Promise<string | undefined> {
  if (hook.exec) return execHook(runtime, t, hook.exec.command ?? [])
  if (hook.httpGet) return httpHook(t, hook.httpGet)
  if (hook.sleep) {
    const ms = hook.sleep.seconds * 1000
    await sleep(t.timeoutMs !== undefined ? Math.min(ms, t.timeoutMs) : ms)
  }
  return undefined
}

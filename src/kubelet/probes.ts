/**
 * Liveness, readiness and startup probes as the kubelet runs them: exec, httpGet, tcpSocket
 * and grpc, with initialDelaySeconds, periodSeconds, timeoutSeconds and the success and failure
 * thresholds. Each running container's probes loop on their own timers and report changes.
 */
import { request as httpRequest } from "node:http"
import { request as httpsRequest } from "node:https"
import { connect } from "node:net"
import type { Container, Probe } from "kubernetes-types/core/v1.js"
import { dialError } from "./dial-error.ts"
import { grpcProbe } from "./grpc-probe.ts"
import type { ContainerRuntime } from "./runtime/runtime.ts"

/** Which probe. */
export type ProbeKind = "liveness" | "readiness" | "startup"

/** One probe's outcome. */
export interface ProbeResult {
  readonly ok: boolean
  readonly message: string
}

function portOf(c: Container, port: number | string): number {
  if (typeof port === "number") return port
  const named = c.ports?.find((p) => p.name === port)
  return named?.containerPort ?? Number(port)
}

function httpProbe(
  c: Container,
  p: NonNullable<Probe["httpGet"]>,
  host: string,
  timeoutMs: number,
): Promise<ProbeResult> {
  const port = portOf(c, p.port)
  const scheme = (p.scheme ?? "HTTP").toLowerCase()
  const url = `${scheme}://${p.host || host}:${port}${p.path ?? "/"}`
  const headers: Record<string, string> = { "user-agent": "kube-probe/1.35", accept: "*/*" }
  for (const h of p.httpHeaders ?? []) headers[h.name.toLowerCase()] = h.value
  const send = scheme === "https" ? httpsRequest : httpRequest
  return new Promise((resolve) => {
    const req = send(url, { headers, timeout: timeoutMs, rejectUnauthorized: false }, (res) => {
      res.resume()
      const code = res.statusCode ?? 0
      resolve(
        code >= 200 && code < 400
          ? { ok: true, message: "" }
          : { ok: false, message: `HTTP probe failed with statuscode: ${code}` },
      )
    })
    req.on("timeout", () => {
      req.destroy()
      resolve({
        ok: false,
        message: `Get "${url}": context deadline exceeded (Client.Timeout exceeded while awaiting headers)`,
      })
    })
    req.on("error", (err) =>
      resolve({ ok: false, message: `Get "${url}": ${dialError(err, p.host || host, port)}` }),
    )
    req.end()
  })
}

function tcpProbe(host: string, port: number, timeoutMs: number): Promise<ProbeResult> {
  return new Promise((resolve) => {
    const s = connect({ host, port, timeout: timeoutMs })
    s.once("connect", () => {
      s.destroy()
      resolve({ ok: true, message: "" })
    })
    s.once("timeout", () => {
      s.destroy()
      resolve({ ok: false, message: `dial tcp ${host}:${port}: i/o timeout` })
    })
    s.once("error", (err) => resolve({ ok: false, message: dialError(err, host, port) }))
  })
}

/**
 * An exec probe: its output is what the command printed, stdout then stderr, as it printed it
 * (nothing when it printed nothing); one cut off at the timeout says so, as upstream's does.
 */
async function execProbe(
  runtime: ContainerRuntime,
  id: string,
  command: readonly string[],
  timeoutMs: number,
  now: () => number,
): Promise<ProbeResult> {
  const started = now()
  const r = await runtime.exec(id, command, { timeoutMs })
  if (r.exitCode === 0) return { ok: true, message: "" }
  // The runtime kills the command at the timeout: a failure that took that long is one.
  if (now() - started >= timeoutMs)
    return { ok: false, message: `command ${JSON.stringify(command.join(" "))} timed out` }
  return { ok: false, message: r.stdout + r.stderr }
}

/** Runs a probe once against container `id` of a pod at `podIP` (`now`: a monotonic clock in ms). */
export async function runProbe(
  runtime: ContainerRuntime,
  target: { readonly id: string; readonly container: Container; readonly podIP: string },
  probe: Probe,
  now: () => number = () => performance.now(),
): Promise<ProbeResult> {
  const timeoutMs = (probe.timeoutSeconds ?? 1) * 1000
  if (probe.exec) return execProbe(runtime, target.id, probe.exec.command ?? [], timeoutMs, now)
  if (probe.httpGet) return httpProbe(target.container, probe.httpGet, target.podIP, timeoutMs)
  if (probe.tcpSocket) {
    return tcpProbe(
      probe.tcpSocket.host || target.podIP,
      portOf(target.container, probe.tcpSocket.port),
      timeoutMs,
    )
  }
  if (probe.grpc) {
    return grpcProbe(target.podIP, probe.grpc.port, probe.grpc.service ?? "", probe.timeoutSeconds ?? 1)
  }
  return { ok: false, message: "the probe has no handler" }
}

/** Tracks one probe's consecutive results against its thresholds. */
export class ProbeState {
  readonly #probe: Probe
  #successes = 0
  #failures = 0
  /** The thresholded result: undefined until the first decision. */
  result: boolean | undefined

  constructor(probe: Probe, initial: boolean | undefined) {
    this.#probe = probe
    this.result = initial
  }

  /** Records one run; returns true when the thresholded result changed. */
  record(ok: boolean): boolean {
    const before = this.result
    if (ok) {
      this.#failures = 0
      if (++this.#successes >= (this.#probe.successThreshold ?? 1)) this.result = true
    } else {
      this.#successes = 0
      if (++this.#failures >= (this.#probe.failureThreshold ?? 3)) this.result = false
    }
    return before !== this.result
  }
}

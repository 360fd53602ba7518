/**
 * The pods' start timeline: each pod's stages (queued by the kubelet, picked by a worker, then
 * the sandbox mode's set-up) published on a diagnostics channel (`k8ts:pod-sandbox`) as they
 * pass, for a benchmark or a debugger to subscribe to; nothing is made while nobody listens.
 */
import { channel } from "node:diagnostics_channel"

/** The channel the stages are published on. */
export const SANDBOX_TRACE = "k8ts:pod-sandbox"

/** One stage a pod passed: its uid, the stage's name and when (performance.now()). */
export interface SandboxStage {
  readonly pod: string
  readonly stage: string
  readonly at: number
}

const trace = channel(SANDBOX_TRACE)

/** Publishes that pod `pod` passed `stage` (when anyone listens). */
export function mark(pod: string, stage: string): void {
  if (trace.hasSubscribers) trace.publish({ pod, stage, at: performance.now() } satisfies SandboxStage)
}

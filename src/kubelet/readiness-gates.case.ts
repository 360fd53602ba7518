/**
 * Readiness gates end to end, one suite for the real kubelet and the hollow one: a pod whose
 * containers are ready stays not Ready (ReadinessGatesNotReady) until another client sets its
 * gate's condition True through pods/status, then turns Ready, and back when it goes False; and
 * a gate's condition set between the node's informer update and its status write survives that
 * write.
 */
import assert from "node:assert/strict"
import { test } from "node:test"
import type { Pod, PodCondition } from "kubernetes-types/core/v1.js"
import { type ApiObject, Pods } from "../api/index.ts"
import type { Client, InProcessHandler } from "../client/index.ts"
import { untilPod } from "../testing/index.ts"

/** The node under test, as the suite drives it. */
export interface GateEnv {
  /** The test's own client. */
  readonly client: Client
  /** A pod bound to the node, with the readiness gates `gates` and containers that turn ready. */
  pod(name: string, gates: readonly string[]): Pod & ApiObject
  /** In front of the node's requests (give the node a client on `race.wrap(handler)`). */
  readonly race: RacingWrite
}

interface Armed {
  readonly meanwhile: () => Promise<unknown>
  readonly written: () => Promise<void>
  readonly failed: (err: unknown) => void
}

/**
 * Holds the node's first status write of a pod that reports it Running until another client's
 * write is done, as if that write came between the node's informer update and its own write.
 */
export class RacingWrite {
  readonly #armed = new Map<string, Armed>()

  /** The API server's handler `api`, held up by this. */
  wrap(api: InProcessHandler): InProcessHandler {
    return async (req) => {
      const armed = req.method === "PATCH" ? this.#armed.get(req.path) : undefined
      if (!armed) return api(req)
      const body = JSON.parse((await req.body()).toString()) as { status?: { phase?: string } }
      if (body.status?.phase !== "Running") return api(req)
      this.#armed.delete(req.path)
      // The other write failing fails the test at once; the node's write still goes through.
      await armed.meanwhile().catch(armed.failed)
      const res = await api(req)
      await armed.written()
      return res
    }
  }

  /**
   * Runs `meanwhile` before the node's first write of pod `name` (namespace default) that says
   * Running goes through; resolves with `read()` right after that write.
   */
  before<T>(name: string, meanwhile: () => Promise<unknown>, read: () => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const written = () => read().then(resolve, reject)
      const path = `/api/v1/namespaces/default/pods/${name}/status`
      this.#armed.set(path, { meanwhile, written, failed: reject })
    })
  }
}

const GATE = "example.com/load-balancer"

const conditionOf = (pod: Pod, type: string): PodCondition | undefined =>
  pod.status?.conditions?.find((c) => c.type === type)

/** [status, reason, message] of the pod's condition `type`. */
const held = (pod: Pod, type: string) => {
  const c = conditionOf(pod, type)
  return [c?.status, c?.reason, c?.message]
}

/** Registers the suite; `env` is called once the node runs (in the file's `before`). */
export function readinessGateTests(env: () => GateEnv, timeout = 30_000): void {
  test(
    "a gated pod is not Ready until its gate's condition is True, and follows it",
    { timeout },
    async () => {
      const { client, pod } = env()
      const pods = client.resource(Pods)
      const ref = { namespace: "default", name: "gated" }
      await pods.create(pod("gated", [GATE]))
      const running = await untilPod(
        client,
        "gated",
        (p) => p.status?.phase === "Running" && conditionOf(p, "ContainersReady")?.status === "True",
        "its containers ready",
      )
      assert.deepEqual(held(running, "Ready"), [
        "False",
        "ReadinessGatesNotReady",
        `corresponding condition of pod readiness gate "${GATE}" does not exist.`,
      ])

      // As `kubectl patch pod gated --subresource=status --type=json` adding the condition.
      const op = { op: "add", path: "/status/conditions/-", value: { type: GATE, status: "True" } }
      await pods.patch(ref, [op], { type: "json", subresource: "status" })
      const ready = await untilPod(
        client,
        "gated",
        (p) => conditionOf(p, "Ready")?.status === "True",
        "Ready",
      )
      assert.deepEqual(held(ready, "Ready"), ["True", undefined, undefined])
      assert.equal(conditionOf(ready, GATE)?.status, "True", "the gate's condition is kept")

      // A strategic merge of the condition, as `kubectl patch --subresource=status` by default.
      const gateFalse = { status: { conditions: [{ type: GATE, status: "False" }] } }
      await pods.patch(ref, gateFalse, { type: "strategic", subresource: "status" })
      const unready = await untilPod(
        client,
        "gated",
        (p) => conditionOf(p, "Ready")?.status === "False",
        "not Ready again",
      )
      assert.deepEqual(held(unready, "Ready"), [
        "False",
        "ReadinessGatesNotReady",
        `the status of pod readiness gate "${GATE}" is not "True", but False`,
      ])
      assert.deepEqual(held(unready, "ContainersReady"), ["True", undefined, undefined])
      await pods.delete(ref, { gracePeriodSeconds: 0 })
    },
  )
}

/** Registers the race of the node's status write with another client's write of a gate. */
export function racingGateTests(env: () => GateEnv, timeout = 30_000): void {
  test(
    "a gate's condition set between the node's informer update and its write survives it",
    { timeout },
    async () => {
      const { client, pod, race } = env()
      const pods = client.resource(Pods)
      const ref = { namespace: "default", name: "raced" }
      const gateTrue = { status: { conditions: [{ type: GATE, status: "True" }] } }
      const setGate = () => pods.patch(ref, gateTrue, { type: "strategic", subresource: "status" })
      const written = race.before("raced", setGate, () => pods.get(ref))
      await pods.create(pod("raced", [GATE]))
      const after = await written
      // The node's write was made before the gate's condition was set ...
      assert.deepEqual(held(after, "Ready"), [
        "False",
        "ReadinessGatesNotReady",
        `corresponding condition of pod readiness gate "${GATE}" does not exist.`,
      ])
      // ... and left it as set.
      assert.equal(conditionOf(after, GATE)?.status, "True")
      const ready = await untilPod(
        client,
        "raced",
        (p) => conditionOf(p, "Ready")?.status === "True",
        "Ready",
      )
      assert.equal(conditionOf(ready, GATE)?.status, "True")
      await pods.delete(ref, { gracePeriodSeconds: 0 })
    },
  )
}

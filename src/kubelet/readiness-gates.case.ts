/**
 * Readiness gates end to end, one suite for the real kubelet and the hollow one: a pod whose
 * containers are ready stays not Ready (ReadinessGatesNotReady) until another client sets its
 * gate's condition True through pods/status, then turns Ready, and back when it goes False.
 */
import assert from "node:assert/strict"
import { test } from "node:test"
import type { Pod, PodCondition } from "kubernetes-types/core/v1.js"
import { type ApiObject, Pods } from "../api/index.ts"
import type { Client } from "../client/index.ts"
import { untilPod } from "../testing/index.ts"

/** The node under test, as the suite drives it. */
export interface GateEnv {
  /** The test's own client. */
  readonly client: Client
  /** A pod bound to the node, with the readiness gates `gates` and containers that turn ready. */
  pod(name: string, gates: readonly string[]): Pod & ApiObject
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

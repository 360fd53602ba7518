import assert from "node:assert/strict"
import { describe, test } from "node:test"
import type { PodFailurePolicy } from "kubernetes-types/batch/v1.js"
import { parseIntervals } from "./intervals.ts"
import { matchPodFailurePolicy, matchSuccessPolicy } from "./policies.ts"
import type { Pod } from "./types.ts"

function failed(exit: Record<string, number>, conditions: { type: string; status: string }[] = []): Pod {
  return {
    metadata: { name: "p", namespace: "ns" },
    status: {
      phase: "Failed",
      conditions,
      containerStatuses: Object.entries(exit).map(([name, exitCode]) => ({
        name,
        image: "i",
        imageID: "",
        ready: false,
        restartCount: 0,
        state: { terminated: { exitCode } },
      })),
    },
  } as Pod
}

const POLICY: PodFailurePolicy = {
  rules: [
    { action: "FailJob", onExitCodes: { containerName: "main", operator: "In", values: [42] } },
    { action: "Ignore", onPodConditions: [{ type: "DisruptionTarget", status: "True" }] },
    { action: "FailIndex", onExitCodes: { operator: "In", values: [3] } },
    { action: "Count", onExitCodes: { operator: "NotIn", values: [0, 1] } },
  ],
}

describe("matchPodFailurePolicy", () => {
  const cases = [
    {
      name: "FailJob on the named container's exit code",
      pod: failed({ main: 42 }),
      want: {
        action: "FailJob",
        countFailed: true,
        message: "Container main for pod ns/p failed with exit code 42 matching FailJob rule at index 0",
      },
    },
    {
      name: "exit 42 elsewhere is not FailJob",
      pod: failed({ side: 42 }),
      want: { action: "Count", countFailed: true },
    },
    {
      name: "Ignore on a pod condition",
      pod: failed({ main: 1 }, [{ type: "DisruptionTarget", status: "True" }]),
      want: { action: "Ignore", countFailed: false },
    },
    { name: "FailIndex", pod: failed({ main: 3 }), want: { action: "FailIndex", countFailed: true } },
    { name: "no rule matches", pod: failed({ main: 1 }), want: { countFailed: true } },
    { name: "exit 0 never matches", pod: failed({ main: 0 }), want: { countFailed: true } },
  ]
  for (const c of cases) test(c.name, () => assert.deepEqual(matchPodFailurePolicy(POLICY, c.pod), c.want))
})

describe("matchSuccessPolicy", () => {
  const cases = [
    {
      name: "indexes all succeeded",
      rules: [{ succeededIndexes: "0-2" }],
      done: "0-3",
      want: "Matched rules at index 0",
    },
    { name: "indexes partly succeeded", rules: [{ succeededIndexes: "0-2" }], done: "0,1", want: undefined },
    {
      name: "count within indexes",
      rules: [{ succeededIndexes: "0-4", succeededCount: 2 }],
      done: "1,4",
      want: "Matched rules at index 0",
    },
    {
      name: "count alone",
      rules: [{ succeededIndexes: "9" }, { succeededCount: 3 }],
      done: "0-2",
      want: "Matched rules at index 1",
    },
    { name: "nothing succeeded", rules: [{ succeededCount: 0 }], done: "", want: undefined },
  ]
  for (const c of cases) {
    test(c.name, () =>
      assert.equal(matchSuccessPolicy({ rules: c.rules }, 10, parseIntervals(c.done, 10)), c.want),
    )
  }
})

import assert from "node:assert/strict"
import { describe, test } from "node:test"
import type { PodSpec, Taint } from "kubernetes-types/core/v1.js"
import {
  daemonTolerations,
  type DaemonSetObject,
  type NodeObject,
  nodeShouldRunDaemonPod,
} from "./placement.ts"

function node(name: string, labels: Record<string, string> = {}, taints: Taint[] = []): NodeObject {
  return { metadata: { name, labels }, spec: { taints } }
}
function ds(spec: Partial<PodSpec>): DaemonSetObject {
  return {
    metadata: { name: "d", namespace: "n" },
    spec: { selector: {}, template: { spec: { containers: [], ...spec } } },
  }
}

describe("nodeShouldRunDaemonPod", () => {
  const cases = [
    { name: "any node without constraints", ds: ds({}), node: node("a"), want: [true, true] },
    { name: "nodeName elsewhere", ds: ds({ nodeName: "b" }), node: node("a"), want: [false, false] },
    {
      name: "nodeSelector matches",
      ds: ds({ nodeSelector: { x: "1" } }),
      node: node("a", { x: "1" }),
      want: [true, true],
    },
    {
      name: "nodeSelector differs",
      ds: ds({ nodeSelector: { x: "1" } }),
      node: node("a", { x: "2" }),
      want: [false, false],
    },
    {
      name: "required affinity In",
      ds: ds({
        affinity: {
          nodeAffinity: {
            requiredDuringSchedulingIgnoredDuringExecution: {
              nodeSelectorTerms: [
                { matchExpressions: [{ key: "zone", operator: "In", values: ["z1", "z2"] }] },
              ],
            },
          },
        },
      }),
      node: node("a", { zone: "z3" }),
      want: [false, false],
    },
    {
      name: "required affinity on metadata.name",
      ds: ds({
        affinity: {
          nodeAffinity: {
            requiredDuringSchedulingIgnoredDuringExecution: {
              nodeSelectorTerms: [{ matchFields: [{ key: "metadata.name", operator: "In", values: ["a"] }] }],
            },
          },
        },
      }),
      node: node("a"),
      want: [true, true],
    },
    {
      name: "untolerated NoSchedule keeps a running pod",
      ds: ds({}),
      node: node("a", {}, [{ key: "k", effect: "NoSchedule" }]),
      want: [false, true],
    },
    {
      name: "untolerated NoExecute evicts",
      ds: ds({}),
      node: node("a", {}, [{ key: "k", effect: "NoExecute" }]),
      want: [false, false],
    },
    {
      name: "tolerated taint",
      ds: ds({ tolerations: [{ key: "k", operator: "Equal", value: "v", effect: "NoSchedule" }] }),
      node: node("a", {}, [{ key: "k", value: "v", effect: "NoSchedule" }]),
      want: [true, true],
    },
    {
      name: "PreferNoSchedule is ignored",
      ds: ds({}),
      node: node("a", {}, [{ key: "k", effect: "PreferNoSchedule" }]),
      want: [true, true],
    },
    {
      name: "the default tolerations cover unschedulable and not-ready nodes",
      ds: ds({}),
      node: node("a", {}, [
        { key: "node.kubernetes.io/unschedulable", effect: "NoSchedule" },
        { key: "node.kubernetes.io/not-ready", effect: "NoExecute" },
      ]),
      want: [true, true],
    },
    {
      name: "network-unavailable is tolerated only by hostNetwork pods",
      ds: ds({}),
      node: node("a", {}, [{ key: "node.kubernetes.io/network-unavailable", effect: "NoSchedule" }]),
      want: [false, true],
    },
    {
      name: "a hostNetwork pod tolerates network-unavailable",
      ds: ds({ hostNetwork: true }),
      node: node("a", {}, [{ key: "node.kubernetes.io/network-unavailable", effect: "NoSchedule" }]),
      want: [true, true],
    },
  ]
  for (const c of cases) {
    test(c.name, () => {
      const got = nodeShouldRunDaemonPod(c.node, c.ds)
      assert.deepEqual([got.shouldRun, got.shouldContinueRunning], c.want)
    })
  }
})

describe("daemonTolerations", () => {
  test("adds upstream's defaults once, keeping the template's own", () => {
    const own = {
      key: "node.kubernetes.io/not-ready",
      operator: "Exists",
      effect: "NoExecute",
      tolerationSeconds: 5,
    }
    const got = daemonTolerations({ containers: [], tolerations: [own] })
    assert.deepEqual(
      got.map((t) => `${t.key}:${t.effect}`),
      [
        "node.kubernetes.io/not-ready:NoExecute",
        "node.kubernetes.io/unreachable:NoExecute",
        "node.kubernetes.io/disk-pressure:NoSchedule",
        "node.kubernetes.io/memory-pressure:NoSchedule",
        "node.kubernetes.io/pid-pressure:NoSchedule",
        "node.kubernetes.io/unschedulable:NoSchedule",
      ],
    )
    assert.equal(got[0], own)
  })
})

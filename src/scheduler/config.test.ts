import assert from "node:assert/strict"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { test } from "node:test"
import { cacheOf } from "./_fixtures.ts"
import { loadSchedulerConfig, resolveProfiles } from "./config.ts"
import { Framework } from "./framework/runner.ts"
import { inTreePlugins } from "./plugins/registry.ts"

const YAML = `apiVersion: kubescheduler.config.k8s.io/v1
kind: KubeSchedulerConfiguration
percentageOfNodesToScore: 30
profiles:
- schedulerName: default-scheduler
- schedulerName: bin-packing
  plugins:
    multiPoint:
      disabled:
      - name: NodeResourcesBalancedAllocation
    score:
      disabled:
      - name: TaintToleration
      enabled:
      - name: NodeResourcesFit
        weight: 5
  pluginConfig:
  - name: NodeResourcesFit
    args:
      scoringStrategy:
        type: MostAllocated
`

test("loadSchedulerConfig() and resolveProfiles() read profiles, weights and args", () => {
  const dir = mkdtempSync(join(tmpdir(), "k8ts-sched-"))
  try {
    writeFileSync(join(dir, "config.yaml"), YAML)
    const profiles = resolveProfiles(loadSchedulerConfig(join(dir, "config.yaml")))
    assert.deepEqual(
      profiles.map((p) => p.schedulerName),
      ["default-scheduler", "bin-packing"],
    )
    const cache = cacheOf([])
    const def = new Framework(profiles[0]!, inTreePlugins, { snapshot: cache })
    assert.equal(def.percentageOfNodesToScore, 30)
    assert.deepEqual(
      def.filters.map((p) => p.name),
      [
        "NodeUnschedulable",
        "NodeName",
        "TaintToleration",
        "NodeAffinity",
        "NodePorts",
        "NodeResourcesFit",
        "VolumeBinding",
        "PodTopologySpread",
        "InterPodAffinity",
      ],
    )
    assert.deepEqual(
      def.scores.map((s) => `${s.plugin.name}:${s.weight}`),
      [
        "TaintToleration:3",
        "NodeAffinity:2",
        "NodeResourcesFit:1",
        "PodTopologySpread:2",
        "InterPodAffinity:2",
        "NodeResourcesBalancedAllocation:1",
      ],
    )
    const bin = new Framework(profiles[1]!, inTreePlugins, { snapshot: cache })
    assert.deepEqual(
      bin.scores.map((s) => `${s.plugin.name}:${s.weight}`),
      ["NodeAffinity:2", "NodeResourcesFit:5", "PodTopologySpread:2", "InterPodAffinity:2"],
    )
    assert.equal(bin.filters.length, 9)
    assert.equal(bin.postFilters[0]?.name, "DefaultPreemption")
    assert.equal(bin.binds[0]?.name, "DefaultBinder")
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})

test("resolveProfiles() rejects a profile named twice", () => {
  assert.throws(() => resolveProfiles({ profiles: [{}, {}] }), /defined twice/)
})

test("Framework: a plugin enabled at one point joins only that point", () => {
  const [p] = resolveProfiles({
    profiles: [
      {
        plugins: {
          multiPoint: { disabled: [{ name: "NodeResourcesFit" }] },
          score: { enabled: [{ name: "NodeResourcesFit", weight: 4 }] },
        },
      },
    ],
  })
  const fwk = new Framework(p!, inTreePlugins, { snapshot: cacheOf([]) })
  assert.equal(
    fwk.filters.some((f) => f.name === "NodeResourcesFit"),
    false,
  )
  assert.equal(fwk.scores.find((s) => s.plugin.name === "NodeResourcesFit")?.weight, 4)
})

test("loadSchedulerConfig() names the file it cannot read", () => {
  assert.throws(
    () => loadSchedulerConfig("/nonexistent/k8ts.yaml"),
    /Cannot read scheduler config "\/nonexistent\/k8ts.yaml"/,
  )
})

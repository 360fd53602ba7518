import { test } from "node:test"
import assert from "node:assert/strict"
import type { Node, Pod } from "kubernetes-types/core/v1.js"
import {
  type ApiObject,
  NodeMetricses,
  Nodes,
  parseQuantity,
  PodMetricses,
  Pods,
  type Quantity,
  quantityString,
} from "../../api/index.ts"
import { apiCall, settleUntil, startClientEnv, until } from "../../testing/index.ts"
import { FakeClock } from "../../util/index.ts"
import type { KubeletSummary } from "./points.ts"

test("metrics.k8s.io serves scraped node and pod usage with rates, windows and label selectors", async () => {
  const clock = new FakeClock()
  let cpuSeconds = 0
  let scrapes = 0
  const at = () => new Date(clock.now()).toISOString()
  const started = new Date(clock.now()).toISOString()
  const summary = (): KubeletSummary => {
    scrapes++
    const cpu = { time: at(), usageCoreNanoSeconds: cpuSeconds * 1e9 }
    return {
      node: {
        nodeName: "n1",
        startTime: new Date(clock.now() - 3600_000).toISOString(),
        cpu,
        memory: { workingSetBytes: 8 * 2 ** 30 },
      },
      pods: ["a", "b"].map((name) => ({
        podRef: { name, namespace: "default" },
        containers: [
          {
            name: "c",
            startTime: started,
            cpu,
            memory: { workingSetBytes: 64 << 20 },
          },
        ],
      })),
    }
  }
  const env = await startClientEnv({ clock, server: { summaries: async () => summary() } })
  try {
    const c = env.inProcess
    await c.resource(Nodes).create({ metadata: { name: "n1", labels: { zone: "z1" } } } as Node & ApiObject)
    for (const name of ["a", "b"]) {
      await c.resource(Pods).create({
        metadata: { name, namespace: "default", labels: { app: name } },
        spec: { nodeName: "n1", containers: [{ name: "c", image: "x" }] },
      } as Pod & ApiObject)
    }
    cpuSeconds = 3
    await clock.advance(15_000)
    await settleUntil(() => scrapes >= 1, "the first scrape")
    cpuSeconds = 4.5 // 1.5 core-seconds over the next 15 s: 100m
    await clock.advance(15_000)
    await settleUntil(() => scrapes >= 2, "the second scrape")
    let pods = await c.resource(PodMetricses).list({ namespace: "default" })
    for (let i = 0; i < 50 && pods.items[0]?.containers[0]?.usage.cpu !== "100000000n"; i++) {
      await new Promise((r) => setImmediate(r))
      pods = await c.resource(PodMetricses).list({ namespace: "default" })
    }
    assert.deepEqual(
      pods.items.map((p) => [p.metadata?.name, p.window, p.containers]),
      ["a", "b"].map((n) => [n, "15s", [{ name: "c", usage: { cpu: "100000000n", memory: "65536Ki" } }]]),
    )
    // kubectl get podmetrics / nodemetrics: metrics-server's table (Name, cpu, memory, Window).
    const asTable = { accept: "application/json;as=Table;v=v1;g=meta.k8s.io,application/json" }
    const table = await apiCall(
      env.api,
      "GET",
      "/apis/metrics.k8s.io/v1beta1/namespaces/default/pods",
      undefined,
      asTable,
    )
    assert.equal(table.headers.get("content-type"), "application/json;as=Table;v=v1;g=meta.k8s.io")
    assert.deepEqual(
      table.json.columnDefinitions.map((d: { name: string; format: string }) => [d.name, d.format]),
      [
        ["Name", "name"],
        ["cpu", "quantity"],
        ["memory", "quantity"],
        ["Window", "duration"],
      ],
    )
    assert.deepEqual(
      table.json.rows.map((r: { cells: unknown[] }) => r.cells),
      [
        ["a", "100m", "64Mi", "15s"],
        ["b", "100m", "64Mi", "15s"],
      ],
    )
    assert.equal(table.json.rows[0].object.kind, "PartialObjectMetadata")
    const onlyA = await c.resource(PodMetricses).list({ namespace: "default", labelSelector: "app=a" })
    assert.deepEqual(
      onlyA.items.map((p) => p.metadata?.name),
      ["a"],
    )
    const node = await c.resource(NodeMetricses).get({ name: "n1" })
    assert.equal(node.usage.memory, `${8 << 20}Ki`)
    // Its first window runs from the node's start an hour before.
    assert.equal(node.window, "1h0m0s")
    const nodeTable = await apiCall(
      env.api,
      "GET",
      "/apis/metrics.k8s.io/v1beta1/nodes/n1",
      undefined,
      asTable,
    )
    const cpu = quantityString(parseQuantity(node.usage.cpu) as Quantity)
    assert.deepEqual(nodeTable.json.rows[0].cells, ["n1", cpu, "8Gi", "1h0m0s"])
    assert.equal(node.metadata?.labels?.zone, "z1")
    await assert.rejects(
      c.resource(PodMetricses).get({ namespace: "default", name: "zz" }),
      /podmetrics.metrics.k8s.io "zz" not found/,
    )
    // A deleted pod's last point is not served (metrics-server answers from the pods that exist).
    await c.resource(Pods).delete({ namespace: "default", name: "b" }, { gracePeriodSeconds: 0 })
    await until("the deleted pod's metrics to go", async () => {
      const left = await c.resource(PodMetricses).list({ namespace: "default" })
      return left.items.length === 1 && left.items[0]?.metadata?.name === "a"
    })
    await assert.rejects(
      c.resource(PodMetricses).get({ namespace: "default", name: "b" }),
      /podmetrics.metrics.k8s.io "b" not found/,
    )
    const disco = (await c.request({ method: "GET", path: "/apis/metrics.k8s.io/v1beta1" })) as {
      resources: { name: string; verbs: string[]; namespaced: boolean }[]
    }
    assert.deepEqual(
      disco.resources.map((r) => [r.name, r.namespaced, r.verbs]),
      [
        ["nodes", false, ["get", "list"]],
        ["pods", true, ["get", "list"]],
      ],
    )
  } finally {
    await env.stop()
  }
})

import assert from "node:assert/strict"
import { request } from "node:http"
import { after, before, test } from "node:test"
import type { Node } from "kubernetes-types/core/v1.js"
import { Nodes, Pods } from "../../api/index.ts"
import { type ClientEnv, startClientEnv, untilPhase } from "../../testing/index.ts"
import { FakeClock, silentLogger } from "../../util/index.ts"
import type { Summary } from "../stats/summary-types.ts"
import { HollowNodes } from "./hollow-nodes.ts"
import { HollowStatsServer } from "./stats-server.ts"
import { CPU_USAGE_ANNOTATION, MEMORY_USAGE_ANNOTATION } from "./usage.ts"

let env: ClientEnv
let server: HollowStatsServer
let nodes: HollowNodes
const stop = new AbortController()
let running: Promise<void>
const NODES = 3

before(async () => {
  const clock = new FakeClock()
  env = await startClientEnv({ clock })
  const holder: { nodes?: HollowNodes } = {}
  server = new HollowStatsServer({
    nodes: { nodeAt: (a) => holder.nodes?.nodeAt(a), summary: (n) => holder.nodes?.summary(n) },
    host: "0.0.0.0",
    port: 0,
  })
  const port = await server.listen()
  nodes = holder.nodes = new HollowNodes({
    client: env.inProcess,
    clock,
    log: silentLogger(),
    kubeletPort: port,
    nodes: Array.from({ length: NODES }, (_, i) => ({ name: `h-${i}`, address: `127.0.2.${i + 1}` })),
  })
  running = nodes.run(stop.signal)
})

after(async () => {
  stop.abort()
  await running
  await server.close()
  await env.stop()
})

/** GET as the API server's scraper does: the node's InternalIP and kubelet port from the Node. */
async function scrape(node: Node, path: string): Promise<Response> {
  const ip = node.status?.addresses?.find((a) => a.type === "InternalIP")?.address
  return fetch(`http://${ip}:${node.status?.daemonEndpoints?.kubeletEndpoint?.Port}${path}`)
}

test("one listener serves each hollow node's /stats/summary and /metrics/resource at its own address", async () => {
  await env.inProcess.resource(Pods).create({
    metadata: {
      name: "busy",
      namespace: "default",
      annotations: { [CPU_USAGE_ANNOTATION]: "250m", [MEMORY_USAGE_ANNOTATION]: "64Mi" },
    },
    spec: { nodeName: "h-1", containers: [{ name: "c", image: "x" }] },
  })
  await untilPhase(env.inProcess, "busy", "Running")
  const list = (await env.inProcess.resource(Nodes).list()).items
  assert.equal(list.length, NODES)
  for (const node of list) {
    const res = await scrape(node, "/stats/summary")
    assert.equal(res.status, 200)
    const s = (await res.json()) as Summary
    assert.equal(s.node.nodeName, node.metadata?.name)
    const pods = s.pods.map((p) => p.podRef.name)
    assert.deepEqual(pods, node.metadata?.name === "h-1" ? ["busy"] : [])
  }
  const h1 = list.find((n) => n.metadata?.name === "h-1") as Node
  const text = await (await scrape(h1, "/metrics/resource")).text()
  assert.match(
    text,
    /^container_memory_working_set_bytes\{container="c",namespace="default",pod="busy"\} 6\.7108864e\+07 \d+$/m,
  )
})

test("without a Host it knows, the address dialled picks the node; an unknown address is a 404", async () => {
  const node = (await env.inProcess.resource(Nodes).get({ name: "h-2" })) as Node
  const port = node.status?.daemonEndpoints?.kubeletEndpoint?.Port ?? 0
  const body = await new Promise<string>((resolve, reject) => {
    const req = request(
      { host: "127.0.2.3", port, path: "/stats/summary", headers: { host: "kubelet" } },
      (res) => {
        let b = ""
        res.on("data", (d: Buffer) => (b += d.toString()))
        res.on("end", () => resolve(b))
      },
    )
    req.on("error", reject)
    req.end()
  })
  assert.equal((JSON.parse(body) as Summary).node.nodeName, "h-2")
  const res = await fetch(`http://127.0.2.9:${port}/stats/summary`)
  assert.equal(res.status, 404)
  assert.equal((await fetch(`http://127.0.2.9:${port}/healthz`)).status, 200)
})

test("exec, attach, port-forward and run are a 400 Status, logs a 400 text: a hollow container runs no process", async () => {
  const node = (await env.inProcess.resource(Nodes).get({ name: "h-0" })) as Node
  for (const [path, what] of [
    ["/exec/default/busy/c?command=date&output=1", "exec"],
    ["/attach/default/busy/c?output=1", "attach"],
    ["/portForward/default/busy", "port-forward"],
    ["/run/default/busy/c", "run"],
    ["/containerLogs/default/busy/c?follow=true", "logs"],
  ] as const) {
    const res = await scrape(node, path)
    assert.equal(res.status, 400, path)
    const message = `${what} is not available on hollow node h-0: its containers run no process`
    if (what === "logs") {
      assert.equal(await res.text(), message)
      continue
    }
    const status = (await res.json()) as { kind: string; reason: string; code: number; message: string }
    assert.deepEqual(
      [status.kind, status.reason, status.code, status.message],
      ["Status", "BadRequest", 400, message],
    )
  }
  const port = node.status?.daemonEndpoints?.kubeletEndpoint?.Port ?? 0
  assert.equal((await fetch(`http://127.0.2.9:${port}/exec/default/busy/c`)).status, 404)
})

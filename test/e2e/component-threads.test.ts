/**
 * Components in component threads: the runner against a real API server (requests through the
 * port, stats and health by message, stop, failures surfacing as rejected `done`s), and
 * `k8ts server --component-threads 1` scheduling a pod onto its hollow node and giving a
 * Deployment its ReplicaSet.
 */
import assert from "node:assert/strict"
import { mkdtempSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { after, before, describe, test } from "node:test"
import { Registry } from "prom-client"
import { parse } from "yaml"
import type { Deployment } from "kubernetes-types/apps/v1.js"
import { type ApiObject, ConfigMaps, Deployments, Pods, ReplicaSets } from "../../src/api/index.ts"
import { HttpClient } from "../../src/client/index.ts"
import { silentLogger } from "../../src/util/index.ts"
import {
  type ClientEnv,
  type ServerProcess,
  startClientEnv,
  startK8tsServer,
  until,
  untilPod,
} from "../../src/testing/index.ts"
import { componentTask } from "../../cmd/component-task.ts"
import { startComponentTasks } from "../../cmd/component-threads.ts"
import { startBroken, startCrashing, startFailing, startWriter } from "./_component-fixture.ts"

const FIXTURE = new URL("./_component-fixture.ts", import.meta.url).href

describe("component threads", () => {
  let env: ClientEnv
  before(async () => {
    env = await startClientEnv()
  })
  after(() => env.stop())
  const runner = (threads: number) => ({
    handle: env.api.handle,
    threads,
    log: silentLogger(),
    logOptions: { level: "silent" },
    metrics: new Registry(),
    leaderElection: "off" as const,
  })

  for (const threads of [0, 1]) {
    test(`a component with ${threads} threads writes through its client, reports and stops`, async () => {
      const name = `written-${threads}`
      const [writer] = await startComponentTasks([componentTask("writer", FIXTURE, startWriter, { name })], {
        ...runner(threads),
      })
      assert.ok(writer)
      assert.equal(writer.thread, threads ? "thread 1" : "main")
      await until("the ConfigMap", () =>
        env.inProcess.resource(ConfigMaps).get({ namespace: "default", name }),
      )
      assert.deepEqual(await writer.stats(), { isMainThread: threads === 0 })
      assert.deepEqual(await writer.health?.(), { status: "True", message: "writing", error: "" })
      writer.stop.abort()
      await writer.done
    })
  }

  test("a component's failure rejects its done, in a thread too", async () => {
    const [failing] = await startComponentTasks(
      [componentTask("failing", FIXTURE, startFailing, undefined)],
      {
        ...runner(1),
      },
    )
    await assert.rejects(failing!.done, /the fixture broke/)
  })

  test("a thread that dies fails the done of its components, and their health", async () => {
    const [crashing] = await startComponentTasks(
      [componentTask("crashing", FIXTURE, startCrashing, undefined)],
      runner(1),
    )
    await assert.rejects(crashing!.done, /The component thread failed: uncaught in the fixture/)
  })

  test("a component that cannot start fails the start, and its thread ends", async () => {
    await assert.rejects(
      startComponentTasks([componentTask("broken", FIXTURE, startBroken, undefined)], runner(1)),
      /cannot start the fixture/,
    )
  })
})

describe("k8ts server --component-threads 1", () => {
  const NODE = "threads-hollow"
  const dir = mkdtempSync(join(tmpdir(), "k8ts-component-threads-"))
  let server: ServerProcess | undefined
  let client: HttpClient

  before(async () => {
    server = await startK8tsServer([
      ...["--data-dir", dir, "--port", "0", "--kubelet-port", "0", "--runtime", "hollow"],
      ...["--node-name", NODE, "--disable", "proxy,dns", "--component-threads", "1"],
    ])
    assert.match(server.log, /Scheduler started \(component thread 1\)/)
    const cfg = parse(readFileSync(join(dir, "kubeconfig.yaml"), "utf8")) as {
      clusters: { cluster: Record<string, string> }[]
      users: { user: Record<string, string> }[]
    }
    const b64 = (s: string | undefined) => Buffer.from(s ?? "", "base64")
    const user = cfg.users[0]?.user ?? {}
    client = new HttpClient({
      server: server.url,
      ca: b64(cfg.clusters[0]?.cluster["certificate-authority-data"]),
      cert: b64(user["client-certificate-data"]),
      key: b64(user["client-key-data"]),
    })
  })
  after(async () => {
    client?.close()
    await server?.stop()
    rmSync(dir, { recursive: true, force: true })
  })

  test("the scheduler binds a pod onto the hollow node, which runs it", async () => {
    await client.resource(Pods).create({
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "web", namespace: "default" },
      spec: { containers: [{ name: "c", image: "nginx" }] },
    })
    const pod = await untilPod(client, "web", (p) => p.status?.phase === "Running", "pod web Running", 20_000)
    assert.equal(pod.spec?.nodeName, NODE)
  })

  test("a Deployment gets its ReplicaSet and its pods", async () => {
    const d: Deployment & ApiObject = {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "app", namespace: "default" },
      spec: {
        replicas: 2,
        selector: { matchLabels: { app: "app" } },
        template: {
          metadata: { labels: { app: "app" } },
          spec: { containers: [{ name: "c", image: "nginx" }] },
        },
      },
    }
    await client.resource(Deployments).create(d)
    const rs = await until(
      "the ReplicaSet",
      async () => (await client.resource(ReplicaSets).list({ namespace: "default" })).items[0],
      20_000,
    )
    assert.equal(rs.metadata?.ownerReferences?.[0]?.name, "app")
    await until(
      "the Deployment available",
      async () =>
        (await client.resource(Deployments).get({ namespace: "default", name: "app" })).status
          ?.availableReplicas === 2,
      20_000,
    )
  })

  test("/metrics serves the controller manager's workqueue metrics from its thread", async () => {
    const text = await client.request<string>({ method: "GET", path: "/metrics" })
    assert.match(text, /^workqueue_adds_total\{name="deployment"\} [1-9]/m)
  })

  test("componentstatuses reports the threaded components healthy", async () => {
    const list = await client.request<{
      items: { metadata: { name: string }; conditions: { status: string }[] }[]
    }>({
      method: "GET",
      path: "/api/v1/componentstatuses",
    })
    const healthy = Object.fromEntries(list.items.map((c) => [c.metadata.name, c.conditions[0]?.status]))
    assert.equal(healthy.scheduler, "True")
    assert.equal(healthy["controller-manager"], "True")
  })
})

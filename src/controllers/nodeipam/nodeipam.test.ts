import assert from "node:assert/strict"
import { after, describe, test } from "node:test"
import type { Node } from "kubernetes-types/core/v1.js"
import { type ApiObject, Events, Nodes } from "../../api/index.ts"
import { runController, SharedInformers } from "../../client/index.ts"
import { type ClientEnv, settleUntil, startClientEnv } from "../../testing/index.ts"
import { FakeClock, silentLogger } from "../../util/index.ts"
import { CIDR_NOT_AVAILABLE, nodeIpamController, type NodeIpamOptions } from "./nodeipam.ts"

interface Env {
  readonly env: ClientEnv
  readonly clock: FakeClock
  stop(): Promise<void>
}

/** An API server holding `nodes` (created first), then the controller running on it. */
async function start(opts: NodeIpamOptions, nodes: (Node & ApiObject)[] = []): Promise<Env> {
  const clock = new FakeClock()
  const env = await startClientEnv({ clock })
  for (const n of nodes) await env.inProcess.resource(Nodes).create(n)
  const informers = new SharedInformers(env.inProcess, { clock })
  const ac = new AbortController()
  const deps = { client: env.inProcess, informers, clock, log: silentLogger() }
  const running = Promise.all([
    informers.run(ac.signal),
    runController(nodeIpamController(opts), deps, ac.signal),
  ])
  return {
    env,
    clock,
    async stop() {
      ac.abort()
      await running
      await env.stop()
    },
  }
}

function node(name: string, podCIDR?: string): Node & ApiObject {
  return {
    apiVersion: "v1",
    kind: "Node",
    metadata: { name },
    spec: podCIDR ? { podCIDR, podCIDRs: [podCIDR] } : {},
  }
}

/** Polls until every named node has a podCIDR; returns them by name. */
async function cidrsOf(t: Env, names: string[]): Promise<Record<string, string>> {
  const out: Record<string, string> = {}
  let busy = false
  await settleUntil(
    () => {
      if (!busy) {
        busy = true
        void t.env.inProcess
          .resource(Nodes)
          .list()
          .then((list) => {
            for (const n of list.items) {
              const name = n.metadata?.name ?? ""
              if (names.includes(name) && n.spec?.podCIDR) {
                assert.deepEqual(n.spec.podCIDRs, [n.spec.podCIDR])
                out[name] = n.spec.podCIDR
              }
            }
          })
          .finally(() => (busy = false))
      }
      return names.every((n) => out[n])
    },
    `podCIDRs of ${names.join(", ")}`,
  )
  return out
}

describe("nodeIpamController", () => {
  const envs: Env[] = []
  after(async () => {
    for (const e of envs) await e.stop()
  })

  test("gives each new Node the next free /24 in spec.podCIDR and spec.podCIDRs", async () => {
    const t = await start({ clusterCIDR: "10.250.0.0/16" })
    envs.push(t)
    for (const n of ["a", "b", "c"]) await t.env.inProcess.resource(Nodes).create(node(n))
    assert.deepEqual(await cidrsOf(t, ["a", "b", "c"]), {
      a: "10.250.0.0/24",
      b: "10.250.1.0/24",
      c: "10.250.2.0/24",
    })
  })

  test("rebuilds its map from existing Nodes on start, and honours the mask size", async () => {
    // GIVEN nodes holding the first two /26 subnets before the controller starts
    const t = await start({ clusterCIDR: "10.250.0.0/24", nodeCIDRMaskSize: 26 }, [
      node("old-1", "10.250.0.0/26"),
      node("old-2", "10.250.0.64/26"),
    ])
    envs.push(t)
    // WHEN a new node registers THEN it gets the third
    await t.env.inProcess.resource(Nodes).create(node("new"))
    assert.deepEqual(await cidrsOf(t, ["new"]), { new: "10.250.0.128/26" })
  })

  test("records CIDRNotAvailable when the range is full, and frees a deleted Node's subnet", async () => {
    // GIVEN a cluster range with room for two nodes, both taken
    const t = await start({ clusterCIDR: "10.250.0.0/23" })
    envs.push(t)
    const nodes = t.env.inProcess.resource(Nodes)
    for (const n of ["a", "b"]) await nodes.create(node(n))
    await cidrsOf(t, ["a", "b"])
    // WHEN a third registers THEN it gets an event and no podCIDR
    await nodes.create(node("c"))
    let events: string[] = []
    let busy = false
    await settleUntil(() => {
      if (!busy) {
        busy = true
        void t.env.inProcess
          .resource(Events)
          .list()
          .then((l) => (events = l.items.map((e) => `${e.involvedObject.name} ${e.reason} ${e.message}`)))
          .finally(() => (busy = false))
      }
      return events.length > 0
    }, "the CIDRNotAvailable event")
    assert.deepEqual(events, [`c ${CIDR_NOT_AVAILABLE} Node c status is now: ${CIDR_NOT_AVAILABLE}`])
    assert.equal((await nodes.get({ name: "c" })).spec?.podCIDR, undefined)
    // WHEN a node goes THEN the next retry gives its subnet to the waiting one
    const freed = (await nodes.get({ name: "a" })).spec?.podCIDR
    await nodes.delete({ name: "a" })
    let got: string | undefined
    for (let i = 0; i < 50 && !got; i++) {
      await t.clock.advance(5_000) // the retry backoff of "c"
      got = (await nodes.get({ name: "c" })).spec?.podCIDR
    }
    assert.equal(got, freed)
  })
})

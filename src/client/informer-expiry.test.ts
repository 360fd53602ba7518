import assert from "node:assert/strict"
import { after, before, describe, test } from "node:test"
import { ConfigMaps } from "../api/index.ts"

type ConfigMap = NonNullable<(typeof ConfigMaps)["_type"]>
import { settleUntil, startClientEnv, type ClientEnv } from "../testing/index.ts"
import { FakeClock } from "../util/index.ts"
import type { Client, WatchOptions } from "./client.ts"
import { type ListerWatcher, ListWatchInformer } from "./informer.ts"

const NS = "default"

function cm(name: string, v: string): ConfigMap {
  return { apiVersion: "v1", kind: "ConfigMap", metadata: { name, namespace: NS }, data: { v } }
}

describe("an informer whose resourceVersion left the server's watch cache", () => {
  let env: ClientEnv
  before(async () => {
    env = await startClientEnv({ server: { watchCacheWindow: 3 } })
  })
  after(() => env.stop())

  for (const transport of ["http", "inProcess"] as const) {
    test(`relists after the 410 and reports only the differences (${transport})`, async () => {
      const client: Client = env[transport]
      const cms = client.resource(ConfigMaps)
      const prefix = `${transport.toLowerCase()}-`
      await cms.create(cm(`${prefix}keep`, "1"))
      await cms.create(cm(`${prefix}gone`, "1"))
      // The informer's first watch waits while the test writes enough that its list's version
      // leaves the window.
      let watches = 0
      let release = () => {}
      const gate = new Promise<void>((r) => (release = r))
      const lw: ListerWatcher<ConfigMap> = {
        list: (opts) => cms.list(opts),
        async *watch(opts: WatchOptions, signal: AbortSignal) {
          if (watches++ === 0) await gate
          yield* cms.watch(opts, signal)
        },
      }
      const informer = new ListWatchInformer(lw, {
        namespace: NS,
        labelSelector: {},
        clock: new FakeClock(),
      })
      const seen: string[] = []
      informer.addHandler({
        onAdd: (o) => seen.push(`add ${o.metadata?.name}`),
        onUpdate: (_, o) => seen.push(`update ${o.metadata?.name} ${o.data?.v}`),
        onDelete: (o) => seen.push(`delete ${o.metadata?.name}`),
      })
      const ac = new AbortController()
      const running = informer.run(ac.signal)
      await settleUntil(() => watches === 1, "the first watch")
      await cms.delete({ namespace: NS, name: `${prefix}gone` })
      await cms.patch({ namespace: NS, name: `${prefix}keep` }, { data: { v: "2" } }, { type: "merge" })
      for (let i = 0; i < 4; i++) await cms.create(cm(`${prefix}new-${i}`, "1"))
      release()
      await settleUntil(() => watches >= 2 && !!informer.cache.get(`${NS}/${prefix}new-3`), "relisted")
      ac.abort()
      await running
      const mine = seen.filter((s) => s.includes(prefix))
      assert.deepEqual(mine, [
        `add ${prefix}gone`,
        `add ${prefix}keep`,
        `update ${prefix}keep 2`,
        `add ${prefix}new-0`,
        `add ${prefix}new-1`,
        `add ${prefix}new-2`,
        `add ${prefix}new-3`,
        `delete ${prefix}gone`,
      ])
      assert.equal(informer.cache.get(`${NS}/${prefix}gone`), undefined)
      assert.equal(informer.cache.get(`${NS}/${prefix}keep`)?.data?.v, "2")
    })
  }
})

import assert from "node:assert/strict"
import { test } from "node:test"
import { MemoryStore } from "./memory.ts"
import { openStore, parseStoreUrl } from "./open.ts"

const cases = [
  {
    name: "sqlite absolute path",
    input: "sqlite:///var/lib/k8ts/state.db",
    want: { scheme: "sqlite", path: "/var/lib/k8ts/state.db", hosts: [] },
  },
  { name: "memory", input: "memory://", want: { scheme: "memory", path: "", hosts: [] } },
  {
    name: "etcd several endpoints",
    input: "etcd://127.0.0.1:2379,127.0.0.1:2479",
    want: { scheme: "etcd", path: "", hosts: ["127.0.0.1:2379", "127.0.0.1:2479"] },
  },
]
for (const c of cases) {
  test(`parseStoreUrl() parses ${c.name}`, () => {
    const u = parseStoreUrl(c.input)
    assert.deepEqual({ scheme: u.scheme, path: u.path, hosts: u.hosts }, c.want)
  })
}

test("parseStoreUrl() rejects a URL without a scheme", () => {
  assert.throws(() => parseStoreUrl("/tmp/state.db"), /Cannot parse datastore URL/)
})

test("openStore() refuses an unknown scheme and opens a known one", async () => {
  await assert.rejects(
    openStore("mysql://x", { memory: async () => new MemoryStore() }),
    /unknown scheme "mysql"/,
  )
  const s = await openStore("memory://", { memory: async () => new MemoryStore() })
  assert.equal(await s.revision(), 0)
  await s.close()
})

import assert from "node:assert/strict"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { after, test } from "node:test"
import { HostLocalIpam } from "./ipam.ts"

const root = mkdtempSync(join(tmpdir(), "k8ts-ipam-"))
after(() => rmSync(root, { recursive: true, force: true }))
let n = 0
const newIpam = (range = "10.0.0.0/29") =>
  new HostLocalIpam({ range, dir: join(root, String(++n)), reserved: ["10.0.0.1"] })

test("allocate() skips the network, broadcast and reserved addresses and keeps an id's lease", async () => {
  const ipam = newIpam()
  assert.equal(await ipam.allocate("a"), "10.0.0.2")
  assert.equal(await ipam.allocate("b"), "10.0.0.3")
  assert.equal(await ipam.allocate("a"), "10.0.0.2")
})

test("allocate() does not reuse a freed address at once, and fails when the range is full", async () => {
  const ipam = newIpam()
  const ips = []
  for (const id of ["a", "b", "c", "d", "e"]) ips.push(await ipam.allocate(id))
  assert.deepEqual(ips, ["10.0.0.2", "10.0.0.3", "10.0.0.4", "10.0.0.5", "10.0.0.6"])
  await assert.rejects(ipam.allocate("f"), /Cannot allocate an address for "f": range "10.0.0.0\/29" is full/)
  await ipam.release("b")
  assert.equal(await ipam.allocate("f"), "10.0.0.3")
})

test("leases survive a new instance on the same directory; gc() frees unknown ids", async () => {
  const dir = join(root, "persist")
  const first = new HostLocalIpam({ range: "10.0.0.0/24", dir })
  await first.allocate("keep")
  await first.allocate("dead")
  const second = new HostLocalIpam({ range: "10.0.0.0/24", dir })
  assert.deepEqual([...(await second.leases()).values()].sort(), ["dead", "keep"])
  assert.deepEqual(await second.gc(new Set(["keep"])), ["dead"])
  assert.deepEqual([...(await second.leases()).values()], ["keep"])
  assert.equal(await second.allocate("new"), "10.0.0.3")
})

test("concurrent allocate() calls never share an address", async () => {
  const ipam = newIpam("10.0.1.0/24")
  const ips = await Promise.all(Array.from({ length: 20 }, (_, i) => ipam.allocate(`p${i}`)))
  assert.equal(new Set(ips).size, 20)
})

test("reserve() leases at once in memory and writes the lease meanwhile; a lease on disk of another writer is theirs", async () => {
  const ipam = newIpam("10.0.2.0/29")
  const dir = join(root, String(n))
  const a = ipam.reserve("a")
  assert.equal(a.ip, "10.0.2.1")
  assert.equal(ipam.reserve("b").ip, "10.0.2.2", "the next caller skips it before it is written")
  await a.written
  assert.equal(ipam.reserve("a").ip, "10.0.2.1", "the same id keeps its lease")
  writeFileSync(join(dir, "10.0.2.3"), "other")
  const c = ipam.reserve("c")
  assert.equal(c.ip, "10.0.2.3")
  await assert.rejects(c.written)
  assert.equal(await ipam.allocate("c"), "10.0.2.4")
  assert.deepEqual([...(await ipam.leases()).values()].sort(), ["a", "b", "c", "other"])
})

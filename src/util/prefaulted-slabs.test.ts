import assert from "node:assert/strict"
import { execFile } from "node:child_process"
import { readFileSync } from "node:fs"
import { describe, test } from "node:test"
import { promisify } from "node:util"
import { PrefaultedSlabs } from "./prefaulted-slabs.ts"

const SLAB = 32 * 1024

/** Minor page faults of this process's main thread so far (`/proc/self/task/<pid>/stat`). */
function mainThreadFaults(): number {
  const stat = readFileSync(`/proc/self/task/${process.pid}/stat`, "utf8")
  return Number(stat.split(") ")[1]!.split(" ")[7])
}

/** A slab taken once the thread has one ready, polling for at most 5 s. */
async function prefaulted(slabs: PrefaultedSlabs, bytes = SLAB): Promise<Buffer> {
  const deadline = Date.now() + 5000
  while (slabs.ready === 0) {
    if (Date.now() > deadline) assert.fail("no slab came from the thread in 5 s")
    await new Promise((r) => setTimeout(r, 5))
  }
  return slabs.take(bytes)
}

/** Main-thread faults while writing every byte of each buffer. */
function faultsWriting(buffers: readonly Buffer[]): number {
  const before = mainThreadFaults()
  for (const b of buffers) b.fill(0x61)
  return mainThreadFaults() - before
}

describe("PrefaultedSlabs", () => {
  test("gives buffers of its size, fresh ones until the thread's first batch comes", async () => {
    const slabs = new PrefaultedSlabs(4)
    assert.equal(slabs.ready, 0)
    const first = slabs.take(SLAB)
    assert.equal(first.length, SLAB)
    const taken = [await prefaulted(slabs)]
    for (let i = 0; i < 12; i++) taken.push(await prefaulted(slabs))
    for (const b of taken) assert.equal(b.length, SLAB)
    assert.equal(new Set(taken.map((b) => b.buffer)).size, taken.length, "each slab its own memory")
  })

  test("makes the next batch at the size last asked for; a ready one too small is not given", async () => {
    const slabs = new PrefaultedSlabs(2)
    slabs.take(SLAB)
    const smaller = await prefaulted(slabs, SLAB - 100)
    assert.equal(smaller.length, SLAB - 100)
    assert.equal(smaller.buffer.byteLength, SLAB, "a ready one larger than asked")
    while (slabs.ready > 0) slabs.take(SLAB + 4096) // fresh ones: every ready one is too small
    const next = await prefaulted(slabs, SLAB + 4096)
    assert.equal(next.length, SLAB + 4096)
    assert.equal(next.buffer.byteLength, SLAB + 4096)
  })

  test("writing its buffers costs the taking thread (almost) no page faults; fresh ones cost one a page", async () => {
    const slabs = new PrefaultedSlabs(16)
    slabs.take(SLAB) // the thread starts with the first take
    const ready: Buffer[] = []
    for (let i = 0; i < 16; i++) ready.push(await prefaulted(slabs))
    // Fresh memory for the counter's check: small buffers may get pages the allocator had touched
    // before (seen: 1 fault for 128 pages), an allocation past malloc's largest mmap threshold
    // (32 MiB) is always newly mapped.
    const fresh = [Buffer.allocUnsafeSlow(64 * 1024 * 1024).subarray(0, 16 * SLAB)]
    const pages = (16 * SLAB) / 4096
    const freshFaults = faultsWriting(fresh)
    const readyFaults = faultsWriting(ready)
    assert.ok(freshFaults >= pages / 2, `fresh buffers: ${freshFaults} faults for ${pages} pages`)
    assert.ok(readyFaults < pages / 8, `prefaulted buffers: ${readyFaults} faults for ${pages} pages`)
    assert.ok(readyFaults * 2 < freshFaults, `prefaulted ${readyFaults} against fresh ${freshFaults} faults`)
  })

  test("its thread does not keep the process alive", async () => {
    const script = `
      import { PrefaultedSlabs } from ${JSON.stringify(new URL("./prefaulted-slabs.ts", import.meta.url).href)}
      const slabs = new PrefaultedSlabs(4)
      slabs.take(${SLAB})
      await new Promise((r) => setTimeout(r, 50))
      for (let i = 0; i < 10; i++) slabs.take(${SLAB})
    `
    const run = promisify(execFile)(
      process.execPath,
      ["--import", "tsx", "--input-type=module", "-e", script],
      { timeout: 20_000 },
    )
    await assert.doesNotReject(run)
  })
})

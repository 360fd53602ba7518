import assert from "node:assert/strict"
import { execFileSync } from "node:child_process"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { after, test } from "node:test"
import { ensureDebianPackage, lockNetworkTests, skipUnless } from "../testing/index.ts"
import { holdNatTables, releaseNatTables } from "./portmap-cleanup.ts"

// The nat tables are the machine's: one network test run at a time.
// Without nft the tests could not see the table they make (iptables-nft makes it all the same).
const canRun =
  process.getuid?.() === 0 &&
  ensureDebianPackage("nftables", "nft") &&
  ensureDebianPackage("iptables", "iptables")
lockNetworkTests(canRun)

const root = mkdtempSync(join(tmpdir(), "k8ts-nat-tables-"))
after(() => rmSync(root, { recursive: true, force: true }))

function hasTable(): boolean {
  try {
    execFileSync("nft", ["list", "table", "ip", "nat"], { stdio: "ignore" })
    return true
  } catch {
    return false
  }
}

/** Runs `fn` only on a machine without an `ip nat` table (it must be left that way). */
function withoutNatTable(fn: () => Promise<void>): () => Promise<void> {
  return async (t?: { skip(msg: string): void }) => {
    if (hasTable()) return t?.skip("the machine has an ip nat table: this test creates and deletes one")
    try {
      await fn()
    } finally {
      if (hasTable()) execFileSync("nft", ["delete", "table", "ip", "nat"])
    }
  }
}

const needsRoot = skipUnless(canRun, "needs root, nft and iptables")

test(
  "the last holder deletes the nat table the machine did not have",
  needsRoot,
  withoutNatTable(async () => {
    const dir = join(root, "absent")
    await holdNatTables("a", dir)
    await holdNatTables("b", dir)
    // As portmap's first rule makes it; its chains are gone again by the time holders let go.
    execFileSync("iptables", ["-w", "-t", "nat", "-N", "K8TS-TEST-NAT"])
    execFileSync("iptables", ["-w", "-t", "nat", "-X", "K8TS-TEST-NAT"])
    await releaseNatTables("a", dir)
    assert.equal(hasTable(), true, "b still holds it")
    await releaseNatTables("b", dir)
    assert.equal(hasTable(), false)
  }),
)

test(
  "a nat table with a chain of someone else's stays",
  needsRoot,
  withoutNatTable(async () => {
    const dir = join(root, "other")
    await holdNatTables("a", dir)
    execFileSync("iptables", ["-w", "-t", "nat", "-N", "K8TS-TEST-NAT"])
    await releaseNatTables("a", dir)
    assert.equal(hasTable(), true)
  }),
)

test(
  "a nat table the machine had stays, even empty",
  needsRoot,
  withoutNatTable(async () => {
    const dir = join(root, "present")
    execFileSync("nft", ["add", "table", "ip", "nat"])
    await holdNatTables("a", dir)
    await releaseNatTables("a", dir)
    assert.equal(hasTable(), true)
  }),
)

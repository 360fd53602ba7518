import assert from "node:assert/strict"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { after, test } from "node:test"
import { NodeGuard } from "./node-guard.ts"

const dir = mkdtempSync(join(tmpdir(), "k8ts-guard-"))
after(() => rmSync(dir, { recursive: true, force: true }))

test("installRoutes() refuses a range that covers a nameserver, before touching any route", async () => {
  const resolvConf = join(dir, "resolv.conf")
  writeFileSync(resolvConf, "search example\nnameserver 10.255.255.53\n")
  const guard = new NodeGuard(join(dir, "node.json"), resolvConf)
  await assert.rejects(
    guard.installRoutes(["10.244.0.0/16", "10.0.0.0/8"]),
    new RangeError('Cannot guard "10.0.0.0/8": it covers the nameserver "10.255.255.53"'),
  )
})

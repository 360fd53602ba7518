import assert from "node:assert/strict"
import { mkdtempSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { after, test } from "node:test"
import { createPodNetwork } from "./create.ts"

const dir = mkdtempSync(join(tmpdir(), "k8ts-create-net-"))
after(() => rmSync(dir, { recursive: true, force: true }))
const base = {
  podCIDR: "10.244.1.0/24",
  clusterCIDR: "10.244.0.0/16",
  serviceCIDR: "10.96.0.0/12",
  stateDir: dir,
}

test("createPodNetwork() is the direct bridge without a CNI configuration directory", async () => {
  assert.equal((await createPodNetwork(base)).name, "bridge")
})

test("createPodNetwork() with --cni-conf-dir writes the default conflist when there is none", async () => {
  const confDir = join(dir, "net.d")
  const network = await createPodNetwork({ ...base, cniConfDir: confDir })
  assert.equal(network.name, "cni")
  const list = JSON.parse(readFileSync(join(confDir, "10-k8ts.conflist"), "utf8")) as {
    plugins: { type: string }[]
  }
  assert.deepEqual(
    list.plugins.map((p) => p.type),
    ["bridge", "portmap"],
  )
})

test("createPodNetwork() names the default conflist's bridge after its prefix", async () => {
  const confDir = join(dir, "net.d-b")
  await createPodNetwork({ ...base, cniConfDir: confDir, namePrefix: "k8tsb" })
  const list = JSON.parse(readFileSync(join(confDir, "10-k8ts.conflist"), "utf8")) as {
    plugins: { type: string; bridge?: string }[]
  }
  assert.equal(list.plugins[0]?.bridge, "k8tsb0")
})

/** The Node a real kubelet registers, and how it reconciles one registered before. */
import assert from "node:assert/strict"
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { test } from "node:test"
import type { Node } from "kubernetes-types/core/v1.js"
import { hostCapacity, hostHugePages, realNode } from "./node.ts"
import { CONTROLLER_MANAGED_ATTACH_DETACH, registeredNodePatch } from "./registered-node.ts"

const facts = {
  name: "n1",
  address: "127.0.0.1",
  dataDir: tmpdir(),
  kubeletPort: 10250,
  runtime: { name: "process", version: "1.0.0" },
}

test("realNode() leaves attach/detach to the controller, as a kubelet's default does", () => {
  const node = realNode(facts, Date.UTC(2026, 0, 1))
  assert.equal(node.metadata?.annotations?.[CONTROLLER_MANAGED_ATTACH_DETACH], "true")
  assert.equal(node.metadata?.annotations?.["node.alpha.kubernetes.io/ttl"], "0")
})

const meta = (labels: Record<string, string>, annotations: Record<string, string>): Node => ({
  metadata: { name: "n1", labels, annotations },
})
const built = meta(
  { "kubernetes.io/hostname": "n1", "kubernetes.io/os": "linux", custom: "x" },
  { [CONTROLLER_MANAGED_ATTACH_DETACH]: "true" },
)

const cases: { name: string; built: Node; existing: Node; want: unknown }[] = [
  { name: "the same: nothing", built, existing: built, want: undefined },
  {
    name: "an existing Node without the annotation gets it",
    built,
    existing: meta(built.metadata?.labels ?? {}, {}),
    want: { metadata: { annotations: { [CONTROLLER_MANAGED_ATTACH_DETACH]: "true" } } },
  },
  {
    name: "a kubelet that does not set it removes it",
    built: meta(built.metadata?.labels ?? {}, {}),
    existing: built,
    want: { metadata: { annotations: { [CONTROLLER_MANAGED_ATTACH_DETACH]: null } } },
  },
  {
    name: "default labels put back; other labels, and default ones not built, left alone",
    built,
    existing: meta(
      { "kubernetes.io/hostname": "old", custom: "y", "kubernetes.io/arch": "arm64" },
      { [CONTROLLER_MANAGED_ATTACH_DETACH]: "true" },
    ),
    want: { metadata: { labels: { "kubernetes.io/hostname": "n1", "kubernetes.io/os": "linux" } } },
  },
  {
    name: "a default label built empty is removed",
    built: meta({ "kubernetes.io/hostname": "" }, {}),
    existing: meta({ "kubernetes.io/hostname": "n1" }, {}),
    want: { metadata: { labels: { "kubernetes.io/hostname": null } } },
  },
]

for (const c of cases) {
  test(`registeredNodePatch(): ${c.name}`, () => {
    assert.deepEqual(registeredNodePatch(c.built, c.existing), c.want)
  })
}

test("hostHugePages() lists every pool the kernel has, as cadvisor reads them", () => {
  const dir = mkdtempSync(join(tmpdir(), "k8ts-hugepages-"))
  try {
    const pool = (name: string, pages?: string) => {
      mkdirSync(join(dir, name))
      if (pages !== undefined) writeFileSync(join(dir, name, "nr_hugepages"), pages)
    }
    pool("hugepages-2048kB", "0\n")
    pool("hugepages-1048576kB", "2\n")
    pool("hugepages-64kB")
    pool("not-a-pool", "5")
    const pools = hostHugePages(dir)
    assert.deepEqual(pools, { "hugepages-1Gi": 2 * 1024 ** 3, "hugepages-2Mi": 0, "hugepages-64Ki": 0 })
    const capacity = hostCapacity(dir, 110, pools)
    assert.equal(capacity["hugepages-1Gi"], "2Gi")
    assert.equal(capacity["hugepages-2Mi"], "0")
    assert.equal(capacity.pods, "110")
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
  assert.deepEqual(hostHugePages(join(dir, "gone")), {})
})

test("realNode() lists this host's huge page pools in capacity and allocatable", () => {
  const node = realNode(facts, Date.UTC(2026, 0, 1))
  const listed = (r: Record<string, string> | undefined) =>
    Object.keys(r ?? {})
      .filter((k) => k.startsWith("hugepages-"))
      .sort()
  assert.deepEqual(listed(node.status?.capacity), Object.keys(hostHugePages()).sort())
  assert.deepEqual(listed(node.status?.allocatable), listed(node.status?.capacity))
})

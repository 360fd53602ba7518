import assert from "node:assert/strict"
import { after, before, describe, test } from "node:test"
import { ControllerRevisions, Namespaces, StatefulSets } from "../../api/index.ts"
import { startClientEnv, type ClientEnv } from "../../testing/index.ts"
import {
  createControllerRevision,
  findEqualRevisions,
  newControllerRevision,
  nextRevision,
  type Revision,
  revisionName,
  sortRevisions,
  truncateHistory,
} from "./history.ts"

const owner = {
  apiVersion: "apps/v1",
  kind: "StatefulSet",
  metadata: { name: "web", namespace: "h", uid: "u-1" },
}
const opts = (data: unknown, revision: number) => ({
  owner,
  ownerRef: StatefulSets,
  labels: { app: "web" },
  data,
  revision,
})

describe("revision helpers", () => {
  test("revisionName() truncates long owner names to 223 characters", () => {
    assert.equal(revisionName("web", "abc"), "web-abc")
    assert.equal(revisionName("x".repeat(300), "abc").length, 223 + 4)
  })

  test("newControllerRevision() names, labels and owns the revision", () => {
    const rev = newControllerRevision(opts({ v: 1 }, 3), 0)
    const hash = rev.metadata?.labels?.["controller.kubernetes.io/hash"]
    assert.equal(rev.metadata?.name, `web-${hash}`)
    assert.equal(rev.metadata?.labels?.app, "web")
    assert.equal(rev.revision, 3)
    assert.deepEqual(rev.metadata?.ownerReferences?.[0], {
      apiVersion: "apps/v1",
      kind: "StatefulSet",
      name: "web",
      uid: "u-1",
      controller: true,
      blockOwnerDeletion: true,
    })
  })

  test("sortRevisions(), nextRevision() and findEqualRevisions() order and compare by data", () => {
    const a = newControllerRevision(opts({ v: 1 }, 2), 0)
    const b = newControllerRevision(opts({ v: 2 }, 1), 0)
    const c = newControllerRevision(opts({ v: 1 }, 3), 0)
    const sorted = sortRevisions([a, b, c])
    assert.deepEqual(
      sorted.map((r) => r.revision),
      [1, 2, 3],
    )
    assert.equal(nextRevision(sorted), 4)
    assert.equal(nextRevision([]), 1)
    assert.deepEqual(findEqualRevisions(sorted, newControllerRevision(opts({ v: 1 }, 9), 0)), [a, c])
  })
})

describe("createControllerRevision", () => {
  let env: ClientEnv
  before(async () => {
    env = await startClientEnv()
    await env.inProcess
      .resource(Namespaces)
      .create({ apiVersion: "v1", kind: "Namespace", metadata: { name: "h" } })
  })
  after(() => env.stop())

  test("raises the collision count when the name holds other data, and reuses an equal revision", async () => {
    const client = env.inProcess
    // A squatter with the name the first revision would get, but other data.
    const squatter = newControllerRevision(opts({ v: 1 }, 1), 0)
    squatter.data = { other: true } as never
    await client.resource(ControllerRevisions).create(squatter)
    const made = await createControllerRevision(client, { ...opts({ v: 1 }, 1), collisionCount: 0 })
    assert.equal(made.collisionCount, 1)
    assert.notEqual(made.revision.metadata?.name, squatter.metadata?.name)
    const again = await createControllerRevision(client, { ...opts({ v: 1 }, 1), collisionCount: 1 })
    assert.equal(again.revision.metadata?.uid, made.revision.metadata?.uid)
  })

  test("truncateHistory() deletes the oldest beyond the limit", async () => {
    const client = env.inProcess
    const revs: Revision[] = []
    for (let i = 1; i <= 3; i++) {
      revs.push(
        await client.resource(ControllerRevisions).create(newControllerRevision(opts({ t: i }, i), 0)),
      )
    }
    await truncateHistory(client, revs, 1)
    const left = await client.resource(ControllerRevisions).list({ namespace: "h" })
    const names = left.items.map((r) => r.metadata?.name)
    assert.ok(!names.includes(revs[0]?.metadata?.name))
    assert.ok(!names.includes(revs[1]?.metadata?.name))
    assert.ok(names.includes(revs[2]?.metadata?.name))
  })
})

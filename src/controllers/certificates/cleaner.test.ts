import assert from "node:assert/strict"
import { after, before, describe, test } from "node:test"
import type { CertificateSigningRequest } from "kubernetes-types/certificates/v1.js"
import { CertificateSigningRequests } from "../../api/index.ts"
import { makeCsr } from "../../testing/index.ts"
import { startLifecycleEnv, type LifecycleEnv } from "../lifecycle-env.case.ts"
import { cleanupTime, csrCleanerController } from "./cleaner.ts"

const T0 = Date.UTC(2026, 0, 1)
const iso = (ms: number) => new Date(ms).toISOString().replace(".000Z", "Z")

function csr(status: CertificateSigningRequest["status"]): CertificateSigningRequest {
  return {
    metadata: { name: "x", creationTimestamp: iso(T0) },
    spec: { request: "", signerName: "example.com/x", usages: ["client auth"] },
    ...(status ? { status } : {}),
  }
}

describe("cleanupTime", () => {
  const cases = [
    { name: "pending: a day after creation", input: csr(undefined), want: T0 + 86_400_000 },
    {
      name: "denied: an hour after the decision",
      input: csr({ conditions: [{ type: "Denied", status: "True", lastUpdateTime: iso(T0 + 1000) }] }),
      want: T0 + 1000 + 3_600_000,
    },
    {
      name: "failed: an hour after the failure",
      input: csr({
        conditions: [
          { type: "Approved", status: "True", lastUpdateTime: iso(T0) },
          { type: "Failed", status: "True", lastUpdateTime: iso(T0 + 2000) },
        ],
      }),
      want: T0 + 2000 + 3_600_000,
    },
    {
      name: "approved but not issued: never",
      input: csr({ conditions: [{ type: "Approved", status: "True", lastUpdateTime: iso(T0) }] }),
      want: undefined,
    },
  ]
  for (const c of cases) test(c.name, () => assert.equal(cleanupTime(c.input), c.want))
})

describe("csrCleanerController", () => {
  let t: LifecycleEnv
  before(async () => {
    t = await startLifecycleEnv([csrCleanerController])
  })
  after(() => t.stop())

  test("deletes a pending request after 24 hours, not before", async () => {
    const { request } = await makeCsr("CN=old")
    const csrs = t.client.resource(CertificateSigningRequests)
    await csrs.create({
      apiVersion: "certificates.k8s.io/v1",
      kind: "CertificateSigningRequest",
      metadata: { name: "old" },
      spec: { request, signerName: "example.com/x", usages: ["client auth"] },
    })
    await t.settle()
    await t.clock.advance(23 * 3600_000)
    await t.settle()
    assert.ok(await csrs.get({ name: "old" }))
    await t.clock.advance(3600_000)
    await t.until(
      () =>
        csrs.get({ name: "old" }).then(
          () => false,
          () => true,
        ),
      "the request deleted",
    )
  })
})

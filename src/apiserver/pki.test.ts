import assert from "node:assert/strict"
import { X509Certificate } from "node:crypto"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { after, test } from "node:test"
import { ensurePki, userOfSubject } from "./pki.ts"

const dir = mkdtempSync(join(tmpdir(), "k8ts-pki-"))
after(() => rmSync(dir, { recursive: true, force: true }))

test("ensurePki() creates a CA, a serving and an admin certificate, then reuses them", async () => {
  const a = await ensurePki(dir, ["localhost", "127.0.0.1", "10.96.0.1", "kubernetes.default.svc"])
  const ca = new X509Certificate(a.ca.cert)
  const server = new X509Certificate(a.server.cert)
  const admin = new X509Certificate(a.admin.cert)
  assert.ok(server.verify(ca.publicKey))
  assert.ok(admin.verify(ca.publicKey))
  assert.ok(server.checkIP("127.0.0.1"))
  assert.ok(server.checkIP("10.96.0.1"))
  assert.equal(server.checkHost("kubernetes.default.svc"), "kubernetes.default.svc")
  assert.match(admin.subject, /CN=kubernetes-admin/)
  assert.match(admin.subject, /O=system:masters/)
  const b = await ensurePki(dir, ["localhost", "127.0.0.1"])
  assert.equal(b.ca.cert, a.ca.cert)
  assert.equal(b.server.cert, a.server.cert)
})

test("ensurePki() reissues the serving certificate for a new host", async () => {
  const a = await ensurePki(dir, ["127.0.0.1"])
  const b = await ensurePki(dir, ["127.0.0.1", "127.0.0.2"])
  assert.notEqual(a.server.cert, b.server.cert)
  assert.equal(a.ca.cert, b.ca.cert)
})

test("userOfSubject() maps CN to the user and O to groups", () => {
  assert.deepEqual(userOfSubject({ CN: "alice", O: ["dev", "ops"] }), {
    name: "alice",
    groups: ["dev", "ops", "system:authenticated"],
  })
  assert.equal(userOfSubject({}), undefined)
})

import assert from "node:assert/strict"
import { after, before, describe, test } from "node:test"
import { apiCall, makeCsr, type TestCsr } from "../../testing/index.ts"
import { MemoryStore } from "../../storage/index.ts"
import { FakeClock } from "../../util/index.ts"
import { createApiServer, type ApiServer } from "../server.ts"

const CSRS = "/apis/certificates.k8s.io/v1/certificatesigningrequests"
const clock = new FakeClock(Date.UTC(2026, 10, 30, 12, 0, 0))
const ac = new AbortController()
let api: ApiServer
let alice: TestCsr

before(async () => {
  api = createApiServer({
    store: new MemoryStore(),
    clock,
    authenticate: async () => ({ name: "alice", uid: "u-1", groups: ["devs", "system:authenticated"] }),
  })
  void api.run(ac.signal)
  await api.ready()
  alice = await makeCsr("CN=alice, O=devs")
})
after(() => ac.abort())

const call = (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) =>
  apiCall(api, method, path, body, headers)

function csr(name: string, spec: Record<string, unknown> = {}) {
  return {
    apiVersion: "certificates.k8s.io/v1",
    kind: "CertificateSigningRequest",
    metadata: { name },
    spec: {
      request: alice.request,
      signerName: "kubernetes.io/kube-apiserver-client",
      usages: ["client auth"],
      ...spec,
    },
  }
}

describe("CertificateSigningRequest strategy", () => {
  test("create fills the requesting user into spec, whatever the client sent", async () => {
    const res = await call("POST", CSRS, csr("c1", { username: "mallory", groups: ["system:masters"] }))
    assert.equal(res.status, 201, JSON.stringify(res.json))
    assert.equal(res.json.spec.username, "alice")
    assert.equal(res.json.spec.uid, "u-1")
    assert.deepEqual(res.json.spec.groups, ["devs", "system:authenticated"])
  })

  test("an update of the main resource keeps spec and status", async () => {
    await call("POST", CSRS, csr("c2"))
    const cur = (await call("GET", `${CSRS}/c2`)).json
    const res = await call("PUT", `${CSRS}/c2`, {
      ...cur,
      metadata: { ...cur.metadata, labels: { a: "b" } },
      spec: { ...cur.spec, signerName: "example.com/other" },
      status: { conditions: [{ type: "Approved", status: "True" }] },
    })
    assert.equal(res.status, 200, JSON.stringify(res.json))
    assert.equal(res.json.spec.signerName, "kubernetes.io/kube-apiserver-client")
    assert.deepEqual(res.json.status, {})
    assert.deepEqual(res.json.metadata.labels, { a: "b" })
  })

  test("an update of the main resource records in managedFields what it keeps: metadata", async () => {
    await call("POST", CSRS, csr("c2m"))
    const cur = (await call("GET", `${CSRS}/c2m`)).json
    const res = await call("PUT", `${CSRS}/c2m?fieldManager=editor`, {
      ...cur,
      metadata: { ...cur.metadata, labels: { a: "b" } },
      spec: { ...cur.spec, signerName: "example.com/other", expirationSeconds: 3600 },
    })
    assert.equal(res.status, 200, JSON.stringify(res.json))
    const entry = res.json.metadata.managedFields.find((m: any) => m.manager === "editor")
    assert.deepEqual(entry.fieldsV1, { "f:metadata": { "f:labels": { ".": {}, "f:a": {} } } })
  })

  test("approval sets conditions with timestamps; status may not add Approved", async () => {
    await call("POST", CSRS, csr("c3"))
    const cur = (await call("GET", `${CSRS}/c3`)).json
    const viaStatus = await call("PUT", `${CSRS}/c3/status`, {
      ...cur,
      status: { conditions: [{ type: "Approved", status: "True", reason: "Self" }] },
    })
    assert.equal(viaStatus.status, 422)
    assert.match(viaStatus.json.message, /updates may not add a condition of type "Approved"/)
    const approved = await call("PUT", `${CSRS}/c3/approval`, {
      ...cur,
      spec: { ...cur.spec, usages: ["server auth"] },
      status: {
        certificate: Buffer.from("junk").toString("base64"),
        conditions: [{ type: "Approved", status: "True", reason: "KubectlApprove", message: "ok" }],
      },
    })
    assert.equal(approved.status, 200, JSON.stringify(approved.json))
    const c = approved.json.status.conditions[0]
    assert.equal(c.type, "Approved")
    assert.equal(c.lastUpdateTime, "2026-11-30T12:00:00Z")
    assert.equal(c.lastTransitionTime, "2026-11-30T12:00:00Z")
    assert.deepEqual(approved.json.spec.usages, ["client auth"])
    assert.equal(approved.json.status.certificate, undefined)
  })

  test("approval refuses Approved and Denied together", async () => {
    await call("POST", CSRS, csr("c4"))
    const cur = (await call("GET", `${CSRS}/c4`)).json
    const res = await call("PUT", `${CSRS}/c4/approval`, {
      ...cur,
      status: {
        conditions: [
          { type: "Approved", status: "True" },
          { type: "Denied", status: "True" },
        ],
      },
    })
    assert.equal(res.status, 422)
    assert.match(res.json.message, /Approved and Denied conditions are mutually exclusive/)
  })

  test("status sets the certificate once; approval conditions survive a status write", async () => {
    await call("POST", CSRS, csr("c5"))
    let cur = (await call("GET", `${CSRS}/c5`)).json
    cur = (
      await call("PUT", `${CSRS}/c5/approval`, {
        ...cur,
        status: { conditions: [{ type: "Approved", status: "True", reason: "R" }] },
      })
    ).json
    const bad = await call("PUT", `${CSRS}/c5/status`, {
      ...cur,
      status: { ...cur.status, certificate: Buffer.from("junk").toString("base64") },
    })
    assert.equal(bad.status, 422)
    assert.match(bad.json.message, /status.certificate: Invalid value: "<certificate data>"/)
  })
})

describe("CertificateSigningRequest validation", () => {
  const cases: { name: string; spec: Record<string, unknown>; want: RegExp }[] = [
    {
      name: "a request that is not PEM",
      spec: { request: Buffer.from("hello").toString("base64") },
      want: /spec.request: Invalid value: ".*": PEM block type must be CERTIFICATE REQUEST/,
    },
    {
      name: "a request whose signature does not verify",
      spec: { request: "" },
      want: /x509: ECDSA verification failure/,
    },
    { name: "no signerName", spec: { signerName: "" }, want: /spec.signerName: Required value/ },
    {
      name: "a signerName without a path",
      spec: { signerName: "example.com" },
      want: /must be a fully qualified domain and path of the form 'example.com\/signer-name'/,
    },
    { name: "no usages", spec: { usages: [] }, want: /spec.usages: Required value/ },
    {
      name: "an unknown usage",
      spec: { usages: ["flying"] },
      want: /spec.usages\[0\]: Unsupported value: "flying"/,
    },
    {
      name: "expirationSeconds under 600",
      spec: { expirationSeconds: 599 },
      want: /spec.expirationSeconds: Invalid value: 599: may not specify a duration less than 600 seconds \(10 minutes\)/,
    },
  ]
  for (const c of cases) {
    test(`create refuses ${c.name}`, async () => {
      const spec = { ...c.spec }
      if (spec.request === "") {
        // Flip a byte inside the signature: still a well-formed request.
        const b64 = alice.pem.replace(/-----[A-Z ]+-----/g, "").replace(/\s+/g, "")
        const body = Buffer.from(b64, "base64")
        body[body.length - 5] = (body[body.length - 5] as number) ^ 0x01
        spec.request = Buffer.from(
          `-----BEGIN CERTIFICATE REQUEST-----\n${body.toString("base64")}\n-----END CERTIFICATE REQUEST-----\n`,
        ).toString("base64")
      }
      const res = await call("POST", CSRS, csr("bad", spec))
      assert.equal(res.status, 422, JSON.stringify(res.json))
      assert.match(res.json.message, c.want)
    })
  }
})

describe("CertificateSigningRequest table and selectors", () => {
  test("the table has upstream's columns and condition", async () => {
    await call("POST", CSRS, csr("t1", { expirationSeconds: 3600 }))
    const res = await call("GET", `${CSRS}?fieldSelector=metadata.name%3Dt1`, undefined, {
      accept: "application/json;as=Table;v=v1;g=meta.k8s.io",
    })
    assert.deepEqual(
      res.json.columnDefinitions.map((c: { name: string }) => c.name),
      ["Name", "Age", "SignerName", "Requestor", "RequestedDuration", "Condition"],
    )
    assert.deepEqual(res.json.rows[0].cells.slice(2), [
      "kubernetes.io/kube-apiserver-client",
      "alice",
      "60m",
      "Pending",
    ])
  })

  test("spec.signerName is a selectable field", async () => {
    const res = await call("GET", `${CSRS}?fieldSelector=spec.signerName%3Dexample.com%2Fnone`)
    assert.equal(res.status, 200)
    assert.equal(res.json.items.length, 0)
  })
})

import assert from "node:assert/strict"
import { after, before, describe, test } from "node:test"
import { MemoryStore } from "../../storage/index.ts"
import { FakeClock } from "../../util/index.ts"
import { apiCall } from "../../testing/index.ts"
import { createApiServer, type ApiServer } from "../server.ts"

let api: ApiServer
const ac = new AbortController()

before(async () => {
  api = createApiServer({ store: new MemoryStore(), clock: new FakeClock(Date.UTC(2026, 11, 1)) })
  void api.run(ac.signal)
  await api.ready()
})
after(() => ac.abort())

const VA = "/apis/storage.k8s.io/v1/volumeattachments"
const VAP = "/apis/admissionregistration.k8s.io/v1/validatingadmissionpolicies"
const CSI = "/apis/storage.k8s.io/v1/csidrivers"

async function call(method: string, path: string, body?: unknown) {
  const r = await apiCall(api, method, path, body)
  assert.ok(r.status < 300, `${method} ${path}: ${r.status} ${r.text}`)
  return r.json
}

describe("status and generation of the admission, flowcontrol and storage kinds", () => {
  test("a VolumeAttachment starts unattached; status writes keep the spec, spec writes the status", async () => {
    const created = await call("POST", VA, {
      metadata: { name: "va" },
      spec: { attacher: "csi.example.com", nodeName: "n1", source: { persistentVolumeName: "pv1" } },
      status: { attached: true },
    })
    assert.deepEqual(created.status, { attached: false })
    assert.equal(created.metadata.generation, undefined)
    const attached = await call("PUT", `${VA}/va/status`, {
      ...created,
      spec: { ...created.spec, nodeName: "n2" },
      status: { attached: true, attachmentMetadata: { path: "/dev/sdb" } },
    })
    assert.equal(attached.spec.nodeName, "n1")
    assert.equal(attached.status.attached, true)
    const r = await apiCall(api, "PUT", `${VA}/va`, {
      ...attached,
      spec: { ...attached.spec, nodeName: "n2" },
    })
    assert.equal(r.status, 422)
    assert.match(r.json.message, /spec: Invalid value: .*: field is immutable/)
  })

  test("a ValidatingAdmissionPolicy counts spec changes in its generation, not status writes", async () => {
    const created = await call("POST", VAP, {
      metadata: { name: "replicas" },
      spec: {
        matchConstraints: {
          resourceRules: [
            { apiGroups: ["apps"], apiVersions: ["v1"], operations: ["CREATE"], resources: ["deployments"] },
          ],
        },
        validations: [{ expression: "object.spec.replicas <= 5" }],
      },
    })
    assert.deepEqual(
      [created.metadata.generation, created.status, created.spec.failurePolicy],
      [1, {}, "Fail"],
    )
    const changed = await call("PUT", `${VAP}/replicas`, {
      ...created,
      spec: { ...created.spec, failurePolicy: "Ignore" },
    })
    assert.equal(changed.metadata.generation, 2)
    const status = await call("PUT", `${VAP}/replicas/status`, {
      ...changed,
      status: { observedGeneration: 2 },
    })
    assert.deepEqual([status.metadata.generation, status.status.observedGeneration], [2, 2])
  })

  test("a CSIDriver counts spec changes in its generation", async () => {
    const created = await call("POST", CSI, { metadata: { name: "csi.example.com" }, spec: {} })
    assert.equal(created.metadata.generation, 1)
    const changed = await call("PUT", `${CSI}/csi.example.com`, {
      ...created,
      spec: { ...created.spec, podInfoOnMount: true },
    })
    assert.equal(changed.metadata.generation, 2)
  })
})

import assert from "node:assert/strict"
import { test } from "node:test"
import type { ApiServer } from "../server.ts"
import { apiCall, memoryApiServer } from "../../testing/index.ts"
import { dropDisabledFields } from "./disabled-fields.ts"

let api: ApiServer
memoryApiServer((started) => (api = started))

const WORKLOAD_REF = { name: "training", podGroup: "workers" }
const podSpec = (extra: object = {}): Record<string, unknown> => ({
  containers: [{ name: "c", image: "busybox" }],
  ...extra,
})

test("a pod's spec.workloadRef (alpha, gate off in v1.35) is accepted and dropped, as upstream drops it", async () => {
  const made = await apiCall(api, "POST", "/api/v1/namespaces/default/pods", {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "gang" },
    spec: podSpec({ workloadRef: WORKLOAD_REF }),
  })
  assert.equal(made.status, 201, made.text)
  assert.equal(made.json.spec.workloadRef, undefined)
  assert.equal(made.json.spec.containers[0].image, "busybox")
})

test("a pod template's workloadRef is dropped too, here a CronJob's, on create and update", async () => {
  const path = "/apis/batch/v1/namespaces/default/cronjobs"
  const cronJob = (extra: object) => ({
    apiVersion: "batch/v1",
    kind: "CronJob",
    metadata: { name: "nightly" },
    spec: {
      schedule: "0 1 * * *",
      jobTemplate: { spec: { template: { spec: podSpec({ restartPolicy: "Never", ...extra }) } } },
    },
  })
  const made = await apiCall(api, "POST", path, cronJob({ workloadRef: WORKLOAD_REF }))
  assert.equal(made.status, 201, made.text)
  assert.equal(made.json.spec.jobTemplate.spec.template.spec.workloadRef, undefined)
  const put = await apiCall(api, "PUT", `${path}/nightly`, {
    ...cronJob({ workloadRef: WORKLOAD_REF }),
    metadata: made.json.metadata,
  })
  assert.equal(put.status, 200, put.text)
  assert.equal(put.json.spec.jobTemplate.spec.template.spec.workloadRef, undefined)
  assert.equal(put.json.metadata.generation, 1, "nothing the generation counts changed")
})

test("dropDisabledFields keeps a field the stored object uses and never changes what it shares", () => {
  const shared = podSpec({ workloadRef: WORKLOAD_REF })
  const next = { metadata: { name: "p" }, spec: shared }
  dropDisabledFields("/Pod", next, { metadata: { name: "p" }, spec: podSpec({ workloadRef: WORKLOAD_REF }) })
  assert.deepEqual(next.spec.workloadRef, WORKLOAD_REF)
  dropDisabledFields("/Pod", next, { metadata: { name: "p" }, spec: podSpec() })
  assert.equal(next.spec.workloadRef, undefined)
  assert.deepEqual(shared.workloadRef, WORKLOAD_REF, "the shared spec is copied, not changed")
  const rs = { spec: { template: { spec: podSpec({ workloadRef: WORKLOAD_REF }) } } }
  dropDisabledFields("apps/ReplicaSet", rs)
  assert.equal("workloadRef" in rs.spec.template.spec, false)
  const other = { spec: { workloadRef: WORKLOAD_REF } }
  dropDisabledFields("/ConfigMap", other)
  assert.deepEqual(other.spec.workloadRef, WORKLOAD_REF, "other kinds are left alone")
})

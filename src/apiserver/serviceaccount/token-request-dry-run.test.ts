/** A TokenRequest's admission sees whether it is a dry run, as every create's does. */
import assert from "node:assert/strict"
import { after, before, test } from "node:test"
import { MemoryStore } from "../../storage/index.ts"
import { FakeClock } from "../../util/index.ts"
import { apiCall } from "../../testing/index.ts"
import type { AdmissionRequest } from "../registry/context.ts"
import { createApiServer, type ApiServer } from "../server.ts"
import { generateServiceAccountKey } from "./key.ts"

const seen: { phase: string; dryRun: boolean }[] = []
let api: ApiServer
const ac = new AbortController()

before(async () => {
  const record = (phase: string) => (req: AdmissionRequest) => {
    if (req.subresource === "token") seen.push({ phase, dryRun: req.dryRun })
  }
  api = createApiServer({
    store: new MemoryStore(),
    clock: new FakeClock(Date.UTC(2026, 10, 24, 12, 0, 0)),
    serviceAccountTokens: { key: generateServiceAccountKey(), issuer: "https://kubernetes.default.svc" },
    admission: [{ name: "Record", mutate: record("mutate"), validate: record("validate") }],
  })
  void api.run(ac.signal)
  await api.ready()
  await apiCall(api, "POST", "/api/v1/namespaces/default/serviceaccounts", { metadata: { name: "robot" } })
})
after(() => ac.abort())

test("a TokenRequest with ?dryRun=All is admitted as a dry run", async () => {
  const body = { apiVersion: "authentication.k8s.io/v1", kind: "TokenRequest", spec: {} }
  const res = await apiCall(
    api,
    "POST",
    "/api/v1/namespaces/default/serviceaccounts/robot/token?dryRun=All",
    body,
  )
  assert.equal(res.status, 201, JSON.stringify(res.json))
  assert.deepEqual(seen, [
    { phase: "mutate", dryRun: true },
    { phase: "validate", dryRun: true },
  ])
})

/** A TokenRequest's admission sees whether it is a dry run, as every create's does. */
import assert from "node:assert/strict"
import { before, beforeEach, describe, test } from "node:test"
import { FakeClock } from "../../util/index.ts"
import { apiCall, memoryApiServer } from "../../testing/index.ts"
import type { AdmissionRequest } from "../registry/context.ts"
import type { ApiServer } from "../server.ts"
import { generateServiceAccountKey } from "./key.ts"

const TOKEN = "/api/v1/namespaces/default/serviceaccounts/robot/token"
const BODY = { apiVersion: "authentication.k8s.io/v1", kind: "TokenRequest", spec: {} }

const seen: { phase: string; dryRun: boolean }[] = []
const record = (phase: string) => (req: AdmissionRequest) => {
  if (req.subresource === "token") seen.push({ phase, dryRun: req.dryRun })
}
describe("a TokenRequest's dryRun", () => {
  let api: ApiServer
  memoryApiServer(
    (started) => {
      api = started
    },
    {
      clock: new FakeClock(Date.UTC(2026, 10, 24, 12, 0, 0)),
      serviceAccountTokens: { key: generateServiceAccountKey(), issuer: "https://kubernetes.default.svc" },
      admission: [{ name: "Record", mutate: record("mutate"), validate: record("validate") }],
    },
  )

  before(async () => {
    await apiCall(api, "POST", "/api/v1/namespaces/default/serviceaccounts", { metadata: { name: "robot" } })
  })
  beforeEach(() => {
    seen.length = 0
  })

  test("a TokenRequest with ?dryRun=All is admitted as a dry run", async () => {
    const res = await apiCall(api, "POST", `${TOKEN}?dryRun=All`, BODY)
    assert.equal(res.status, 201, JSON.stringify(res.json))
    assert.deepEqual(seen, [
      { phase: "mutate", dryRun: true },
      { phase: "validate", dryRun: true },
    ])
  })

  test("a TokenRequest without ?dryRun is admitted as a real one", async () => {
    const res = await apiCall(api, "POST", TOKEN, BODY)
    assert.equal(res.status, 201, JSON.stringify(res.json))
    assert.deepEqual(seen, [
      { phase: "mutate", dryRun: false },
      { phase: "validate", dryRun: false },
    ])
  })

  const UNSUPPORTED =
    'CreateOptions.meta.k8s.io "" is invalid: dryRun: Unsupported value: ["x"]: supported values: "All"'

  test("an unsupported dryRun value is Invalid, before admission", async () => {
    const res = await apiCall(api, "POST", `${TOKEN}?dryRun=x`, BODY)
    assert.equal(res.status, 422, JSON.stringify(res.json))
    assert.equal((res.json as { message?: string }).message, UNSUPPORTED)
    assert.deepEqual(seen, [])
  })

  test("an unsupported dryRun value is refused before the body is read, as upstream's create options", async () => {
    const res = await apiCall(api, "POST", `${TOKEN}?dryRun=x`, "[1]")
    assert.equal(res.status, 422, JSON.stringify(res.json))
    assert.equal((res.json as { message?: string }).message, UNSUPPORTED)
  })
})

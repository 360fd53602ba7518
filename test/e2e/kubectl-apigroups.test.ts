/**
 * The real kubectl v1.35 with the admission, flowcontrol, node and CSI kinds: apply fills
 * upstream's defaults, invalid objects get upstream's 422, `get` prints upstream's columns.
 */
import assert from "node:assert/strict"
import { after, before, describe, test } from "node:test"
import { startTestApiServer, type TestApiServer, kubectlSession } from "../../src/testing/index.ts"

let srv: TestApiServer

before(async () => {
  srv = await startTestApiServer()
})
after(async () => {
  await srv?.stop()
})

const { k, ok, file, getJson } = kubectlSession(() => srv)

const OBJECTS = `
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingWebhookConfiguration
metadata:
  name: pod-policy
webhooks:
- name: pods.policy.example.com
  clientConfig:
    service:
      namespace: default
      name: policy
  rules:
  - apiGroups: [""]
    apiVersions: ["v1"]
    operations: ["CREATE"]
    resources: ["pods"]
  sideEffects: None
  admissionReviewVersions: ["v1"]
- name: services.policy.example.com
  clientConfig:
    url: https://policy.example.com/services
  sideEffects: NoneOnDryRun
  admissionReviewVersions: ["v1"]
---
apiVersion: node.k8s.io/v1
kind: RuntimeClass
metadata:
  name: gvisor
handler: runsc
`

describe("kubectl with the admission, flowcontrol, node and CSI kinds", () => {
  test("apply defaults a webhook configuration and a RuntimeClass; get prints their columns", async () => {
    await ok("apply", "-f", file("objects.yaml", OBJECTS))
    const hooks = await getJson("validatingwebhookconfiguration", "pod-policy")
    const first = hooks.webhooks[0]
    assert.equal(first.failurePolicy, "Fail")
    assert.equal(first.matchPolicy, "Equivalent")
    assert.equal(first.timeoutSeconds, 10)
    assert.deepEqual(first.namespaceSelector, {})
    assert.equal(first.rules[0].scope, "*")
    assert.equal(first.clientConfig.service.port, 443)
    assert.equal(hooks.metadata.generation, 1)
    assert.match(
      await ok("get", "validatingwebhookconfigurations"),
      /^NAME\s+WEBHOOKS\s+AGE\npod-policy\s+2\s+\S+\n$/,
    )
    assert.match(await ok("get", "runtimeclass", "gvisor"), /^NAME\s+HANDLER\s+AGE\ngvisor\s+runsc\s+\S+\n$/)
  })

  test("an invalid webhook configuration is refused with upstream's causes", async () => {
    const bad = OBJECTS.replace("pods.policy.example.com", "pods").replace("name: pod-policy", "name: bad")
    const r = await k("create", "-f", file("bad.yaml", bad.split("---")[0]!))
    assert.equal(r.code, 1)
    assert.match(
      r.stderr,
      /is invalid: webhooks\[0\]\.name: Invalid value: "pods": should be a domain with at least three segments separated by dots/,
    )
  })

  test("a RuntimeClass's handler is immutable", async () => {
    const r = await k("patch", "runtimeclass", "gvisor", "--type=merge", "-p", '{"handler":"runc"}')
    assert.equal(r.code, 1)
    assert.match(r.stderr, /handler: Invalid value: "runc": field is immutable/)
  })

  test("get lists the mandatory FlowSchemas by precedence and the priority levels", async () => {
    const schemas = await ok("get", "flowschemas")
    assert.match(
      schemas,
      /^NAME\s+PRIORITYLEVEL\s+MATCHINGPRECEDENCE\s+DISTINGUISHERMETHOD\s+AGE\s+MISSINGPL\n/,
    )
    assert.match(
      schemas,
      /\nexempt\s+exempt\s+1\s+<none>\s+\S+\s+\?\ncatch-all\s+catch-all\s+10000\s+ByUser\s+\S+\s+\?\n$/,
    )
    assert.match(
      await ok("get", "prioritylevelconfigurations"),
      /^NAME\s+TYPE\s+NOMINALCONCURRENCYSHARES\s+QUEUES\s+HANDSIZE\s+QUEUELENGTHLIMIT\s+AGE\ncatch-all\s+Limited\s+5\s+<none>\s+<none>\s+<none>\s+\S+\nexempt\s+Exempt\s+<none>\s+<none>\s+<none>\s+<none>\s+\S+\n$/,
    )
  })

  test("get prints a CSIDriver's defaulted switches", async () => {
    await ok(
      "apply",
      "-f",
      file(
        "driver.yaml",
        "apiVersion: storage.k8s.io/v1\nkind: CSIDriver\nmetadata:\n  name: csi.example.com\nspec: {}\n",
      ),
    )
    assert.match(
      await ok("get", "csidriver"),
      /^NAME\s+ATTACHREQUIRED\s+PODINFOONMOUNT\s+STORAGECAPACITY\s+TOKENREQUESTS\s+REQUIRESREPUBLISH\s+MODES\s+AGE\ncsi\.example\.com\s+true\s+false\s+false\s+<unset>\s+false\s+Persistent\s+\S+\n$/,
    )
  })
})

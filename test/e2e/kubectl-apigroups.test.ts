/**
 * The real kubectl v1.35 with the admission, flowcontrol, node and CSI kinds: apply fills
 * upstream's defaults, invalid objects get upstream's 422, `get` prints upstream's columns.
 */
import assert from "node:assert/strict"
import { after, before, describe, test } from "node:test"
import { startTestApiServer, type TestApiServer, kubectlSession, until } from "../../src/testing/index.ts"

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

  test("get lists the mandatory and suggested FlowSchemas by precedence, found, and the priority levels", async () => {
    // The Dangling conditions are written just after the server is ready: a dangling "?" is not yet
    const schemas = await until("every FlowSchema's condition", async () => {
      const out = await ok("get", "flowschemas")
      return !/\?\n/.test(out) && out
    })
    assert.match(
      schemas,
      /^NAME\s+PRIORITYLEVEL\s+MATCHINGPRECEDENCE\s+DISTINGUISHERMETHOD\s+AGE\s+MISSINGPL\n/,
    )
    const rows = schemas
      .trim()
      .split("\n")
      .slice(1)
      .map((line) => line.split(/\s+/).filter((_, i) => i !== 4))
    assert.deepEqual(rows, [
      ["exempt", "exempt", "1", "<none>", "False"],
      ["probes", "exempt", "2", "<none>", "False"],
      ["system-leader-election", "leader-election", "100", "ByUser", "False"],
      ["system-node-high", "node-high", "400", "ByUser", "False"],
      ["system-nodes", "system", "500", "ByUser", "False"],
      ["kube-controller-manager", "workload-high", "800", "ByNamespace", "False"],
      ["kube-scheduler", "workload-high", "800", "ByNamespace", "False"],
      ["kube-system-service-accounts", "workload-high", "900", "ByNamespace", "False"],
      ["service-accounts", "workload-low", "9000", "ByUser", "False"],
      ["global-default", "global-default", "9900", "ByUser", "False"],
      ["catch-all", "catch-all", "10000", "ByUser", "False"],
    ])
    const levels = await ok("get", "prioritylevelconfigurations")
    assert.match(
      levels,
      /^NAME\s+TYPE\s+NOMINALCONCURRENCYSHARES\s+QUEUES\s+HANDSIZE\s+QUEUELENGTHLIMIT\s+AGE\n/,
    )
    assert.deepEqual(
      levels
        .trim()
        .split("\n")
        .slice(1)
        .map((line) => line.split(/\s+/).slice(0, 6)),
      [
        ["catch-all", "Limited", "5", "<none>", "<none>", "<none>"],
        ["exempt", "Exempt", "<none>", "<none>", "<none>", "<none>"],
        ["global-default", "Limited", "20", "128", "6", "50"],
        ["leader-election", "Limited", "10", "16", "4", "50"],
        ["node-high", "Limited", "40", "64", "6", "50"],
        ["system", "Limited", "30", "64", "6", "50"],
        ["workload-high", "Limited", "40", "128", "6", "50"],
        ["workload-low", "Limited", "100", "128", "6", "50"],
      ],
    )
  })

  test("a FlowSchema naming a missing level is dangling, as upstream's consumer writes it", async () => {
    await ok(
      "apply",
      "-f",
      file(
        "dangling.yaml",
        "apiVersion: flowcontrol.apiserver.k8s.io/v1\nkind: FlowSchema\nmetadata:\n  name: orphan\nspec:\n  priorityLevelConfiguration:\n    name: nowhere\n  matchingPrecedence: 5000\n",
      ),
    )
    const fs = await until("a dangling condition", async () => {
      const o = await getJson("flowschema", "orphan")
      return o.status?.conditions?.length && o
    })
    assert.deepEqual(
      fs.status.conditions.map((c: Record<string, string>) => [c.type, c.status, c.reason, c.message]),
      [
        [
          "Dangling",
          "True",
          "NotFound",
          'This FlowSchema references the PriorityLevelConfiguration object named "nowhere" but there is no such object',
        ],
      ],
    )
    assert.match(
      await ok("get", "flowschema", "orphan"),
      /\norphan\s+nowhere\s+5000\s+<none>\s+\S+\s+True\n$/,
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

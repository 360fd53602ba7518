/** The real kubectl v1.35 against CRD validation rules (x-kubernetes-validations). */
import assert from "node:assert/strict"
import { describe, test } from "node:test"
import { testApiServer, kubectlSession } from "../../src/testing/index.ts"

const server = testApiServer()
const { k, ok, file } = kubectlSession(server)

function crd(specRules: string, replicasRules = ""): string {
  return `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.example.com
spec:
  group: example.com
  scope: Namespaced
  names: {plural: widgets, singular: widget, kind: Widget}
  versions:
  - name: v1
    served: true
    storage: true
    subresources: {status: {}}
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            x-kubernetes-validations:
${specRules}
            properties:
              replicas:
                type: integer
${replicasRules}
              minReplicas: {type: integer}
              name:
                type: string
                x-kubernetes-validations:
                - rule: self == oldSelf
                  message: name is immutable
              labels:
                type: object
                additionalProperties: {type: string}
          status:
            type: object
            properties:
              phase:
                type: string
                x-kubernetes-validations:
                - rule: self in ['Pending', 'Ready']
                  messageExpression: "'phase ' + self + ' is not one of Pending, Ready'"
`
}

const GOOD_RULES = `            - rule: self.minReplicas <= self.replicas
              message: replicas should be greater than or equal to minReplicas
            - rule: "!has(self.labels) || self.labels.all(k, k.lowerAscii() == k)"
              fieldPath: .labels
              reason: FieldValueForbidden`

function widget(name: string, spec: string): string {
  return `apiVersion: example.com/v1
kind: Widget
metadata:
  name: ${name}
spec:
${spec}
`
}

describe("kubectl and CRD validation rules", () => {
  test("a rule that does not compile refuses the CRD, with the rule's path and cel-go's error", async () => {
    const bad = crd(`            - rule: self.replicas > self.nope`)
    const r = await k("apply", "-f", file("bad-crd.yaml", bad))
    assert.notEqual(r.code, 0)
    assert.match(r.stderr, /The CustomResourceDefinition "widgets\.example\.com" is invalid/)
    assert.ok(
      r.stderr.includes(
        `spec.validation.openAPIV3Schema.properties[spec].x-kubernetes-validations[0].rule: Invalid value: {"Rule":"self.replicas \\u003e self.nope","Message":"","MessageExpression":"","Reason":null,"FieldPath":"","OptionalOldSelf":null}: compilation failed: ERROR: <input>:1:21: undefined field 'nope'\n | self.replicas > self.nope\n | ....................^`,
      ),
      r.stderr,
    )
    const reason = await k(
      "apply",
      "-f",
      file("bad-reason.yaml", crd(`            - {rule: "true", reason: Teapot}`)),
    )
    assert.notEqual(reason.code, 0)
    assert.match(
      reason.stderr,
      /x-kubernetes-validations\[0\]\.reason: Unsupported value: "Teapot": supported values: "FieldValueDuplicate", "FieldValueForbidden", "FieldValueInvalid", "FieldValueRequired"/,
    )
  })

  test("a CRD whose rules compile is established", async () => {
    await ok(
      "apply",
      "-f",
      file("crd.yaml", crd(GOOD_RULES, "                x-kubernetes-validations: [{rule: self <= 10}]")),
    )
    await ok("wait", "--for", "condition=established", "--timeout=20s", "crd/widgets.example.com")
  })

  test("custom resources that pass are created; those that fail are refused with the rule's message", async () => {
    await ok("apply", "-f", file("good.yaml", widget("good", "  replicas: 3\n  minReplicas: 1\n  name: a")))
    const bad = await k(
      "apply",
      "-f",
      file("bad.yaml", widget("bad", "  replicas: 1\n  minReplicas: 2\n  name: a")),
    )
    assert.notEqual(bad.code, 0)
    assert.match(
      bad.stderr,
      /The Widget "bad" is invalid: spec: Invalid value: replicas should be greater than or equal to minReplicas/,
    )
    const many = await k(
      "apply",
      "-f",
      file("many.yaml", widget("many", "  replicas: 12\n  minReplicas: 1\n  labels: {App: x}")),
    )
    assert.notEqual(many.code, 0)
    assert.match(many.stderr, /The Widget "many" is invalid: \n\* spec\.labels: Forbidden: failed rule: /)
    assert.match(many.stderr, /\* spec\.replicas: Invalid value: 12: failed rule: self <= 10/)
    const wrongType = await k(
      "apply",
      "-f",
      file("type.yaml", widget("type", '  replicas: "x"\n  minReplicas: 1')),
    )
    assert.notEqual(wrongType.code, 0)
    assert.match(wrongType.stderr, /spec\.replicas in body must be of type integer: "string"/)
    assert.match(wrongType.stderr, /some validation rules were not checked because the object was invalid/)
  })

  test("a transition rule keeps a field immutable on update", async () => {
    const changed = await k(
      "apply",
      "-f",
      file("good.yaml", widget("good", "  replicas: 3\n  minReplicas: 1\n  name: b")),
    )
    assert.notEqual(changed.code, 0)
    assert.match(
      changed.stderr,
      /The Widget "good" is invalid: spec\.name: Invalid value: "b": name is immutable/,
    )
    await ok("apply", "-f", file("good.yaml", widget("good", "  replicas: 4\n  minReplicas: 1\n  name: a")))
    const patched = await k("patch", "widget", "good", "--type=merge", "-p", '{"spec":{"name":"c"}}')
    assert.notEqual(patched.code, 0)
    assert.match(patched.stderr, /spec\.name: Invalid value: "c": name is immutable/)
    assert.equal(JSON.parse(await ok("get", "widget", "good", "-o", "json")).spec.name, "a")
  })

  test("status writes are validated with their messageExpression", async () => {
    const bad = await k(
      "patch",
      "widget",
      "good",
      "--subresource=status",
      "--type=merge",
      "-p",
      '{"status":{"phase":"Gone"}}',
    )
    assert.notEqual(bad.code, 0)
    assert.match(bad.stderr, /status\.phase: Invalid value: "Gone": phase Gone is not one of Pending, Ready/)
    await ok(
      "patch",
      "widget",
      "good",
      "--subresource=status",
      "--type=merge",
      "-p",
      '{"status":{"phase":"Ready"}}',
    )
  })

  test("kubectl delete crd", async () => {
    await ok("delete", "crd", "widgets.example.com", "--timeout=30s")
  })
})

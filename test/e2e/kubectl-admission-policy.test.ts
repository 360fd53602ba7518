/**
 * ValidatingAdmissionPolicies driven by the real kubectl v1.35: upstream's documentation example
 * (a Deployment with more than 5 replicas refused in namespaces labelled environment=test), a
 * limit taken from a ConfigMap param, a binding that only warns, a policy no binding names, and
 * an expression that does not compile, each checked against upstream's words.
 */
import assert from "node:assert/strict"
import { describe, test } from "node:test"
import { kubectlSession, testApiServer, until } from "../../src/testing/index.ts"

const server = testApiServer()
const { k, ok, getJson, file } = kubectlSession(server)

function deployment(name: string, ns: string, replicas: number): string {
  return `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
  namespace: ${ns}
spec:
  replicas: ${replicas}
  selector:
    matchLabels: {app: ${name}}
  template:
    metadata:
      labels: {app: ${name}}
    spec:
      containers:
      - name: nginx
        image: nginx
`
}

async function namespace(name: string, labels: string[] = []): Promise<void> {
  await ok("create", "namespace", name)
  if (labels.length) await ok("label", "namespace", name, ...labels)
}

/** upstream's documentation example: at most 5 replicas, bound to namespaces labelled environment=test. */
const DEMO = `apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata:
  name: "demo-policy.example.com"
spec:
  failurePolicy: Fail
  matchConstraints:
    resourceRules:
    - apiGroups:   ["apps"]
      apiVersions: ["v1"]
      operations:  ["CREATE", "UPDATE"]
      resources:   ["deployments"]
  validations:
    - expression: "object.spec.replicas <= 5"
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata:
  name: "demo-binding-test.example.com"
spec:
  policyName: "demo-policy.example.com"
  validationActions: [Deny]
  matchResources:
    namespaceSelector:
      matchLabels:
        environment: test
`

/** A replica limit read from a ConfigMap in the request's namespace, refusing as Forbidden. */
const PARAMS = `apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata:
  name: replica-limit
spec:
  failurePolicy: Fail
  paramKind:
    apiVersion: v1
    kind: ConfigMap
  matchConstraints:
    resourceRules:
    - apiGroups: ["apps"]
      apiVersions: ["v1"]
      operations: ["CREATE", "UPDATE"]
      resources: ["deployments"]
  validations:
  - expression: "object.spec.replicas <= int(params.data.maxReplicas)"
    messageExpression: "'object.spec.replicas must be no greater than ' + params.data.maxReplicas"
    reason: Forbidden
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata:
  name: replica-limit-binding
spec:
  policyName: replica-limit
  validationActions: [Deny]
  paramRef:
    name: replica-limit
    parameterNotFoundAction: Deny
  matchResources:
    namespaceSelector:
      matchLabels: {limits: configmap}
`

/** ConfigMaps holding a password are let through with a warning. */
const WARN = `apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata:
  name: no-passwords
spec:
  failurePolicy: Fail
  matchConstraints:
    resourceRules:
    - apiGroups: [""]
      apiVersions: ["v1"]
      operations: ["CREATE"]
      resources: ["configmaps"]
  variables:
  - name: keys
    expression: "has(object.data) ? object.data : {}"
  validations:
  - expression: "!('password' in variables.keys)"
    messageExpression: "'ConfigMap ' + object.metadata.name + ' must not hold a password'"
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata:
  name: no-passwords-warn
spec:
  policyName: no-passwords
  validationActions: [Warn, Audit]
  matchResources:
    namespaceSelector:
      matchExpressions:
      - {key: kubernetes.io/metadata.name, operator: In, values: [vap-warn]}
`

const BROKEN = `apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata:
  name: broken
spec:
  failurePolicy: Fail
  matchConstraints:
    resourceRules:
    - apiGroups: ["apps"]
      apiVersions: ["v1"]
      operations: ["CREATE"]
      resources: ["deployments"]
  validations:
  - expression: "objekt.spec.replicas <= 5"
`

/** A policy the type checker warns about: Deployments have no spec.replica. */
const TYPO = `apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata:
  name: typo
spec:
  failurePolicy: Fail
  matchConstraints:
    resourceRules:
    - apiGroups: ["apps"]
      apiVersions: ["v1"]
      operations: ["CREATE"]
      resources: ["deployments"]
  validations:
  - expression: "object.spec.replica <= 5"
`

describe("ValidatingAdmissionPolicy", () => {
  test("upstream's example refuses 6 replicas in a test namespace, in upstream's words; other namespaces are not bound", async () => {
    await namespace("vap-test", ["environment=test"])
    await namespace("vap-prod", ["environment=prod"])
    await ok("apply", "-f", file("demo.yaml", DEMO))
    const path = file("big.yaml", deployment("nginx", "vap-test", 6))
    const res = await k("create", "-f", path)
    assert.notEqual(res.code, 0)
    assert.equal(
      res.stderr.trim(),
      `The deployments "nginx" is invalid: : ValidatingAdmissionPolicy 'demo-policy.example.com' with binding 'demo-binding-test.example.com' denied request: failed expression: object.spec.replicas <= 5`,
    )
    // The reason is the validation's (Invalid by default), and so is the code.
    const verbose = await k("create", "-f", path, "-v=6")
    assert.match(
      verbose.stderr,
      /verb="POST" url="[^"]+\/namespaces\/vap-test\/deployments[^"]*" status="422 Unprocessable Entity"/,
    )
    await ok("create", "-f", file("small.yaml", deployment("nginx", "vap-test", 5)))
    // An update past the limit is refused too; scaling goes through /scale, which the rules leave out.
    const patched = await k("patch", "deployment", "nginx", "-n", "vap-test", "-p", '{"spec":{"replicas":7}}')
    assert.match(patched.stderr, /denied request: failed expression: object\.spec\.replicas <= 5/)
    await ok("create", "-f", file("prod.yaml", deployment("nginx", "vap-prod", 6)))
  })

  test("a limit from a ConfigMap param, by name in the request's namespace; no param under Deny refuses", async () => {
    await namespace("vap-params", ["limits=configmap"])
    await namespace("vap-noparams", ["limits=configmap"])
    await ok("create", "configmap", "replica-limit", "-n", "vap-params", "--from-literal=maxReplicas=3")
    await ok("apply", "-f", file("params.yaml", PARAMS))
    const path = file("web4.yaml", deployment("web", "vap-params", 4))
    const res = await k("create", "-f", path)
    assert.equal(
      res.stderr.trim(),
      `Error from server (Forbidden): error when creating "${path}": deployments.apps "web" is forbidden: ` +
        "ValidatingAdmissionPolicy 'replica-limit' with binding 'replica-limit-binding' denied request: " +
        "object.spec.replicas must be no greater than 3",
    )
    // A new limit is read from the param as it is now.
    await ok("patch", "configmap", "replica-limit", "-n", "vap-params", "-p", '{"data":{"maxReplicas":"4"}}')
    await until("the new limit admits 4 replicas", async () => (await k("create", "-f", path)).code === 0)
    const none = await k("create", "-f", file("web-none.yaml", deployment("web", "vap-noparams", 1)))
    assert.equal(
      none.stderr.trim(),
      `The deployments "web" is invalid: : ValidatingAdmissionPolicy 'replica-limit' with binding 'replica-limit-binding' ` +
        "denied request: failed to configure binding: no params found for policy binding with `Deny` parameterNotFoundAction",
    )
  })

  test("a binding with the Warn action lets the write through with kubectl's Warning", async () => {
    await namespace("vap-warn")
    await ok("apply", "-f", file("warn.yaml", WARN))
    const res = await k("create", "configmap", "creds", "-n", "vap-warn", "--from-literal=password=hunter2")
    assert.equal(res.code, 0, res.stderr)
    assert.equal(
      res.stderr.trim(),
      "Warning: Validation failed for ValidatingAdmissionPolicy 'no-passwords' with binding 'no-passwords-warn': " +
        "ConfigMap creds must not hold a password",
    )
    const quiet = await k("create", "configmap", "plain", "-n", "vap-warn", "--from-literal=user=alice")
    assert.equal(quiet.stderr, "")
    assert.deepEqual((await getJson("configmap", "creds", "-n", "vap-warn")).data, { password: "hunter2" })
  })

  test("a policy whose expression does not compile is refused with cel-go's error", async () => {
    const res = await k("apply", "-f", file("broken.yaml", BROKEN))
    assert.notEqual(res.code, 0)
    assert.equal(
      res.stderr.trim(),
      `The ValidatingAdmissionPolicy "broken" is invalid: spec.validations[0].expression: Invalid value: ` +
        `"objekt.spec.replicas <= 5": compilation failed: ERROR: <input>:1:1: undeclared reference to 'objekt' (in container '')\n` +
        " | objekt.spec.replicas <= 5\n | ^",
    )
  })

  test("the status controller notes the generation it type-checked and the expressions that do not fit the kinds", async () => {
    const demo = await until("demo-policy's status is written", async () => {
      const p = await getJson("validatingadmissionpolicy", "demo-policy.example.com")
      return p.status?.observedGeneration === 1 && p
    })
    assert.deepEqual(demo.status, { observedGeneration: 1, typeChecking: {} })
    await ok("apply", "-f", file("typo.yaml", TYPO))
    const typo = await until("typo's status is written", async () => {
      const p = await getJson("validatingadmissionpolicy", "typo")
      return p.status?.observedGeneration === 1 && p
    })
    assert.deepEqual(typo.status.typeChecking, {
      expressionWarnings: [
        {
          fieldRef: "spec.validations[0].expression",
          warning:
            "apps/v1, Kind=Deployment: ERROR: <input>:1:12: undefined field 'replica'\n" +
            " | object.spec.replica <= 5\n | ...........^\n",
        },
      ],
    })
    const shown = await getJson("validatingadmissionpolicy", "typo", "--show-managed-fields")
    const managers = shown.metadata.managedFields.map((f: any) => [f.manager, f.subresource ?? ""])
    assert.deepEqual(managers.at(-1), ["validatingadmissionpolicy-status-controller", "status"])
  })

  test("a policy no binding names does nothing", async () => {
    await namespace("vap-unbound")
    await ok(
      "apply",
      "-f",
      file(
        "unbound.yaml",
        `apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata:
  name: deny-all-configmaps
spec:
  failurePolicy: Fail
  matchConstraints:
    resourceRules:
    - apiGroups: [""]
      apiVersions: ["v1"]
      operations: ["*"]
      resources: ["configmaps"]
  validations:
  - expression: "false"
    message: never
`,
      ),
    )
    await ok("create", "configmap", "free", "-n", "vap-unbound", "--from-literal=a=1")
  })
})

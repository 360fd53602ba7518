import assert from "node:assert/strict"
import { describe, test } from "node:test"
import { FakeClock } from "../util/index.ts"
import { apiCall, memoryApiServer, until } from "../testing/index.ts"
import { asStored, omittedZero, withoutOmittedZeros } from "./omit-zero.ts"
import type { ApiServer } from "./server.ts"

let api: ApiServer
memoryApiServer((started) => (api = started), { clock: new FakeClock(Date.UTC(2026, 11, 1)) })

const DEPLOYMENT = "io.k8s.api.apps.v1.Deployment"
const DEPLOYS = "/apis/apps/v1/namespaces/default/deployments"

describe("omittedZero()", () => {
  test("names the plain omitempty numbers and booleans of upstream's struct tags", () => {
    assert.equal(omittedZero("io.k8s.api.apps.v1.DeploymentStatus", "unavailableReplicas", 0), true)
    assert.equal(omittedZero("io.k8s.api.core.v1.PodSpec", "hostNetwork", false), true)
    assert.equal(omittedZero("io.k8s.api.core.v1.ContainerPort", "hostPort", 0), true)
    // Pointers, and plain fields without omitempty, keep their zeros.
    assert.equal(omittedZero("io.k8s.api.apps.v1.DeploymentSpec", "replicas", 0), false)
    assert.equal(omittedZero("io.k8s.api.apps.v1.DeploymentStatus", "terminatingReplicas", 0), false)
    assert.equal(omittedZero("io.k8s.api.apps.v1.ReplicaSetStatus", "replicas", 0), false)
    assert.equal(omittedZero("io.k8s.api.apps.v1.StatefulSetStatus", "availableReplicas", 0), false)
    assert.equal(omittedZero("io.k8s.api.core.v1.ContainerPort", "containerPort", 0), false)
    // Only zeros.
    assert.equal(omittedZero("io.k8s.api.core.v1.PodSpec", "hostNetwork", true), false)
  })

  test('names the plain omitempty strings, named string types included; a *string keeps its ""', () => {
    const cases: [string, string, boolean][] = [
      ["io.k8s.api.core.v1.EnvVar", "value", true],
      ["io.k8s.api.core.v1.PodSpec", "nodeName", true],
      ["io.k8s.api.core.v1.PodSpec", "restartPolicy", true], // RestartPolicy
      ["io.k8s.api.core.v1.ContainerPort", "protocol", true], // Protocol
      ["io.k8s.api.apps.v1.DeploymentCondition", "status", false], // ConditionStatus, no omitempty
      ["io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta", "uid", true], // types.UID
      ["io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta", "namespace", true],
      ["io.k8s.api.core.v1.Container", "name", false], // no omitempty
      ["io.k8s.api.core.v1.PersistentVolumeClaimSpec", "storageClassName", false], // *string
      ["io.k8s.api.core.v1.PodSpec", "preemptionPolicy", false], // *PreemptionPolicy
      ["io.k8s.apimachinery.pkg.apis.meta.v1.Condition", "message", false], // required
    ]
    for (const [type, field, dropped] of cases)
      assert.equal(omittedZero(type, field, ""), dropped, `${type}.${field}`)
    assert.equal(omittedZero("io.k8s.api.core.v1.EnvVar", "value", "x"), false)
  })
})

describe("withoutOmittedZeros()", () => {
  const deployment = () => ({
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "d", generation: 0 },
    spec: {
      replicas: 0,
      paused: false,
      template: {
        spec: {
          hostNetwork: false,
          containers: [
            {
              name: "c",
              stdin: false,
              workingDir: "",
              ports: [{ containerPort: 80, hostPort: 0, name: "" }],
            },
          ],
        },
      },
    },
    status: {
      replicas: 0,
      readyReplicas: 0,
      terminatingReplicas: 0,
      conditions: [{ type: "Available", status: "True" }],
    },
  })

  test("drops them at every depth and keeps every other value", () => {
    assert.deepEqual(withoutOmittedZeros(DEPLOYMENT, deployment()), {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "d" },
      spec: {
        replicas: 0,
        template: { spec: { containers: [{ name: "c", ports: [{ containerPort: 80 }] }] } },
      },
      status: { terminatingReplicas: 0, conditions: [{ type: "Available", status: "True" }] },
    })
  })

  test("drops empty lists and maps tagged omitempty, and keeps those that are not", () => {
    const pod = {
      metadata: { name: "p", finalizers: [], labels: {}, annotations: {} },
      spec: { containers: [{ name: "c", env: [], resources: { limits: {} } }], volumes: [] },
      status: { conditions: [] },
    }
    assert.deepEqual(withoutOmittedZeros("io.k8s.api.core.v1.Pod", pod), {
      metadata: { name: "p" },
      spec: { containers: [{ name: "c", resources: {} }] },
      status: {},
    })
    // Role.rules has no omitempty: Go's JSON writes it empty (null only from storage, see asStored).
    assert.deepEqual(withoutOmittedZeros("io.k8s.api.rbac.v1.Role", { rules: [] }), { rules: [] })
  })

  test("copies what it changes and leaves its input alone", () => {
    const input = deployment()
    const before = structuredClone(input)
    const out = withoutOmittedZeros(DEPLOYMENT, input) as ReturnType<typeof deployment>
    assert.deepEqual(input, before)
    // A part without such zeros is shared, not copied.
    assert.equal(out.status.conditions, input.status.conditions)
    const clean = { metadata: { name: "d" }, spec: { replicas: 1 } }
    assert.equal(withoutOmittedZeros(DEPLOYMENT, clean), clean)
  })

  test("walks an inlined struct's fields at the level JSON writes them", () => {
    const volume = { name: "v", persistentVolumeClaim: { claimName: "c", readOnly: false } }
    assert.deepEqual(withoutOmittedZeros("io.k8s.api.core.v1.Volume", volume), {
      name: "v",
      persistentVolumeClaim: { claimName: "c" },
    })
  })
})

describe("asStored()", () => {
  // Without omitempty, an empty list comes back from protobuf storage as a nil slice: null in JSON.
  const nilCases: { name: string; type: string; value: object; want: object }[] = [
    {
      name: "a Role's empty rules (null)",
      type: "io.k8s.api.rbac.v1.Role",
      value: { rules: [] },
      want: { rules: null },
    },
    {
      name: "an EndpointSlice's empty ports (null), but not its endpoints (the Python client requires them)",
      type: "io.k8s.api.discovery.v1.EndpointSlice",
      value: { addressType: "IPv4", endpoints: [], ports: [] },
      want: { addressType: "IPv4", endpoints: [], ports: null },
    },
    {
      name: "a projected volume's empty sources (null)",
      type: "io.k8s.api.core.v1.Volume",
      value: { name: "v", projected: { sources: [] } },
      want: { name: "v", projected: { sources: null } },
    },
    {
      name: "a list that is not empty (as is)",
      type: "io.k8s.api.rbac.v1.Role",
      value: { rules: [{ verbs: ["get"], apiGroups: [""], resources: ["pods"] }] },
      want: { rules: [{ verbs: ["get"], apiGroups: [""], resources: ["pods"] }] },
    },
  ]
  for (const c of nilCases) {
    test(`gives ${c.name} as upstream's storage reads it back`, () => {
      assert.deepEqual(asStored(c.type, c.value), c.want)
    })
  }

  // Where upstream's OpenAPI marks the field required, the Python client refuses a null: kept []
  const requiredCases: { name: string; type: string; value: object }[] = [
    {
      name: "a LimitRange's empty limits",
      type: "io.k8s.api.core.v1.LimitRange",
      value: { spec: { limits: [] } },
    },
    {
      name: "a CSINode's empty drivers",
      type: "io.k8s.api.storage.v1.CSINode",
      value: { spec: { drivers: [] } },
    },
    {
      name: "a PolicyRule's empty verbs",
      type: "io.k8s.api.rbac.v1.ClusterRole",
      value: { rules: [{ verbs: [] }] },
    },
  ]
  for (const c of requiredCases) {
    test(`keeps ${c.name}, a field upstream's OpenAPI marks required`, () => {
      assert.deepEqual(asStored(c.type, c.value), c.value)
    })
  }

  test("copies what it changes and leaves its input alone", () => {
    const input = { metadata: { name: "r" }, rules: [] }
    assert.deepEqual(asStored("io.k8s.api.rbac.v1.Role", input), { metadata: { name: "r" }, rules: null })
    assert.deepEqual(input.rules, [])
  })
})

describe("writes store and answer no such zero, as upstream's Go types cannot hold one", () => {
  test("a create, a status write and a patch", async () => {
    const c = await apiCall(api, "POST", DEPLOYS, {
      metadata: { name: "zero" },
      spec: {
        replicas: 0,
        minReadySeconds: 0,
        paused: false,
        selector: { matchLabels: { app: "zero" } },
        template: {
          metadata: { labels: { app: "zero" } },
          spec: {
            hostNetwork: false,
            containers: [
              { name: "c", image: "busybox", stdin: false, ports: [{ containerPort: 80, hostPort: 0 }] },
            ],
          },
        },
      },
    })
    assert.equal(c.status, 201, c.text)
    assert.equal(c.json.spec.replicas, 0)
    assert.equal("minReadySeconds" in c.json.spec, false)
    assert.equal("paused" in c.json.spec, false)
    assert.equal("hostNetwork" in c.json.spec.template.spec, false)
    assert.deepEqual(c.json.spec.template.spec.containers[0].ports, [{ containerPort: 80, protocol: "TCP" }])
    assert.equal("stdin" in c.json.spec.template.spec.containers[0], false)

    const s = await apiCall(api, "PUT", `${DEPLOYS}/zero/status`, {
      ...c.json,
      status: {
        observedGeneration: 1,
        replicas: 0,
        readyReplicas: 0,
        unavailableReplicas: 0,
        terminatingReplicas: 0,
      },
    })
    assert.equal(s.status, 200, s.text)
    assert.deepEqual(s.json.status, { observedGeneration: 1, terminatingReplicas: 0 })
    const got = await apiCall(api, "GET", `${DEPLOYS}/zero`)
    assert.deepEqual(got.json.status, { observedGeneration: 1, terminatingReplicas: 0 })

    const patched = await apiCall(
      api,
      "PATCH",
      `${DEPLOYS}/zero`,
      { spec: { paused: false, minReadySeconds: 5 } },
      { "content-type": "application/merge-patch+json" },
    )
    assert.equal(patched.status, 200, patched.text)
    assert.equal("paused" in patched.json.spec, false)
    assert.equal(patched.json.spec.minReadySeconds, 5)
  })

  test("empty strings: dropped from plain string fields, kept by a *string", async () => {
    const pod = await apiCall(api, "POST", "/api/v1/namespaces/default/pods", {
      metadata: { name: "empty", namespace: "" },
      spec: {
        nodeName: "",
        containers: [{ name: "c", image: "i", workingDir: "", env: [{ name: "E", value: "" }] }],
      },
    })
    assert.equal(pod.status, 201, pod.text)
    assert.equal(pod.json.metadata.namespace, "default")
    assert.equal("nodeName" in pod.json.spec, false)
    assert.deepEqual(pod.json.spec.containers[0].env, [{ name: "E" }])
    assert.equal("workingDir" in pod.json.spec.containers[0], false)
    const pvc = await apiCall(api, "POST", "/api/v1/namespaces/default/persistentvolumeclaims", {
      metadata: { name: "static" },
      spec: {
        storageClassName: "",
        volumeName: "",
        accessModes: ["ReadWriteOnce"],
        resources: { requests: { storage: "1Gi" } },
      },
    })
    assert.equal(pvc.status, 201, pvc.text)
    assert.equal(pvc.json.spec.storageClassName, "")
    assert.equal("volumeName" in pvc.json.spec, false)
  })
})

describe("a list written empty is null in what is stored and answered, not in what admission sees", () => {
  const ROLES = "/apis/rbac.authorization.k8s.io/v1/clusterroles"
  const VAP = "/apis/admissionregistration.k8s.io/v1/validatingadmissionpolicies"
  const rule = { apiGroups: [""], resources: ["pods"], verbs: ["get"] }

  test("a policy's CEL reads rules: [] on create and update, as upstream's (nil comes from the storage round trip)", async () => {
    // GIVEN a policy refusing a ClusterRole without rules or with a rule without verbs, and one
    // named "probe" (to see it active)
    const policy = await apiCall(api, "POST", VAP, {
      metadata: { name: "rules-present" },
      spec: {
        failurePolicy: "Fail",
        matchConstraints: {
          resourceRules: [
            {
              apiGroups: ["rbac.authorization.k8s.io"],
              apiVersions: ["v1"],
              operations: ["CREATE", "UPDATE"],
              resources: ["clusterroles"],
            },
          ],
        },
        validations: [
          { expression: "object.metadata.name != 'probe'" },
          { expression: "has(object.rules) && object.rules.all(r, r.verbs.size() > 0)" },
        ],
      },
    })
    assert.equal(policy.status, 201, policy.text)
    const binding = await apiCall(api, "POST", `${VAP.replace(/policies$/, "policybindings")}`, {
      metadata: { name: "rules-present" },
      spec: { policyName: "rules-present", validationActions: ["Deny"] },
    })
    assert.equal(binding.status, 201, binding.text)
    await until("the policy refuses the probe", async () => {
      const r = await apiCall(api, "POST", ROLES, { metadata: { name: "probe" }, rules: [rule] })
      return r.status === 422
    })
    // WHEN a ClusterRole is created with rules: [] THEN the policy admits it; the answer and the store say null
    const created = await apiCall(api, "POST", ROLES, { metadata: { name: "empty-rules" }, rules: [] })
    assert.equal(created.status, 201, created.text)
    assert.equal(created.json.rules, null)
    const got = await apiCall(api, "GET", `${ROLES}/empty-rules`)
    assert.equal(got.json.rules, null)
    // WHEN it is replaced with labels and rules: [] THEN the policy admits the update too
    const replaced = await apiCall(api, "PUT", `${ROLES}/empty-rules`, {
      ...got.json,
      metadata: { ...got.json.metadata, labels: { a: "b" } },
      rules: [],
    })
    assert.equal(replaced.status, 200, replaced.text)
    assert.equal(replaced.json.rules, null)
    // A replace that changes nothing but [] for the stored null writes nothing, as upstream's bytes compare equal.
    const same = await apiCall(api, "PUT", `${ROLES}/empty-rules`, { ...replaced.json, rules: [] })
    assert.equal(same.status, 200, same.text)
    assert.equal(same.json.metadata.resourceVersion, replaced.json.metadata.resourceVersion)
    assert.equal(same.json.rules, null)
  })
})

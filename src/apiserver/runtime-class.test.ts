import assert from "node:assert/strict"
import { describe, test } from "node:test"
import type { RuntimeClass } from "kubernetes-types/node/v1.js"
import { ApiError, findResource, type ResourceInfo } from "../api/index.ts"
import { apiCall, memoryApiServer } from "../testing/index.ts"
import type { AdmissionRequest } from "./registry/context.ts"
import { runtimeClassAdmission, sameResourceList } from "./runtime-class.ts"
import type { ApiServer } from "./server.ts"

const info = findResource("", "v1", "pods") as ResourceInfo

function runtimeClass(name: string, rest: Partial<RuntimeClass> = {}): RuntimeClass {
  return { apiVersion: "node.k8s.io/v1", kind: "RuntimeClass", metadata: { name }, handler: name, ...rest }
}

const CLASSES = [
  runtimeClass("plain"),
  runtimeClass("kata", { overhead: { podFixed: { cpu: "250m", memory: "120Mi" } } }),
  runtimeClass("empty-overhead", { overhead: {} }),
  runtimeClass("gvisor", {
    scheduling: {
      nodeSelector: { sandbox: "gvisor" },
      tolerations: [{ key: "sandbox", operator: "Equal", value: "gvisor", effect: "NoSchedule" }],
    },
  }),
  runtimeClass("wide", { scheduling: { tolerations: [{ operator: "Exists" }] } }),
  runtimeClass("no-scheduling-fields", { scheduling: {} }),
]
const DEFAULT_TOLERATION = {
  key: "node.kubernetes.io/not-ready",
  operator: "Exists",
  effect: "NoExecute",
  tolerationSeconds: 300,
}

const MISMATCH = "pod rejected: Pod's Overhead doesn't match RuntimeClass's defined Overhead"
const UNDEFINED = "pod rejected: Pod Overhead set without corresponding RuntimeClass defined Overhead"

const cases: {
  name: string
  phase: "mutate" | "validate"
  spec: Record<string, unknown>
  operation?: AdmissionRequest["operation"]
  /** The lookup answers with a promise, as a store read does. */
  async?: boolean
  want?: Record<string, unknown>
  error?: string
}[] = [
  { name: "leaves a pod without a class alone", phase: "mutate", spec: {}, want: {} },
  {
    name: "refuses a class that does not exist",
    phase: "mutate",
    spec: { runtimeClassName: "missing" },
    error: 'pod rejected: RuntimeClass "missing" not found',
  },
  {
    name: "refuses a class that does not exist, looked up in the store",
    phase: "mutate",
    async: true,
    spec: { runtimeClassName: "missing" },
    error: 'pod rejected: RuntimeClass "missing" not found',
  },
  {
    name: "admits a class without overhead or scheduling unchanged",
    phase: "mutate",
    spec: { runtimeClassName: "plain", tolerations: [DEFAULT_TOLERATION, DEFAULT_TOLERATION] },
    want: { runtimeClassName: "plain", tolerations: [DEFAULT_TOLERATION, DEFAULT_TOLERATION] },
  },
  {
    name: "sets the class's overhead",
    phase: "mutate",
    spec: { runtimeClassName: "kata" },
    want: { runtimeClassName: "kata", overhead: { cpu: "250m", memory: "120Mi" } },
  },
  {
    name: "sets the class's overhead read from the store",
    phase: "mutate",
    async: true,
    spec: { runtimeClassName: "kata" },
    want: { runtimeClassName: "kata", overhead: { cpu: "250m", memory: "120Mi" } },
  },
  {
    name: "takes an equal overhead written otherwise",
    phase: "mutate",
    spec: { runtimeClassName: "kata", overhead: { cpu: "0.25", memory: "125829120" } },
    want: { runtimeClassName: "kata", overhead: { cpu: "250m", memory: "120Mi" } },
  },
  {
    name: "takes an empty overhead as none",
    phase: "mutate",
    spec: { runtimeClassName: "kata", overhead: {} },
    want: { runtimeClassName: "kata", overhead: { cpu: "250m", memory: "120Mi" } },
  },
  {
    name: "refuses a different overhead",
    phase: "mutate",
    spec: { runtimeClassName: "kata", overhead: { cpu: "1" } },
    error: MISMATCH,
  },
  {
    name: "refuses an overhead where the class's overhead is empty",
    phase: "mutate",
    spec: { runtimeClassName: "empty-overhead", overhead: { cpu: "1" } },
    error: MISMATCH,
  },
  {
    name: "sets the class's nodeSelector and merges its tolerations after the pod's",
    phase: "mutate",
    spec: { runtimeClassName: "gvisor", tolerations: [DEFAULT_TOLERATION] },
    want: {
      runtimeClassName: "gvisor",
      nodeSelector: { sandbox: "gvisor" },
      tolerations: [
        DEFAULT_TOLERATION,
        { key: "sandbox", operator: "Equal", value: "gvisor", effect: "NoSchedule" },
      ],
    },
  },
  {
    name: "merges the nodeSelector into the pod's",
    phase: "mutate",
    spec: { runtimeClassName: "gvisor", nodeSelector: { zone: "a", sandbox: "gvisor" } },
    want: {
      runtimeClassName: "gvisor",
      nodeSelector: { zone: "a", sandbox: "gvisor" },
      tolerations: [{ key: "sandbox", operator: "Equal", value: "gvisor", effect: "NoSchedule" }],
    },
  },
  {
    name: "refuses a nodeSelector conflict",
    phase: "mutate",
    spec: { runtimeClassName: "gvisor", nodeSelector: { sandbox: "runc" } },
    error:
      "conflict: runtimeClass.scheduling.nodeSelector[sandbox] = gvisor; pod.spec.nodeSelector[sandbox] = runc",
  },
  {
    name: "keeps only a toleration of everything",
    phase: "mutate",
    spec: { runtimeClassName: "wide", tolerations: [DEFAULT_TOLERATION] },
    want: { runtimeClassName: "wide", tolerations: [{ operator: "Exists" }] },
  },
  {
    name: "merges the pod's own duplicate tolerations under an empty scheduling",
    phase: "mutate",
    spec: { runtimeClassName: "no-scheduling-fields", tolerations: [DEFAULT_TOLERATION, DEFAULT_TOLERATION] },
    want: { runtimeClassName: "no-scheduling-fields", tolerations: [DEFAULT_TOLERATION] },
  },
  {
    name: "leaves updates alone",
    phase: "mutate",
    operation: "UPDATE",
    spec: { runtimeClassName: "missing" },
    want: { runtimeClassName: "missing" },
  },
  { name: "validates a pod without overhead", phase: "validate", spec: {}, want: {} },
  {
    name: "refuses an overhead without a class",
    phase: "validate",
    spec: { overhead: { cpu: "1" } },
    error: UNDEFINED,
  },
  {
    name: "refuses an overhead its class does not define",
    phase: "validate",
    spec: { runtimeClassName: "plain", overhead: { cpu: "1" } },
    error: UNDEFINED,
  },
  {
    name: "refuses an overhead that is not the class's",
    phase: "validate",
    spec: { runtimeClassName: "kata", overhead: { cpu: "250m" } },
    error: MISMATCH,
  },
  {
    name: "validates the class's overhead",
    phase: "validate",
    spec: { runtimeClassName: "kata", overhead: { cpu: "250m", memory: "120Mi" } },
    want: { runtimeClassName: "kata", overhead: { cpu: "250m", memory: "120Mi" } },
  },
  {
    name: "refuses a class that is gone by validation",
    phase: "validate",
    spec: { runtimeClassName: "missing" },
    error: 'pod rejected: RuntimeClass "missing" not found',
  },
]

for (const c of cases) {
  test(`runtimeClassAdmission() ${c.phase} ${c.name}`, async () => {
    const byName = (name: string) => CLASSES.find((rc) => rc.metadata?.name === name)
    const plugin = runtimeClassAdmission((name) => (c.async ? Promise.resolve(byName(name)) : byName(name)))
    const spec = { containers: [{ name: "c", image: "x" }], ...structuredClone(c.spec) }
    const run = async () =>
      plugin[c.phase]?.({
        operation: c.operation ?? "CREATE",
        info,
        namespace: "default",
        name: "p",
        subresource: "",
        object: { apiVersion: "v1", kind: "Pod", metadata: { name: "p" }, spec },
        dryRun: false,
      })
    if (c.error) {
      const want = `pods "p" is forbidden: ${c.error}`
      await assert.rejects(
        run,
        (err) => err instanceof ApiError && err.reason === "Forbidden" && err.message === want,
      )
      return
    }
    await run()
    assert.deepEqual(spec, { containers: [{ name: "c", image: "x" }], ...c.want })
  })
}

const sameCases: { a?: Record<string, string>; b?: Record<string, string>; want: boolean }[] = [
  { want: true },
  { a: {}, want: true },
  { a: { cpu: "1" }, b: { cpu: "1000m" }, want: true },
  { a: { memory: "1Gi" }, b: { memory: "1073741824" }, want: true },
  { a: { cpu: "1" }, b: { cpu: "2" }, want: false },
  { a: { cpu: "1" }, b: { memory: "1" }, want: false },
  { a: { cpu: "1" }, b: { cpu: "1", memory: "1" }, want: false },
]

for (const c of sameCases) {
  test(`sameResourceList(${JSON.stringify(c.a)}, ${JSON.stringify(c.b)}) is ${c.want}`, () => {
    assert.equal(sameResourceList(c.a, c.b), c.want)
    assert.equal(sameResourceList(c.b, c.a), c.want)
  })
}

describe("RuntimeClass admission in the API server", () => {
  let api: ApiServer
  memoryApiServer((started) => (api = started))
  const RUNTIME_CLASSES = "/apis/node.k8s.io/v1/runtimeclasses"
  const PODS = "/api/v1/namespaces/default/pods"
  const pod = (name: string, spec: Record<string, unknown>) => ({
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name },
    spec: { containers: [{ name: "c", image: "nginx" }], ...spec },
  })

  test("a pod gets its RuntimeClass's overhead and scheduling; a missing class refuses it", async () => {
    const rc = runtimeClass("kata", {
      overhead: { podFixed: { cpu: "250m" } },
      scheduling: { nodeSelector: { sandbox: "kata" } },
    })
    assert.equal((await apiCall(api, "POST", RUNTIME_CLASSES, rc)).status, 201)
    const res = await apiCall(api, "POST", PODS, pod("k", { runtimeClassName: "kata" }))
    assert.equal(res.status, 201, res.text)
    assert.deepEqual(res.json.spec.overhead, { cpu: "250m" })
    assert.deepEqual(res.json.spec.nodeSelector, { sandbox: "kata" })
    const missing = await apiCall(api, "POST", PODS, pod("m", { runtimeClassName: "nope" }))
    assert.equal(missing.status, 403)
    assert.equal(missing.json.message, 'pods "m" is forbidden: pod rejected: RuntimeClass "nope" not found')
  })

  test("a pod may not set an overhead without a class, nor an invalid one", async () => {
    const res = await apiCall(api, "POST", PODS, pod("o", { overhead: { cpu: "1" } }))
    assert.equal(res.status, 403)
    assert.equal(res.json.message, `pods "o" is forbidden: ${UNDEFINED}`)
    const invalid = await apiCall(api, "POST", PODS, pod("i", { overhead: { cpu: "-1" } }))
    assert.equal(invalid.status, 422, invalid.text)
    assert.match(
      invalid.json.message,
      /spec\.overhead\.limits\[cpu\]: Invalid value: "-1": must be greater than or equal to 0/,
    )
  })
})

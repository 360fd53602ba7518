import assert from "node:assert/strict"
import { describe, test } from "node:test"
import type {
  MutatingWebhookConfiguration,
  ValidatingWebhookConfiguration,
} from "kubernetes-types/admissionregistration/v1.js"
import {
  ApiError,
  type ApiObject,
  BUILTIN_RESOURCES,
  findResource,
  type ResourceInfo,
} from "../../api/index.ts"
import { silentLogger } from "../../util/index.ts"
import { admissionChain, type AdmissionPlugin } from "../admission.ts"
import { convert } from "../conversion.ts"
import type { Admission, AdmissionRequest } from "../registry/context.ts"
import { CallFailure } from "./client.ts"
import type { WebhookAdmissionOptions } from "./dispatch.ts"
import { mutatingAdmissionWebhook } from "./mutating.ts"
import { validatingAdmissionWebhook } from "./validating.ts"
import { type ConfigurationCache, WebhookSource } from "./source.ts"

const CONFIGMAPS = findResource("", "v1", "configmaps") as ResourceInfo
const HPA_V2 = findResource("autoscaling", "v2", "horizontalpodautoscalers") as ResourceInfo
const VWC = findResource(
  "admissionregistration.k8s.io",
  "v1",
  "validatingwebhookconfigurations",
) as ResourceInfo

type Answer = Record<string, unknown> | Error
type Handler = (request: any) => Answer

function cacheOf(configs: readonly ApiObject[]): ConfigurationCache {
  return {
    objects: new Map(configs.map((c) => [`/registry/x/${c.metadata?.name}`, c])),
    subscribe: () => () => {},
  }
}

/** A webhook of a configuration, calling the handler of its URL. */
function webhook(name: string, fields: Record<string, unknown> = {}) {
  return {
    name,
    clientConfig: { url: `https://hooks.test/${name}` },
    rules: [{ operations: ["*"], apiGroups: ["*"], apiVersions: ["*"], resources: ["*"], scope: "*" }],
    failurePolicy: "Fail",
    matchPolicy: "Equivalent",
    namespaceSelector: {},
    objectSelector: {},
    sideEffects: "None",
    timeoutSeconds: 10,
    admissionReviewVersions: ["v1"],
    reinvocationPolicy: "Never",
    ...fields,
  }
}

function config(kind: "Mutating" | "Validating", name: string, hooks: object[]): ApiObject {
  const c: MutatingWebhookConfiguration | ValidatingWebhookConfiguration = {
    apiVersion: "admissionregistration.k8s.io/v1",
    kind: `${kind}WebhookConfiguration`,
    metadata: { name },
    webhooks: hooks as never,
  }
  return c as ApiObject
}

/** The plugins over the given configurations, webhooks answered by `handlers` (by webhook name). */
function setup(mutating: ApiObject[], validating: ApiObject[], handlers: Record<string, Handler>) {
  const calls: { hook: string; review: any }[] = []
  const o: WebhookAdmissionOptions = {
    source: new WebhookSource(cacheOf(mutating), cacheOf(validating), { lists: 1 }),
    match: {
      namespaceLabels: async () => ({}),
      equivalents: (i) => BUILTIN_RESOURCES.filter((r) => r.group === i.group && r.resource === i.resource),
    },
    resolve: () => {
      throw new Error("no services here")
    },
    convert: (obj, _from, to) => convert(obj, _from, to.version),
    decode: (_info, obj) => obj,
    defaults: () => {},
    log: silentLogger(),
    async post(cc, body) {
      const name = (cc.url ?? "").split("/").pop() as string
      const review = JSON.parse(body)
      calls.push({ hook: name, review })
      const answer = (handlers[name] ?? (() => ({ allowed: true })))(review.request)
      if (answer instanceof Error) throw answer
      return {
        apiVersion: review.apiVersion,
        kind: "AdmissionReview",
        response: { uid: review.request.uid, ...answer },
      }
    },
  }
  const plugins = [mutatingAdmissionWebhook(o), validatingAdmissionWebhook(o)]
  return { calls, plugins, chain: bothPhases(admissionChain(plugins)) }
}

/** Admission's two phases one after the other, as a write runs them (validation between left out). */
function bothPhases(c: Admission): { admit(req: AdmissionRequest): Promise<void> } {
  return {
    async admit(req) {
      await c.mutate(req)
      await c.validate(req)
    },
  }
}

function cm(labels?: Record<string, string>): ApiObject {
  return {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name: "c", namespace: "ns", ...(labels ? { labels } : {}) },
    data: { a: "1" },
  }
}

function create(object: ApiObject, extra: Partial<AdmissionRequest> = {}): AdmissionRequest {
  return {
    operation: "CREATE",
    info: CONFIGMAPS,
    namespace: "ns",
    name: "c",
    subresource: "",
    object,
    dryRun: false,
    ...extra,
  }
}

function jsonPatch(ops: object[]): Record<string, unknown> {
  return { allowed: true, patchType: "JSONPatch", patch: Buffer.from(JSON.stringify(ops)).toString("base64") }
}

function label(key: string, value: string): Handler {
  return (req) =>
    jsonPatch(
      req.object.metadata.labels
        ? [{ op: "add", path: `/metadata/labels/${key}`, value }]
        : [{ op: "add", path: "/metadata/labels", value: { [key]: value } }],
    )
}

async function rejection(p: Promise<unknown>): Promise<ApiError> {
  try {
    await p
  } catch (err) {
    assert.ok(err instanceof ApiError, `an ApiError: ${String(err)}`)
    return err
  }
  assert.fail("the request was admitted")
}

describe("mutating webhooks", () => {
  test("are called configuration by configuration in name order, each's webhooks in its order", async () => {
    const { calls, chain } = setup(
      [
        config("Mutating", "b", [webhook("b1.example.com")]),
        config("Mutating", "a", [webhook("z.example.com"), webhook("a.example.com")]),
      ],
      [],
      {},
    )
    await chain.admit(create(cm()))
    assert.deepEqual(
      calls.map((c) => c.hook),
      ["z.example.com", "a.example.com", "b1.example.com"],
    )
  })

  test("apply their JSON patches in turn; later webhooks and validation see the result", async () => {
    const { calls, chain } = setup(
      [config("Mutating", "m", [webhook("one.example.com"), webhook("two.example.com")])],
      [config("Validating", "v", [webhook("check.example.com")])],
      { "one.example.com": label("one", "1"), "two.example.com": label("two", "2") },
    )
    const req = create(cm())
    const obj = req.object as ApiObject
    await chain.admit(req)
    assert.equal(req.object, obj, "changed in place")
    assert.deepEqual(obj.metadata?.labels, { one: "1", two: "2" })
    assert.deepEqual(calls[1]?.review.request.object.metadata.labels, { one: "1" })
    assert.deepEqual(calls[2]?.review.request.object.metadata.labels, { one: "1", two: "2" })
    assert.equal(req.reinvocation, "running", "a change reruns the mutating plugins")
  })

  test("a webhook with reinvocationPolicy IfNeeded is called again once a later one changed the object", async () => {
    const counted: string[] = []
    const inTree: AdmissionPlugin = { name: "InTree", mutate: () => void counted.push("in-tree") }
    const o = setup(
      [
        config("Mutating", "m", [
          webhook("first.example.com", { reinvocationPolicy: "IfNeeded" }),
          webhook("never.example.com"),
          webhook("changes.example.com"),
        ]),
      ],
      [],
      { "changes.example.com": label("x", "1") },
    )
    const chain = bothPhases(admissionChain([inTree, ...o.plugins]))
    await chain.admit(create(cm()))
    assert.deepEqual(
      o.calls.map((c) => c.hook),
      ["first.example.com", "never.example.com", "changes.example.com", "first.example.com"],
    )
    assert.deepEqual(counted, ["in-tree", "in-tree"], "the in-tree plugins run again too")
  })

  test("nothing reruns when no webhook changed the object", async () => {
    const o = setup(
      [config("Mutating", "m", [webhook("a.example.com", { reinvocationPolicy: "IfNeeded" })])],
      [],
      {},
    )
    const req = create(cm())
    await o.chain.admit(req)
    assert.equal(o.calls.length, 1)
    assert.equal(req.reinvocation, undefined)
  })

  test("matchPolicy Equivalent: an autoscaling/v2 HPA is sent at v1 and patched there", async () => {
    const rules = [
      { operations: ["CREATE"], apiGroups: ["autoscaling"], apiVersions: ["v1"], resources: ["*"] },
    ]
    const { calls, chain } = setup([config("Mutating", "m", [webhook("hpa.example.com", { rules })])], [], {
      "hpa.example.com": () => jsonPatch([{ op: "replace", path: "/spec/maxReplicas", value: 7 }]),
    })
    const hpa = {
      apiVersion: "autoscaling/v2",
      kind: "HorizontalPodAutoscaler",
      metadata: { name: "h", namespace: "ns" },
      spec: {
        scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: "web" },
        maxReplicas: 3,
        metrics: [
          {
            type: "Resource",
            resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 50 } },
          },
        ],
      },
    } as ApiObject
    await chain.admit(create(hpa, { info: HPA_V2, name: "h" }))
    const sent = calls[0]?.review.request
    assert.equal(sent.object.apiVersion, "autoscaling/v1")
    assert.equal(sent.object.spec.targetCPUUtilizationPercentage, 50)
    assert.deepEqual(sent.kind, { group: "autoscaling", version: "v1", kind: "HorizontalPodAutoscaler" })
    assert.deepEqual(sent.requestKind, {
      group: "autoscaling",
      version: "v2",
      kind: "HorizontalPodAutoscaler",
    })
    const spec = (hpa as any).spec
    assert.equal(hpa.apiVersion, "autoscaling/v2")
    assert.equal(spec.maxReplicas, 7)
    assert.equal(spec.metrics[0].resource.target.averageUtilization, 50)
  })

  test("a patch for a DELETE, which has no object, is a 500", async () => {
    const { chain } = setup([config("Mutating", "m", [webhook("d.example.com")])], [], {
      "d.example.com": () => jsonPatch([{ op: "add", path: "/x", value: 1 }]),
    })
    const err = await rejection(
      chain.admit({ ...create(cm()), operation: "DELETE", object: undefined, old: cm() }),
    )
    assert.equal(err.code, 500)
    assert.equal(
      err.message,
      'Internal error occurred: admission webhook "d.example.com" attempted to modify the object, which is not supported for this operation',
    )
  })

  test("a patch that does not apply is a 500 in the json-patch library's words", async () => {
    const { chain } = setup([config("Mutating", "m", [webhook("p.example.com")])], [], {
      "p.example.com": () => jsonPatch([{ op: "replace", path: "/spec/missing", value: 1 }]),
    })
    const err = await rejection(chain.admit(create(cm())))
    assert.equal(
      err.message,
      "Internal error occurred: replace operation does not apply: doc is missing path: /spec/missing: missing value",
    )
  })
})

describe("webhook failures", () => {
  const unreachable = () =>
    new CallFailure(
      'Post "https://hooks.test/x?timeout=10s": dial tcp 127.0.0.1:1: connect: connection refused',
    )

  test("failurePolicy Fail: upstream's 500 naming the webhook and the call", async () => {
    const { chain } = setup([], [config("Validating", "v", [webhook("x.example.com")])], {
      "x.example.com": unreachable,
    })
    const err = await rejection(chain.admit(create(cm())))
    const why =
      'failed calling webhook "x.example.com": failed to call webhook: Post "https://hooks.test/x?timeout=10s": dial tcp 127.0.0.1:1: connect: connection refused'
    assert.equal(err.code, 500)
    assert.deepEqual(err.toStatus(), {
      kind: "Status",
      apiVersion: "v1",
      metadata: {},
      status: "Failure",
      message: `Internal error occurred: ${why}`,
      reason: "InternalError",
      details: { causes: [{ message: why }] },
      code: 500,
    })
  })

  test("failurePolicy Ignore: the request goes on", async () => {
    for (const kind of ["Mutating", "Validating"] as const) {
      const { chain } = setup(
        kind === "Mutating"
          ? [config(kind, "m", [webhook("x.example.com", { failurePolicy: "Ignore" })])]
          : [],
        kind === "Validating"
          ? [config(kind, "v", [webhook("x.example.com", { failurePolicy: "Ignore" })])]
          : [],
        { "x.example.com": unreachable },
      )
      await chain.admit(create(cm()))
    }
  })

  test("an answer that is not a review fails by the policy: a validating webhook's patch", async () => {
    const { chain } = setup([], [config("Validating", "v", [webhook("p.example.com")])], {
      "p.example.com": () => jsonPatch([]),
    })
    const err = await rejection(chain.admit(create(cm())))
    assert.equal(
      err.message,
      'Internal error occurred: failed calling webhook "p.example.com": received invalid webhook response: validating webhook may not return response.patch',
    )
  })

  test("no review version k8ts speaks", async () => {
    const { chain, calls } = setup(
      [],
      [config("Validating", "v", [webhook("v.example.com", { admissionReviewVersions: ["v2"] })])],
      {},
    )
    const err = await rejection(chain.admit(create(cm())))
    assert.equal(
      err.message,
      'Internal error occurred: failed calling webhook "v.example.com": could not create admission objects: webhook does not accept known AdmissionReview versions (v1, v1beta1)',
    )
    assert.equal(calls.length, 0)
  })

  test("v1beta1 when it is the first version listed that k8ts speaks", async () => {
    const { chain, calls } = setup(
      [],
      [
        config("Validating", "v", [
          webhook("b.example.com", { admissionReviewVersions: ["v9", "v1beta1", "v1"] }),
        ]),
      ],
      {},
    )
    await chain.admit(create(cm()))
    assert.equal(calls[0]?.review.apiVersion, "admission.k8s.io/v1beta1")
  })

  test("a dry run reaching a webhook with side effects is a 400, whatever its failurePolicy", async () => {
    const { chain, calls } = setup(
      [],
      [
        config("Validating", "v", [
          webhook("s.example.com", { sideEffects: "Some", failurePolicy: "Ignore" }),
        ]),
      ],
      {},
    )
    const err = await rejection(chain.admit(create(cm(), { dryRun: true })))
    assert.equal(err.code, 400)
    assert.equal(err.message, 'admission webhook "s.example.com" does not support dry run')
    assert.equal(calls.length, 0)
    await chain.admit(create(cm()))
  })
})

describe("refusals", () => {
  const cases: { name: string; status?: object; code: number; message: string; reason?: string }[] = [
    {
      name: "the webhook's code, reason and message",
      status: { code: 403, reason: "Forbidden", message: "no" },
      code: 403,
      reason: "Forbidden",
      message: 'admission webhook "r.example.com" denied the request: no',
    },
    {
      name: "a code under 400 becomes 400; no reason stays none",
      status: { code: 200, message: "no" },
      code: 400,
      message: 'admission webhook "r.example.com" denied the request: no',
    },
    {
      name: "the reason when there is no message",
      status: { reason: "Custom" },
      code: 400,
      reason: "Custom",
      message: 'admission webhook "r.example.com" denied the request: Custom',
    },
    {
      name: "no status",
      code: 400,
      message: 'admission webhook "r.example.com" denied the request without explanation',
    },
  ]
  for (const c of cases) {
    test(c.name, async () => {
      const { chain } = setup([], [config("Validating", "v", [webhook("r.example.com")])], {
        "r.example.com": () => ({ allowed: false, ...(c.status ? { status: c.status } : {}) }),
      })
      const err = await rejection(chain.admit(create(cm())))
      const status = err.toStatus()
      assert.equal(status.code, c.code)
      assert.equal(status.message, c.message)
      assert.equal(status.reason, c.reason)
      assert.equal(status.status, "Failure")
    })
  }

  test("one refusal among validating webhooks called together fails the request; all are called", async () => {
    const { chain, calls } = setup(
      [],
      [
        config("Validating", "v", [
          webhook("ok.example.com"),
          webhook("no.example.com"),
          webhook("ok2.example.com"),
        ]),
      ],
      { "no.example.com": () => ({ allowed: false, status: { message: "no" } }) },
    )
    const err = await rejection(chain.admit(create(cm())))
    assert.match(err.message, /"no.example.com" denied the request: no/)
    assert.equal(calls.length, 3)
  })
})

describe("what webhooks are sent", () => {
  test("warnings go to the request's notes", async () => {
    const warned: string[] = []
    const { chain } = setup([], [config("Validating", "v", [webhook("w.example.com")])], {
      "w.example.com": () => ({ allowed: true, warnings: ["careful", ""] }),
    })
    await chain.admit(create(cm(), { notes: { warn: (w) => void warned.push(w), annotate: () => {} } }))
    assert.deepEqual(warned, ["careful"])
  })

  test("a create is sent as admission has it, before the registry names it and gives it a uid; no creationTimestamp is null", async () => {
    const { chain, calls } = setup(
      [config("Mutating", "m", [webhook("m.example.com")])],
      [config("Validating", "v", [webhook("v.example.com")])],
      { "m.example.com": label("seen", "yes") },
    )
    const obj = cm()
    const meta = obj.metadata as Record<string, unknown>
    delete meta.name
    meta.generateName = "c-"
    await chain.admit(create(obj, { name: "" }))
    const mutating = calls[0]?.review.request
    assert.equal(mutating.name, undefined)
    const sent = mutating.object.metadata
    assert.deepEqual(
      [sent.name, sent.generateName, sent.uid, sent.creationTimestamp],
      [undefined, "c-", undefined, null],
    )
    assert.deepEqual(obj.metadata?.labels, { seen: "yes" })
    // What the client sent is sent as it is: the registry replaces it after mutating admission.
    const given = cm()
    Object.assign(given.metadata as object, { uid: "u-1", creationTimestamp: "2026-01-01T00:00:00Z" })
    await chain.admit(create(given))
    const second = calls[2]?.review.request.object.metadata
    assert.deepEqual(
      [second.name, second.uid, second.creationTimestamp],
      ["c", "u-1", "2026-01-01T00:00:00Z"],
    )
  })

  test("the server's own writes get options from the attributes", async () => {
    const { chain, calls } = setup([], [config("Validating", "v", [webhook("o.example.com")])], {})
    await chain.admit(create(cm(), { dryRun: true }))
    assert.deepEqual(calls[0]?.review.request.options, {
      kind: "CreateOptions",
      apiVersion: "meta.k8s.io/v1",
      dryRun: ["All"],
    })
  })

  test("webhook configurations themselves never reach webhooks", async () => {
    const { chain, calls } = setup(
      [config("Mutating", "m", [webhook("m.example.com")])],
      [config("Validating", "v", [webhook("v.example.com")])],
      {},
    )
    await chain.admit(create(config("Validating", "other", []), { info: VWC, namespace: "", name: "other" }))
    assert.equal(calls.length, 0)
  })
})

describe("matchConditions", () => {
  const conditions = (...expressions: string[]) => ({
    matchConditions: expressions.map((expression, i) => ({ name: `c${i}`, expression })),
  })

  test("a webhook is called only when every condition holds", async () => {
    const { chain, calls } = setup(
      [],
      [
        config("Validating", "v", [
          webhook("yes.example.com", conditions("object.data.a == '1'", "request.operation == 'CREATE'")),
          webhook("no.example.com", conditions("object.data.a == '1'", "request.userInfo.username == 'bob'")),
        ]),
      ],
      {},
    )
    await chain.admit(create(cm(), { user: { name: "alice", groups: [] } }))
    assert.deepEqual(
      calls.map((c) => c.hook),
      ["yes.example.com"],
    )
  })

  test("conditions see the object at the webhook's version", async () => {
    const rules = [
      { operations: ["CREATE"], apiGroups: ["autoscaling"], apiVersions: ["v1"], resources: ["*"] },
    ]
    const { chain, calls } = setup(
      [],
      [
        config("Validating", "v", [
          webhook("h.example.com", {
            rules,
            ...conditions("has(object.spec.targetCPUUtilizationPercentage)"),
          }),
        ]),
      ],
      {},
    )
    const hpa = {
      apiVersion: "autoscaling/v2",
      kind: "HorizontalPodAutoscaler",
      metadata: { name: "h", namespace: "ns" },
      spec: {
        maxReplicas: 3,
        metrics: [
          {
            type: "Resource",
            resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 50 } },
          },
        ],
      },
    } as ApiObject
    await chain.admit(create(hpa, { info: HPA_V2, name: "h" }))
    assert.equal(calls.length, 1)
  })

  test("a condition that fails to evaluate is a 403 under failurePolicy Fail, and skips the webhook under Ignore", async () => {
    const broken = conditions("object.nope.x == 1")
    const fail = setup([], [config("Validating", "v", [webhook("f.example.com", broken)])], {})
    const err = await rejection(fail.chain.admit(create(cm())))
    assert.equal(err.code, 403)
    assert.equal(
      err.message,
      `configmaps "c" is forbidden: expression 'object.nope.x == 1' resulted in error: no such key: nope`,
    )
    assert.equal(fail.calls.length, 0)
    const ignore = setup(
      [],
      [config("Validating", "v", [webhook("i.example.com", { ...broken, failurePolicy: "Ignore" })])],
      {},
    )
    await ignore.chain.admit(create(cm()))
    assert.equal(ignore.calls.length, 0)
  })
})

import assert from "node:assert/strict"
import { describe, test } from "node:test"
import { findResource, type ResourceInfo } from "../../api/index.ts"
import { attributesOf, type Invocation } from "./match.ts"
import { admissionReview, reviewVersionOf, verifyAdmissionResponse } from "./review.ts"
import { hooksOf } from "./source.ts"

const PODS = findResource("", "v1", "pods") as ResourceInfo
const HOOK = hooksOf({ metadata: { name: "c" }, webhooks: [{ name: "h.example.com" } as never] }, false)[0]!

function invocation(info: ResourceInfo, subresource = ""): Invocation {
  return {
    hook: HOOK,
    resource: { group: info.group, version: info.version, resource: info.resource },
    subresource,
    kind: { group: info.group, version: info.version, kind: info.kind },
    info,
  }
}

describe("reviewVersionOf()", () => {
  const cases: { versions: string[]; want: string | undefined }[] = [
    { versions: ["v1", "v1beta1"], want: "v1" },
    { versions: ["v1beta1", "v1"], want: "v1beta1" },
    { versions: ["v2", "v1beta1"], want: "v1beta1" },
    { versions: ["v2"], want: undefined },
    { versions: [], want: undefined },
  ]
  for (const c of cases)
    test(`[${c.versions}] → ${c.want}`, () => assert.equal(reviewVersionOf(c.versions), c.want))
})

describe("admissionReview()", () => {
  const pod = { apiVersion: "v1", kind: "Pod", metadata: { name: "web", namespace: "team" } }

  test("a create: every field upstream sends, oldObject null, empty ones left out", () => {
    const a = attributesOf({
      operation: "CREATE",
      info: PODS,
      namespace: "team",
      name: "web",
      subresource: "",
      object: pod,
      dryRun: true,
    })
    const review = admissionReview("v1", a, invocation(PODS), {
      uid: "u-1",
      user: { name: "alice", uid: "42", groups: ["devs", "system:authenticated"], extra: {} },
      dryRun: true,
      options: { kind: "CreateOptions", apiVersion: "meta.k8s.io/v1", dryRun: ["All"] },
      object: pod,
    })
    assert.deepEqual(JSON.parse(JSON.stringify(review)), {
      kind: "AdmissionReview",
      apiVersion: "admission.k8s.io/v1",
      request: {
        uid: "u-1",
        kind: { group: "", version: "v1", kind: "Pod" },
        resource: { group: "", version: "v1", resource: "pods" },
        requestKind: { group: "", version: "v1", kind: "Pod" },
        requestResource: { group: "", version: "v1", resource: "pods" },
        name: "web",
        namespace: "team",
        operation: "CREATE",
        userInfo: { username: "alice", uid: "42", groups: ["devs", "system:authenticated"] },
        object: pod,
        oldObject: null,
        dryRun: true,
        options: { kind: "CreateOptions", apiVersion: "meta.k8s.io/v1", dryRun: ["All"] },
      },
    })
  })

  test("a status update at v1beta1: subresources named, both objects sent", () => {
    const a = attributesOf({
      operation: "UPDATE",
      info: PODS,
      namespace: "team",
      name: "web",
      subresource: "status",
      object: pod,
      old: pod,
      dryRun: false,
    })
    const review = admissionReview("v1beta1", a, invocation(PODS, "status"), {
      uid: "u-2",
      dryRun: false,
      object: pod,
      old: pod,
    })
    assert.equal(review.apiVersion, "admission.k8s.io/v1beta1")
    assert.equal(review.request.subResource, "status")
    assert.equal(review.request.requestSubResource, "status")
    assert.deepEqual(review.request.oldObject, pod)
    assert.deepEqual(review.request.userInfo, {})
    assert.equal(review.request.options, null)
  })
})

describe("verifyAdmissionResponse()", () => {
  const ok = (response: object, extra: object = {}) => ({
    apiVersion: "admission.k8s.io/v1",
    kind: "AdmissionReview",
    response: { uid: "u", ...response },
    ...extra,
  })
  const patch = Buffer.from('[{"op":"add","path":"/x","value":1}]').toString("base64")
  const refusals: { name: string; mutating?: boolean; review: unknown; want: string }[] = [
    {
      name: "no response",
      review: { apiVersion: "admission.k8s.io/v1" },
      want: "webhook response was absent",
    },
    { name: "another uid", review: ok({ uid: "other" }), want: 'expected response.uid="u", got "other"' },
    {
      name: "no apiVersion or kind",
      review: { response: { uid: "u", allowed: true } },
      want: "expected webhook response of admission.k8s.io/v1, Kind=AdmissionReview, got /, Kind=",
    },
    {
      name: "another version",
      review: ok({ allowed: true }, { apiVersion: "admission.k8s.io/v1beta1" }),
      want: "expected webhook response of admission.k8s.io/v1, Kind=AdmissionReview, got admission.k8s.io/v1beta1, Kind=AdmissionReview",
    },
    {
      name: "a patch without its type",
      mutating: true,
      review: ok({ allowed: true, patch }),
      want: "webhook returned response.patch but not response.patchType",
    },
    {
      name: "a patch type without a patch",
      mutating: true,
      review: ok({ allowed: true, patchType: "JSONPatch" }),
      want: "webhook returned response.patchType but not response.patch",
    },
    {
      name: "a validating webhook's patch",
      review: ok({ allowed: true, patch, patchType: "JSONPatch" }),
      want: "validating webhook may not return response.patch",
    },
    {
      name: "a validating webhook's patch type",
      review: ok({ allowed: true, patchType: "JSONPatch" }),
      want: "validating webhook may not return response.patchType",
    },
  ]
  for (const c of refusals) {
    test(`refuses ${c.name}`, () =>
      assert.throws(() => verifyAdmissionResponse("v1", "u", c.mutating ?? false, c.review), {
        message: c.want,
      }))
  }

  test("takes an allowed answer's warnings and a mutating one's patch", () => {
    const r = verifyAdmissionResponse(
      "v1",
      "u",
      true,
      ok({ allowed: true, patch, patchType: "JSONPatch", warnings: ["w"] }),
    )
    assert.equal(r.allowed, true)
    assert.deepEqual(r.warnings, ["w"])
    assert.equal(r.patchType, "JSONPatch")
    assert.equal(r.patch?.toString(), '[{"op":"add","path":"/x","value":1}]')
  })

  test("takes a refusal's status", () => {
    const r = verifyAdmissionResponse(
      "v1",
      "u",
      false,
      ok({ allowed: false, status: { code: 403, message: "no" } }),
    )
    assert.equal(r.allowed, false)
    assert.deepEqual(r.status, { code: 403, message: "no" })
  })

  test("v1beta1: no uid or version check, a patch is a JSON patch", () => {
    const r = verifyAdmissionResponse("v1beta1", "u", true, { response: { uid: "x", allowed: true, patch } })
    assert.equal(r.patchType, "JSONPatch")
    const v = verifyAdmissionResponse("v1beta1", "u", false, { response: { allowed: true, patch } })
    assert.equal(v.patch, undefined)
  })
})

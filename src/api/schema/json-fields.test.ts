import assert from "node:assert/strict"
import { test } from "node:test"
import { hasTypeMeta, jsonFieldsOf } from "./json-fields.ts"

test("jsonFieldsOf() flattens inlined structs into their parent", () => {
  const volume = Object.keys(jsonFieldsOf("io.k8s.api.core.v1.Volume") ?? {})
  assert.ok(volume.includes("name") && volume.includes("emptyDir") && volume.includes("configMap"))
  assert.ok(!volume.includes("volumeSource"))
  const probe = jsonFieldsOf("io.k8s.api.core.v1.Probe") ?? {}
  assert.ok(probe.httpGet && probe.periodSeconds && !probe.handler)
  const ref = jsonFieldsOf("io.k8s.api.core.v1.SecretKeySelector") ?? {}
  assert.deepEqual(Object.keys(ref).sort(), ["key", "name", "optional"])
  assert.ok(jsonFieldsOf("io.k8s.api.core.v1.EphemeralContainer")?.targetContainerName)
  assert.ok(jsonFieldsOf("io.k8s.api.core.v1.EphemeralContainer")?.image)
})

test("jsonFieldsOf() uses JSON names where protobuf's differ", () => {
  assert.ok(jsonFieldsOf("io.k8s.api.authentication.v1.BoundObjectReference")?.uid)
  assert.ok(jsonFieldsOf("io.k8s.api.networking.v1.IngressClassParametersReference")?.apiGroup)
  assert.equal(jsonFieldsOf("io.k8s.api.core.v1.Nope"), undefined)
})

test("hasTypeMeta() is true for kinds, lists and options, false for parts", () => {
  assert.equal(hasTypeMeta("io.k8s.api.core.v1.Pod"), true)
  assert.equal(hasTypeMeta("io.k8s.api.core.v1.PodList"), true)
  assert.equal(hasTypeMeta("io.k8s.apimachinery.pkg.apis.meta.v1.DeleteOptions"), true)
  assert.equal(hasTypeMeta("io.k8s.api.core.v1.PodSpec"), false)
})

import assert from "node:assert/strict"
import { test } from "node:test"
import { BUILTIN_RESOURCES } from "../resources.ts"
import { definitionOf, fieldOf, SCALAR_TYPES, typeNames, typeSchema } from "./index.ts"

test("every referenced message exists and field numbers are unique per message", () => {
  for (const name of typeNames()) {
    const t = typeSchema(name)
    assert.ok(t)
    const numbers = new Set<number>()
    for (const [field, f] of Object.entries(t.f)) {
      assert.ok(SCALAR_TYPES.has(f.t) || typeSchema(f.t), `${name}.${field}: unknown type ${f.t}`)
      assert.ok(!numbers.has(f.n), `${name}.${field}: duplicate number ${f.n}`)
      numbers.add(f.n)
    }
  }
})

test("every served kind has a definition, and its list too", () => {
  for (const r of BUILTIN_RESOURCES) {
    if (r.kind === "SelfSubjectAccessReview") continue
    assert.ok(definitionOf(r.group, r.version, r.kind), `${r.group}/${r.version} ${r.kind}`)
    if (r.verbs.includes("list")) {
      assert.ok(definitionOf(r.group, r.version, `${r.kind}List`), `${r.group}/${r.version} ${r.kind}List`)
    }
  }
  assert.equal(
    definitionOf("authorization.k8s.io", "v1", "SelfSubjectAccessReview"),
    "io.k8s.api.authorization.v1.SelfSubjectAccessReview",
  )
  assert.equal(
    definitionOf("apps", "v1", "DeleteOptions"),
    "io.k8s.apimachinery.pkg.apis.meta.v1.DeleteOptions",
  )
})

test("list semantics: containers merge by name, volumes also retain keys, finalizers are a set", () => {
  const containers = fieldOf("io.k8s.api.core.v1.PodSpec", "containers")
  assert.deepEqual(
    [containers?.ps, containers?.mk, containers?.lt, containers?.lk],
    ["merge", "name", "map", ["name"]],
  )
  assert.equal(fieldOf("io.k8s.api.core.v1.PodSpec", "volumes")?.ps, "merge,retainKeys")
  assert.deepEqual(fieldOf("io.k8s.api.core.v1.Container", "ports")?.lk, ["containerPort", "protocol"])
  assert.equal(fieldOf("io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta", "finalizers")?.lt, "set")
  assert.equal(fieldOf("io.k8s.api.core.v1.Secret", "data")?.map, "string")
  assert.equal(fieldOf("io.k8s.api.core.v1.Secret", "data")?.t, "bytes")
})

test("inlined embedded structs appear at the parent level in JSON", () => {
  assert.equal(fieldOf("io.k8s.api.core.v1.Volume", "emptyDir")?.t, "io.k8s.api.core.v1.EmptyDirVolumeSource")
  assert.equal(fieldOf("io.k8s.api.core.v1.Volume", "volumeSource"), undefined)
  assert.equal(fieldOf("io.k8s.api.core.v1.Probe", "httpGet")?.t, "io.k8s.api.core.v1.HTTPGetAction")
  assert.equal(
    fieldOf("io.k8s.api.networking.v1.IngressRule", "http")?.t,
    "io.k8s.api.networking.v1.HTTPIngressRuleValue",
  )
})

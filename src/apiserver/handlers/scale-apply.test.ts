import assert from "node:assert/strict"
import { describe, test } from "node:test"
import type { ApiServer } from "../server.ts"
import { apiCall, memoryApiServer, until } from "../../testing/index.ts"

// Ownership of replicas through /scale (upstream's ScaleHandler, and its integration test of
// scaling every scalable kind): server-side apply of a Scale conflicts with the object's
// owners of replicas, a forced one takes it, and the scale managers show on the object at the
// object's apiVersion, without a time (upstream keeps only the object's entry's).

const APPLY = { "content-type": "application/apply-patch+yaml" }
const MERGE = { "content-type": "application/merge-patch+json" }

interface Scalable {
  readonly kind: string
  readonly base: string
  readonly object: Record<string, unknown>
}

const TEMPLATE = { metadata: { labels: { app: "t" } }, spec: { containers: [{ name: "c", image: "nginx" }] } }

const KINDS: Scalable[] = [
  ...["Deployment", "StatefulSet", "ReplicaSet"].map((kind) => ({
    kind,
    base: `/apis/apps/v1/namespaces/default/${kind.toLowerCase()}s`,
    object: {
      apiVersion: "apps/v1",
      kind,
      metadata: { name: "t" },
      spec: { replicas: 1, selector: { matchLabels: { app: "t" } }, template: TEMPLATE },
    },
  })),
  {
    kind: "ReplicationController",
    base: "/api/v1/namespaces/default/replicationcontrollers",
    object: {
      apiVersion: "v1",
      kind: "ReplicationController",
      metadata: { name: "t" },
      spec: { replicas: 1, selector: { app: "t" }, template: TEMPLATE },
    },
  },
]

function scaleConfig(replicas: number) {
  return {
    kind: "Scale",
    apiVersion: "autoscaling/v1",
    metadata: { name: "t", namespace: "default" },
    spec: { replicas },
  }
}

/** The managers whose entries own spec.replicas. */
function replicasOwners(obj: any): string[] {
  return (obj.metadata.managedFields ?? [])
    .filter((e: any) => e.fieldsV1?.["f:spec"]?.["f:replicas"])
    .map((e: any) => e.manager)
    .sort()
}

describe("server-side apply of /scale", () => {
  let api: ApiServer
  memoryApiServer((a) => (api = a))

  for (const k of KINDS) {
    test(`a ${k.kind}'s replicas change owner through /scale as upstream's`, async () => {
      const obj = `${k.base}/t`
      const scale = `${obj}/scale`
      const get = async () => (await apiCall(api, "GET", obj)).json
      const created = await apiCall(api, "PATCH", `${obj}?fieldManager=apply_test`, k.object, APPLY)
      assert.equal(created.status, 201, created.text)
      assert.deepEqual(replicasOwners(await get()), ["apply_test"])

      const scaled = await apiCall(
        api,
        "PATCH",
        `${scale}?fieldManager=scale_test`,
        { spec: { replicas: 5 } },
        MERGE,
      )
      assert.equal(scaled.status, 200, scaled.text)
      assert.deepEqual(replicasOwners(await get()), ["scale_test"])

      const again = await apiCall(api, "PATCH", `${obj}?fieldManager=apply_test`, k.object, APPLY)
      assert.equal(again.status, 409, again.text)
      const forced = await apiCall(api, "PATCH", `${obj}?fieldManager=apply_test&force=true`, k.object, APPLY)
      assert.equal(forced.status, 200, forced.text)
      assert.deepEqual(replicasOwners(await get()), ["apply_test"])

      const conflict = await apiCall(
        api,
        "PATCH",
        `${scale}?fieldManager=apply_scale`,
        scaleConfig(17),
        APPLY,
      )
      assert.equal(conflict.status, 409, conflict.text)
      assert.match(conflict.json.message, /conflict with "apply_test"/)
      const applied = await apiCall(
        api,
        "PATCH",
        `${scale}?fieldManager=apply_scale&force=true`,
        scaleConfig(17),
        APPLY,
      )
      assert.equal(applied.status, 200, applied.text)
      assert.equal(applied.json.kind, "Scale")
      assert.equal(applied.json.spec.replicas, 17)
      assert.equal(applied.json.metadata.managedFields, undefined)
      const afterApply = await get()
      assert.equal(afterApply.spec.replicas, 17)
      assert.deepEqual(replicasOwners(afterApply), ["apply_scale"])
      const entry = afterApply.metadata.managedFields.find((e: any) => e.manager === "apply_scale")
      assert.deepEqual(entry, {
        manager: "apply_scale",
        operation: "Apply",
        apiVersion: k.object.apiVersion,
        fieldsType: "FieldsV1",
        fieldsV1: { "f:spec": { "f:replicas": {} } },
        subresource: "scale",
      })

      const put = await apiCall(api, "PUT", `${scale}?fieldManager=replace_test`, scaleConfig(7))
      assert.equal(put.status, 200, put.text)
      assert.deepEqual(replicasOwners(await get()), ["replace_test"])

      const shared = await apiCall(
        api,
        "PATCH",
        `${scale}?fieldManager=co_owning_test`,
        scaleConfig(7),
        APPLY,
      )
      assert.equal(shared.status, 200, shared.text)
      assert.deepEqual(replicasOwners(await get()), ["co_owning_test", "replace_test"])

      const last = await apiCall(
        api,
        "PATCH",
        `${scale}?fieldManager=scale_test`,
        { spec: { replicas: 5 } },
        MERGE,
      )
      assert.equal(last.status, 200, last.text)
      const final = await get()
      assert.equal(final.spec.replicas, 5)
      assert.deepEqual(replicasOwners(final), ["scale_test"])
    })
  }

  test("a /scale write of status alone leaves replicas to their owner", async () => {
    const [deploy] = KINDS as [Scalable]
    const obj = `${deploy.base}/status-only`
    const body = { ...deploy.object, metadata: { name: "status-only" } }
    assert.equal((await apiCall(api, "PATCH", `${obj}?fieldManager=apply_test`, body, APPLY)).status, 201)
    const res = await apiCall(
      api,
      "PATCH",
      `${obj}/scale?fieldManager=scale_test`,
      { status: { replicas: 42 } },
      MERGE,
    )
    assert.equal(res.status, 200, res.text)
    assert.deepEqual(replicasOwners((await apiCall(api, "GET", obj)).json), ["apply_test"])
  })

  // Upstream's field manager reads the Scale as its Go type, whose replicas is omitempty: an
  // update to 0 removes the field, which every manager of the Scale loses, and sets nothing.
  test("a /scale update to 0 leaves replicas owned by no one, the scaler without an entry", async () => {
    const [deploy] = KINDS as [Scalable]
    for (const c of [
      {
        name: "to-zero-put",
        write: (path: string) =>
          apiCall(api, "PUT", path, {
            ...scaleConfig(0),
            metadata: { name: "to-zero-put", namespace: "default" },
          }),
      },
      {
        name: "to-zero-patch",
        write: (path: string) => apiCall(api, "PATCH", path, { spec: { replicas: 0 } }, MERGE),
      },
    ]) {
      const obj = `${deploy.base}/${c.name}`
      const body = { ...deploy.object, metadata: { name: c.name } }
      assert.equal((await apiCall(api, "PATCH", `${obj}?fieldManager=apply_test`, body, APPLY)).status, 201)
      const res = await c.write(`${obj}/scale?fieldManager=scale_test`)
      assert.equal(res.status, 200, res.text)
      const got = (await apiCall(api, "GET", obj)).json
      assert.equal(got.spec.replicas, 0, c.name)
      assert.deepEqual(replicasOwners(got), [], c.name)
      assert.deepEqual(
        got.metadata.managedFields.map((e: any) => e.manager),
        ["apply_test"],
        c.name,
      )
    }
  })

  test("an apply of a Scale names its fieldManager and its kind", async () => {
    const [deploy] = KINDS as [Scalable]
    const scale = `${deploy.base}/t/scale`
    const nameless = await apiCall(api, "PATCH", scale, scaleConfig(3), APPLY)
    assert.equal(nameless.status, 422, nameless.text)
    assert.equal(nameless.json.details.causes[0].message, "Required value: is required for apply patch")
    const wrongKind = await apiCall(
      api,
      "PATCH",
      `${scale}?fieldManager=m`,
      { ...scaleConfig(3), apiVersion: "apps/v1", kind: "Deployment" },
      APPLY,
    )
    assert.equal(wrongKind.status, 400, wrongKind.text)
    assert.equal(wrongKind.json.message, "invalid object type: apps/v1, Kind=Deployment")
    const missing = await apiCall(
      api,
      "PATCH",
      `${deploy.base}/none/scale?fieldManager=m`,
      scaleConfig(3),
      APPLY,
    )
    assert.equal(missing.status, 404, missing.text)
  })

  test("a custom resource's replicas path is owned through /scale at each version's path", async () => {
    const crd = await apiCall(api, "POST", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", {
      metadata: { name: "gadgets.example.com" },
      spec: {
        group: "example.com",
        scope: "Namespaced",
        names: { plural: "gadgets", kind: "Gadget" },
        versions: [
          {
            name: "v1",
            served: true,
            storage: true,
            schema: { openAPIV3Schema: { type: "object", "x-kubernetes-preserve-unknown-fields": true } },
            subresources: { scale: { specReplicasPath: ".spec.size", statusReplicasPath: ".status.size" } },
          },
        ],
      },
    })
    assert.equal(crd.status, 201, crd.text)
    const obj = "/apis/example.com/v1/namespaces/default/gadgets/g"
    const gadget = {
      apiVersion: "example.com/v1",
      kind: "Gadget",
      metadata: { name: "g" },
      spec: { size: 1, colour: "red" },
    }
    await until(
      "the Gadget applied",
      async () => (await apiCall(api, "PATCH", `${obj}?fieldManager=owner`, gadget, APPLY)).status === 201,
    )
    const conflict = await apiCall(
      api,
      "PATCH",
      `${obj}/scale?fieldManager=scaler`,
      { ...scaleConfig(3), metadata: { name: "g" } },
      APPLY,
    )
    assert.equal(conflict.status, 409, conflict.text)
    const applied = await apiCall(
      api,
      "PATCH",
      `${obj}/scale?fieldManager=scaler&force=true`,
      { ...scaleConfig(3), metadata: { name: "g" } },
      APPLY,
    )
    assert.equal(applied.status, 200, applied.text)
    const got = (await apiCall(api, "GET", obj)).json
    assert.equal(got.spec.size, 3)
    // Sorted as upstream: Apply entries by time, none (the scale manager's) first.
    assert.deepEqual(
      got.metadata.managedFields.map((e: any) => [
        e.manager,
        e.operation,
        e.apiVersion,
        e.fieldsV1,
        e.subresource,
      ]),
      [
        ["scaler", "Apply", "example.com/v1", { "f:spec": { "f:size": {} } }, "scale"],
        ["owner", "Apply", "example.com/v1", { "f:spec": { ".": {}, "f:colour": {} } }, undefined],
      ],
    )
  })
})

import assert from "node:assert/strict"
import { after, before, describe, test } from "node:test"
import { MemoryStore } from "../../storage/index.ts"
import { FakeClock } from "../../util/index.ts"
import { createApiServer, type ApiServer } from "../server.ts"
import { apiCall } from "../../testing/index.ts"

const clock = new FakeClock(Date.UTC(2026, 10, 24, 12, 0, 0))
const store = new MemoryStore()
let api: ApiServer
const ac = new AbortController()

before(async () => {
  api = createApiServer({ store, clock })
  void api.run(ac.signal)
  await api.ready()
})
after(() => ac.abort())

const call = (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) =>
  apiCall(api, method, path, body, headers)

async function until<T>(what: string, f: () => Promise<T | undefined>): Promise<T> {
  for (let i = 0; i < 400; i++) {
    const v = await f()
    if (v !== undefined) return v
    await new Promise((r) => setTimeout(r, 5))
  }
  throw new Error(`timed out waiting for ${what}`)
}

const CRDS = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions"

function crontabCrd(extra: Record<string, unknown> = {}) {
  return {
    apiVersion: "apiextensions.k8s.io/v1",
    kind: "CustomResourceDefinition",
    metadata: { name: "crontabs.stable.example.com" },
    spec: {
      group: "stable.example.com",
      scope: "Namespaced",
      names: {
        plural: "crontabs",
        singular: "crontab",
        kind: "CronTab",
        shortNames: ["ct"],
        categories: ["all"],
      },
      versions: [
        {
          name: "v1",
          served: true,
          storage: true,
          subresources: {
            status: {},
            scale: {
              specReplicasPath: ".spec.replicas",
              statusReplicasPath: ".status.replicas",
              labelSelectorPath: ".status.labelSelector",
            },
          },
          additionalPrinterColumns: [
            { name: "Spec", type: "string", jsonPath: ".spec.cronSpec" },
            { name: "Replicas", type: "integer", jsonPath: ".spec.replicas" },
            { name: "Image", type: "string", jsonPath: ".spec.image", priority: 1 },
          ],
          schema: {
            openAPIV3Schema: {
              type: "object",
              properties: {
                spec: {
                  type: "object",
                  required: ["cronSpec"],
                  properties: {
                    cronSpec: { type: "string", pattern: "^(\\d+|\\*)(/\\d+)?(\\s+(\\d+|\\*)(/\\d+)?){4}$" },
                    image: { type: "string", maxLength: 20 },
                    replicas: { type: "integer", minimum: 1, maximum: 10, default: 1 },
                    policy: { type: "string", enum: ["Allow", "Forbid"] },
                    port: { "x-kubernetes-int-or-string": true },
                    extra: { type: "object", "x-kubernetes-preserve-unknown-fields": true },
                    tags: { type: "array", maxItems: 2, items: { type: "string", minLength: 1 } },
                    note: { type: "string", nullable: true },
                  },
                },
                status: {
                  type: "object",
                  properties: { replicas: { type: "integer" }, labelSelector: { type: "string" } },
                },
              },
            },
          },
        },
        {
          name: "v1beta1",
          served: true,
          storage: false,
          schema: { openAPIV3Schema: { type: "object", "x-kubernetes-preserve-unknown-fields": true } },
        },
      ],
      ...extra,
    },
  }
}

const CT = "/apis/stable.example.com/v1/namespaces/default/crontabs"

describe("CustomResourceDefinitions", () => {
  test("a CRD is validated with upstream's messages", async () => {
    const bad = crontabCrd()
    bad.metadata.name = "wrong.stable.example.com"
    ;(bad.spec.versions[1] as { storage: boolean }).storage = true
    ;(bad.spec.versions as any[])[0].schema.openAPIV3Schema.properties.spec.properties.cronSpec = {}
    const r = await call("POST", CRDS, bad)
    assert.equal(r.status, 422)
    assert.match(
      r.json.message,
      /metadata\.name: Invalid value: "wrong.stable.example.com": must be spec.names.plural\+"\."\+spec.group/,
    )
    assert.match(
      r.json.message,
      /spec.versions: Invalid value: .*must have exactly one version marked as storage version/,
    )
    assert.match(
      r.json.message,
      /spec.versions\[0\].schema.openAPIV3Schema.properties\[spec\].properties\[cronSpec\].type: Required value: must not be empty for specified object fields/,
    )
    const group = crontabCrd({ group: "example" })
    group.metadata.name = "crontabs.example"
    const g = await call("POST", CRDS, group)
    assert.match(
      g.json.message,
      /spec.group: Invalid value: "example": should be a domain with at least one dot/,
    )
  })

  test("a created CRD gets accepted names, Established, and serves its resources", async () => {
    const r = await call("POST", CRDS, crontabCrd())
    assert.equal(r.status, 201, r.text)
    assert.deepEqual(r.json.status.storedVersions, ["v1"])
    const crd = await until("Established", async () => {
      const g = await call("GET", `${CRDS}/crontabs.stable.example.com`)
      const est = g.json.status?.conditions?.find((c: any) => c.type === "Established")
      return est?.status === "True" ? g.json : undefined
    })
    assert.equal(crd.status.acceptedNames.kind, "CronTab")
    assert.deepEqual(crd.status.acceptedNames.shortNames, ["ct"])
    const names = crd.status.conditions.find((c: any) => c.type === "NamesAccepted")
    assert.equal(names.reason, "NoConflicts")
    const disc = await call("GET", "/apis/stable.example.com/v1")
    const res = disc.json.resources.find((x: any) => x.name === "crontabs")
    assert.deepEqual(res.shortNames, ["ct"])
    assert.deepEqual(res.categories, ["all"])
    assert.ok(disc.json.resources.some((x: any) => x.name === "crontabs/scale"))
    const agg = await call("GET", "/apis", undefined, {
      accept: "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList",
    })
    const grp = agg.json.items.find((i: any) => i.metadata.name === "stable.example.com")
    assert.deepEqual(
      grp.versions.map((v: any) => v.version),
      ["v1", "v1beta1"],
    )
    const groups = await call("GET", "/apis/stable.example.com")
    assert.equal(groups.json.preferredVersion.version, "v1")
  })

  test("custom resources are defaulted, pruned and validated", async () => {
    const created = await call("POST", CT, {
      apiVersion: "stable.example.com/v1",
      kind: "CronTab",
      metadata: { name: "one" },
      spec: {
        cronSpec: "* * * * */5",
        image: "img",
        unknown: 1,
        extra: { a: { b: 1 } },
        port: "http",
        note: null,
      },
      status: { replicas: 3 },
    })
    assert.equal(created.status, 201, created.text)
    assert.equal(created.json.spec.replicas, 1)
    assert.equal(created.json.spec.unknown, undefined)
    assert.deepEqual(created.json.spec.extra, { a: { b: 1 } })
    assert.equal(created.json.spec.note, null)
    assert.equal(created.json.status, undefined)
    assert.equal(created.json.metadata.generation, 1)
    const bad = await call("POST", CT, {
      apiVersion: "stable.example.com/v1",
      kind: "CronTab",
      metadata: { name: "bad" },
      spec: {
        cronSpec: "nope",
        replicas: "3",
        image: "x".repeat(21),
        policy: "Sometimes",
        port: true,
        tags: ["a", "", "c"],
      },
    })
    assert.equal(bad.status, 422)
    const m = bad.json.message as string
    assert.match(m, /^CronTab.stable.example.com "bad" is invalid: \[/)
    assert.match(m, /spec.cronSpec: Invalid value: "nope": spec.cronSpec in body should match '/)
    assert.match(
      m,
      /spec.replicas: Invalid value: "string": spec.replicas in body must be of type integer: "string"/,
    )
    assert.match(m, /spec.image: Too long: may not be more than 20 bytes/)
    assert.match(m, /spec.policy: Unsupported value: "Sometimes": supported values: "Allow", "Forbid"/)
    assert.match(
      m,
      /spec.port: Invalid value: "boolean": spec.port in body must be of type integer,string: "boolean"/,
    )
    assert.match(m, /spec.tags: Too many: 3: must have at most 2 items/)
    assert.match(m, /spec.tags.1: Invalid value: "": spec.tags.1 in body should be at least 1 chars long/)
    const missing = await call("POST", CT, {
      apiVersion: "stable.example.com/v1",
      kind: "CronTab",
      metadata: { name: "missing" },
      spec: { replicas: 11 },
    })
    assert.match(missing.json.message, /spec.cronSpec: Required value/)
    assert.match(
      missing.json.message,
      /spec.replicas: Invalid value: 11: spec.replicas in body should be less than or equal to 10/,
    )
  })

  test("fieldValidation reports the fields the schema prunes", async () => {
    const body = {
      apiVersion: "stable.example.com/v1",
      kind: "CronTab",
      metadata: { name: "strict" },
      spec: { cronSpec: "* * * * *", bogus: 1, extra: { kept: true } },
    }
    const strict = await call("POST", `${CT}?fieldValidation=Strict`, body)
    assert.equal(strict.status, 400, strict.text)
    assert.equal(
      strict.json.message,
      'CronTab in version "v1" cannot be handled as a CronTab: strict decoding error: unknown field "spec.bogus"',
    )
    const res = await api.fetch(
      new Request(`http://k8ts${CT}`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
      }),
    )
    assert.equal(res.status, 201)
    assert.equal(res.headers.get("warning"), '299 - "unknown field \\"spec.bogus\\""')
    await call("DELETE", `${CT}/strict`)
  })

  test("status and scale subresources, patches, and the None conversion", async () => {
    // A custom resource's update names the version it replaces (no unconditional update).
    const { resourceVersion } = (await call("GET", `${CT}/one`)).json.metadata
    const st = await call("PUT", `${CT}/one/status`, {
      apiVersion: "stable.example.com/v1",
      kind: "CronTab",
      metadata: { name: "one", resourceVersion },
      spec: { cronSpec: "ignored" },
      status: { replicas: 2, labelSelector: "app=one" },
    })
    assert.equal(st.status, 200, st.text)
    assert.equal(st.json.status.replicas, 2)
    assert.equal(st.json.spec.cronSpec, "* * * * */5")
    const scale = await call("GET", `${CT}/one/scale`)
    assert.deepEqual(scale.json.spec, { replicas: 1 })
    assert.deepEqual(scale.json.status, { replicas: 2, selector: "app=one" })
    const put = await call(
      "PATCH",
      `${CT}/one/scale`,
      { spec: { replicas: 4 } },
      {
        "content-type": "application/merge-patch+json",
      },
    )
    assert.equal(put.status, 200, put.text)
    const after = await call("GET", `${CT}/one`)
    assert.equal(after.json.spec.replicas, 4)
    assert.equal(after.json.metadata.generation, 2)
    const smp = await call(
      "PATCH",
      `${CT}/one`,
      { spec: { image: "b" } },
      {
        "content-type": "application/strategic-merge-patch+json",
      },
    )
    assert.equal(smp.status, 415)
    assert.equal(smp.json.reason, "UnsupportedMediaType")
    const mp = await call(
      "PATCH",
      `${CT}/one`,
      { spec: { image: "b" } },
      { "content-type": "application/merge-patch+json" },
    )
    assert.equal(mp.json.spec.image, "b")
    const jp = await call("PATCH", `${CT}/one`, [{ op: "replace", path: "/spec/image", value: "c" }], {
      "content-type": "application/json-patch+json",
    })
    assert.equal(jp.json.spec.image, "c")
    const beta = await call("GET", "/apis/stable.example.com/v1beta1/namespaces/default/crontabs/one")
    assert.equal(beta.json.apiVersion, "stable.example.com/v1beta1")
    assert.equal(beta.json.spec.image, "c")
  })

  test("the Table carries the additionalPrinterColumns", async () => {
    const t = await call("GET", CT, undefined, { accept: "application/json;as=Table;v=v1;g=meta.k8s.io" })
    assert.deepEqual(
      t.json.columnDefinitions.map((c: any) => [c.name, c.priority]),
      [
        ["Name", 0],
        ["Spec", 0],
        ["Replicas", 0],
        ["Image", 1],
      ],
    )
    assert.deepEqual(t.json.rows[0].cells, ["one", "* * * * */5", 4, "c"])
  })

  test("the OpenAPI v3 document of the group version carries the CRD's schema", async () => {
    const index = await call("GET", "/openapi/v3")
    const url = index.json.paths["apis/stable.example.com/v1"]?.serverRelativeURL as string
    assert.ok(url)
    const doc = (await call("GET", url)).json
    const item = doc.components.schemas["com.example.stable.v1.CronTab"]
    assert.equal(item.properties.spec.properties.replicas.type, "integer")
    const patch = doc.paths["/apis/stable.example.com/v1/namespaces/{namespace}/crontabs/{name}"].patch
    assert.deepEqual(patch["x-kubernetes-group-version-kind"], {
      group: "stable.example.com",
      version: "v1",
      kind: "CronTab",
    })
    assert.ok(!Object.keys(patch.requestBody.content).includes("application/strategic-merge-patch+json"))
    assert.ok(doc.paths["/apis/stable.example.com/v1/namespaces/{namespace}/crontabs/{name}/scale"])
  })

  test("watch and list serve custom resources", async () => {
    const list = await call("GET", CT)
    assert.equal(list.json.kind, "CronTabList")
    assert.equal(list.json.items.length, 1)
  })

  test("a restarted server serves the CRDs it had", async () => {
    const again = createApiServer({ store, clock })
    const ac2 = new AbortController()
    void again.run(ac2.signal)
    await again.ready()
    const res = await again.fetch(new Request(`http://k8ts${CT}/one`))
    assert.equal(res.status, 200)
    const list = await again.fetch(new Request(`http://k8ts${CT}`))
    assert.equal(((await list.json()) as any).items.length, 1)
    ac2.abort()
  })

  test("a CRD whose kind another CRD of the group accepted is not established", async () => {
    const other = crontabCrd()
    other.metadata.name = "crontabz.stable.example.com"
    other.spec.names = {
      plural: "crontabz",
      singular: "crontabz",
      kind: "CronTab",
      shortNames: [],
      categories: [],
    }
    const r = await call("POST", CRDS, other)
    assert.equal(r.status, 201, r.text)
    const crd = await until("NamesAccepted", async () => {
      const g = await call("GET", `${CRDS}/crontabz.stable.example.com`)
      return g.json.status?.conditions?.length ? g.json : undefined
    })
    const names = crd.status.conditions.find((c: any) => c.type === "NamesAccepted")
    assert.deepEqual(
      [names.status, names.reason, names.message],
      ["False", "KindConflict", '"CronTab" is already in use'],
    )
    const est = crd.status.conditions.find((c: any) => c.type === "Established")
    assert.deepEqual([est.status, est.reason], ["False", "NotAccepted"])
    assert.equal((await call("GET", "/apis/stable.example.com/v1/crontabz")).status, 404)
    await call("DELETE", `${CRDS}/crontabz.stable.example.com`)
  })

  test("a custom resource's status defaults hold after the strategy resets or keeps its status", async () => {
    const crd = {
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
            subresources: { status: {} },
            schema: {
              openAPIV3Schema: {
                type: "object",
                properties: {
                  spec: { type: "object", properties: { size: { type: "integer" } } },
                  status: {
                    type: "object",
                    default: {},
                    properties: { phase: { type: "string", default: "New" } },
                  },
                },
              },
            },
          },
        ],
      },
    }
    assert.equal((await call("POST", CRDS, crd)).status, 201)
    const GADGETS = "/apis/example.com/v1/namespaces/default/gadgets"
    const gadget = { apiVersion: "example.com/v1", kind: "Gadget", metadata: { name: "g" } }
    const created = await until("gadgets served", async () => {
      const r = await call("POST", GADGETS, { ...gadget, spec: { size: 1 }, status: { phase: "Done" } })
      return r.status === 201 ? r.json : undefined
    })
    assert.deepEqual(created.status, { phase: "New" })
    // A spec write without status keeps the stored one, defaulted.
    const put = await call("PUT", `${GADGETS}/g`, { ...created, spec: { size: 2 }, status: undefined })
    assert.equal(put.status, 200, put.text)
    assert.deepEqual([put.json.spec.size, put.json.status], [2, { phase: "New" }])
    await call("DELETE", `${CRDS}/gadgets.example.com`)
  })

  test("watches stream custom resource events; lists span namespaces", async () => {
    const ctl = new AbortController()
    const list = await call("GET", CT)
    const res = await api.fetch(
      new Request(`http://k8ts${CT}?watch=1&resourceVersion=${list.json.metadata.resourceVersion}`, {
        signal: ctl.signal,
      }),
    )
    await call("POST", "/api/v1/namespaces", { metadata: { name: "other" } })
    const other = await call("POST", "/apis/stable.example.com/v1/namespaces/other/crontabs", {
      metadata: { name: "two" },
      spec: { cronSpec: "* * * * *" },
    })
    assert.equal(other.status, 201, other.text)
    await call(
      "PATCH",
      `${CT}/one`,
      { spec: { image: "d" } },
      { "content-type": "application/merge-patch+json" },
    )
    const reader = res.body!.getReader()
    const { value } = await reader.read()
    const first = JSON.parse(new TextDecoder().decode(value).split("\n")[0] as string)
    assert.equal(first.type, "MODIFIED")
    assert.equal(first.object.spec.image, "d")
    ctl.abort()
    reader.cancel().catch(() => {})
    const all = await call("GET", "/apis/stable.example.com/v1/crontabs")
    assert.deepEqual(
      all.json.items.map((i: any) => `${i.metadata.namespace}/${i.metadata.name}`),
      ["default/one", "other/two"],
    )
  })

  test("deleting a CRD deletes its objects, then the CRD; no creates while it terminates", async () => {
    const held = await call("POST", CT, {
      metadata: { name: "held", finalizers: ["example.com/hold"] },
      spec: { cronSpec: "* * * * *" },
    })
    assert.equal(held.status, 201, held.text)
    const del = await call("DELETE", `${CRDS}/crontabs.stable.example.com`)
    assert.equal(del.status, 200, del.text)
    assert.ok(del.json.metadata.finalizers.includes("customresourcecleanup.apiextensions.k8s.io"))
    await until("the CRD terminating", async () => {
      const g = await call("GET", `${CRDS}/crontabs.stable.example.com`)
      const t = g.json.status?.conditions?.find((c: any) => c.type === "Terminating")
      return t?.reason === "InstanceDeletionInProgress" ? true : undefined
    })
    await until("the others deleted", async () => {
      const { entries } = await store.list("/registry/stable.example.com/crontabs/")
      return entries.length === 1 ? true : undefined
    })
    const refused = await call("POST", CT, { metadata: { name: "late" }, spec: { cronSpec: "* * * * *" } })
    assert.equal(refused.status, 405)
    assert.equal(refused.json.message, "create not allowed while custom resource definition is terminating")
    await call(
      "PATCH",
      `${CT}/held`,
      { metadata: { finalizers: null } },
      {
        "content-type": "application/merge-patch+json",
      },
    )
    await until("the CRD gone", async () => {
      const g = await call("GET", `${CRDS}/crontabs.stable.example.com`)
      return g.status === 404 ? true : undefined
    })
    const { entries } = await store.list("/registry/stable.example.com/crontabs/")
    assert.equal(entries.length, 0)
    const gone = await call("GET", CT)
    assert.equal(gone.status, 404)
  })
})

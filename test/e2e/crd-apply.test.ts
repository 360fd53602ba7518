/**
 * The real kubectl v1.35 and helm v4 applying custom resources server-side: the CRD's schema says
 * how lists and maps merge between field managers, as upstream's type converter reads it.
 */
import assert from "node:assert/strict"
import { mkdirSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { describe, test } from "node:test"
import { helmPath, run, testApiServer, kubectlSession } from "../../src/testing/index.ts"

const server = testApiServer()
const { k, ok, file } = kubectlSession(server)

const CRD = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.ssa.example.com
spec:
  group: ssa.example.com
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
            properties:
              size: {type: integer}
              items:
                type: array
                x-kubernetes-list-type: map
                x-kubernetes-list-map-keys: [name]
                items:
                  type: object
                  required: [name]
                  properties:
                    name: {type: string}
                    value: {type: string}
              tags:
                type: array
                x-kubernetes-list-type: set
                items: {type: string}
              selector:
                type: object
                x-kubernetes-map-type: atomic
                additionalProperties: {type: string}
              extra:
                type: object
                x-kubernetes-preserve-unknown-fields: true
          status:
            type: object
            properties:
              phase: {type: string}
`

function widget(name: string, spec: string): string {
  return `apiVersion: ssa.example.com/v1
kind: Widget
metadata:
  name: ${name}
spec:
${spec
  .trim()
  .split("\n")
  .map((l) => `  ${l}`)
  .join("\n")}
`
}

async function getJson(...args: string[]): Promise<any> {
  return JSON.parse(await ok("get", ...args, "-o", "json", "--show-managed-fields"))
}

function fieldsOf(obj: any, manager: string): any {
  return obj.metadata.managedFields.find((e: any) => e.manager === manager)?.fieldsV1
}

const apply = (manager: string, name: string, yaml: string, ...flags: string[]) =>
  k(
    "apply",
    "--server-side",
    `--field-manager=${manager}`,
    ...flags,
    "-f",
    file(`${name}-${manager}.yaml`, yaml),
  )

describe("kubectl apply --server-side on custom resources", () => {
  test("the CRD is established", async () => {
    await ok("create", "-f", file("crd.yaml", CRD))
    await ok("wait", "--for", "condition=established", "--timeout=20s", "crd/widgets.ssa.example.com")
  })

  test("two managers' items of a list-type map list merge; each owns its own", async () => {
    let r = await apply("mgr-a", "w1", widget("w1", "items: [{name: a, value: '1'}]\ntags: [red]"))
    assert.equal(r.code, 0, r.stderr)
    assert.match(r.stdout, /widget.ssa.example.com\/w1 serverside-applied/)
    r = await apply("mgr-b", "w1", widget("w1", "items: [{name: b, value: '2'}]\ntags: [blue]"))
    assert.equal(r.code, 0, r.stderr)
    const w = await getJson("widget", "w1")
    assert.deepEqual(w.spec, {
      items: [
        { name: "a", value: "1" },
        { name: "b", value: "2" },
      ],
      tags: ["red", "blue"],
    })
    assert.deepEqual(fieldsOf(w, "mgr-a"), {
      "f:spec": {
        "f:items": { 'k:{"name":"a"}': { ".": {}, "f:name": {}, "f:value": {} } },
        "f:tags": { 'v:"red"': {} },
      },
    })
    assert.deepEqual(fieldsOf(w, "mgr-b")["f:spec"]["f:items"], {
      'k:{"name":"b"}': { ".": {}, "f:name": {}, "f:value": {} },
    })
  })

  test("changing another manager's value is a conflict at its path until --force-conflicts", async () => {
    const yaml = widget("w1", "items: [{name: a, value: changed}, {name: b, value: '2'}]")
    const r = await apply("mgr-b", "w1", yaml)
    assert.equal(r.code, 1)
    assert.match(
      r.stderr,
      /Apply failed with 1 conflict: conflict with "mgr-a": \.spec\.items\[name="a"\]\.value/,
    )
    assert.equal((await getJson("widget", "w1")).spec.items[0].value, "1")
    const forced = await apply("mgr-b", "w1", yaml, "--force-conflicts")
    assert.equal(forced.code, 0, forced.stderr)
    const w = await getJson("widget", "w1")
    assert.equal(w.spec.items[0].value, "changed")
    // mgr-a keeps the item and its key, not the value; its set item stays hers.
    assert.deepEqual(fieldsOf(w, "mgr-a")["f:spec"], {
      "f:items": { 'k:{"name":"a"}': { ".": {}, "f:name": {} } },
      "f:tags": { 'v:"red"': {} },
    })
  })

  test("an atomic map is owned whole: a second manager's key conflicts with the first", async () => {
    let r = await apply("mgr-a", "w2", widget("w2", "selector: {app: a}"))
    assert.equal(r.code, 0, r.stderr)
    r = await apply("mgr-b", "w2", widget("w2", "selector: {app: a, tier: b}"))
    assert.equal(r.code, 1)
    assert.match(r.stderr, /Apply failed with 1 conflict: conflict with "mgr-a": \.spec\.selector/)
  })

  test("fields the schema does not declare are refused; preserved ones merge", async () => {
    const bogus = await apply("mgr-a", "w3", widget("w3", "size: 1\nbogus: true"))
    assert.notEqual(bogus.code, 0)
    assert.match(
      bogus.stderr,
      /failed to create typed patch object \(default\/w3; ssa\.example\.com\/v1, Kind=Widget\): \.spec\.bogus: field not declared in schema/,
    )
    let r = await apply("mgr-a", "w3", widget("w3", "extra: {a: {p: 1}}"))
    assert.equal(r.code, 0, r.stderr)
    r = await apply("mgr-b", "w3", widget("w3", "extra: {a: {q: 2}}"))
    assert.equal(r.code, 0, r.stderr)
    assert.deepEqual((await getJson("widget", "w3")).spec, { extra: { a: { p: 1, q: 2 } } })
  })

  test("kubectl create records its items by key", async () => {
    await ok("create", "-f", file("w4.yaml", widget("w4", "items: [{name: a}]")))
    const w = await getJson("widget", "w4")
    assert.deepEqual(fieldsOf(w, "kubectl-create")["f:spec"], {
      ".": {},
      "f:items": { ".": {}, 'k:{"name":"a"}': { ".": {}, "f:name": {} } },
    })
  })
})

describe("helm v4 and custom resources", () => {
  test("a chart's custom resource installs and upgrades server-side, its dropped item removed", async () => {
    const srv = server()
    const helm = (...args: string[]) => run(helmPath(), args, { env: srv.env })
    const chart = join(srv.dir, "widgets")
    mkdirSync(join(chart, "templates"), { recursive: true })
    writeFileSync(join(chart, "Chart.yaml"), "apiVersion: v2\nname: widgets\nversion: 0.1.0\n")
    writeFileSync(join(chart, "values.yaml"), "value: one\nsecond: true\n")
    writeFileSync(
      join(chart, "templates", "widget.yaml"),
      `apiVersion: ssa.example.com/v1
kind: Widget
metadata:
  name: from-helm
spec:
  items:
  - name: first
    value: {{ .Values.value | quote }}
{{- if .Values.second }}
  - name: second
    value: two
{{- end }}
`,
    )
    const install = await helm("install", "widgets", chart)
    assert.equal(install.code, 0, install.stderr)
    // Another manager adds an item of its own.
    const other = await apply("other", "from-helm", widget("from-helm", "items: [{name: mine, value: m}]"))
    assert.equal(other.code, 0, other.stderr)
    const upgrade = await helm("upgrade", "widgets", chart, "--set", "value=uno", "--set", "second=false")
    assert.equal(upgrade.code, 0, upgrade.stderr)
    const w = await getJson("widget", "from-helm")
    assert.deepEqual(w.spec.items, [
      { name: "first", value: "uno" },
      { name: "mine", value: "m" },
    ])
    assert.deepEqual(fieldsOf(w, "helm")["f:spec"]["f:items"], {
      'k:{"name":"first"}': { ".": {}, "f:name": {}, "f:value": {} },
    })
    const uninstall = await helm("uninstall", "widgets")
    assert.equal(uninstall.code, 0, uninstall.stderr)
  })
})

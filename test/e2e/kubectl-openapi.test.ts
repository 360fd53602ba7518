/** The real kubectl v1.35 reading k8ts's OpenAPI documents: explain, and validation on writes. */
import assert from "node:assert/strict"
import { readFileSync } from "node:fs"
import { join } from "node:path"
import { after, before, describe, test } from "node:test"
import { parseAllDocuments } from "yaml"
import { BUILTIN_RESOURCES, groupVersion } from "../../src/api/index.ts"
import { startTestApiServer, type TestApiServer, kubectlSession } from "../../src/testing/index.ts"

let srv: TestApiServer

before(async () => {
  srv = await startTestApiServer()
})
after(async () => {
  await srv?.stop()
})

const { k, ok, file } = kubectlSession(() => srv)

function deployment(name: string, containerExtra = "", specExtra = ""): string {
  return `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
spec:
${specExtra}  selector:
    matchLabels: {app: ${name}}
  template:
    metadata:
      labels: {app: ${name}}
    spec:
      containers:
      - name: c
        image: nginx
        ports: [{containerPort: 80}]
${containerExtra}`
}

describe("kubectl with OpenAPI", () => {
  test("explain prints a field's type, description and subfields", async () => {
    const out = await ok("explain", "deployment.spec.strategy")
    assert.match(out, /^GROUP:\s+apps$/m)
    assert.match(out, /^KIND:\s+Deployment$/m)
    assert.match(out, /^FIELD: strategy <DeploymentStrategy>$/m)
    assert.match(out, /^DESCRIPTION:\n\s+The deployment strategy to use/m)
    assert.match(out, /^ {2}rollingUpdate\t<RollingUpdateDeployment>$/m)
    assert.match(out, /^ {2}type\t<string>$/m)
    // An enum field lists its values, from the schema's enum.
    assert.match(out, /^ {2}type\t<string>\n {2}enum: Recreate, RollingUpdate$/m)
    assert.match(
      await ok("explain", "pod.spec.restartPolicy"),
      /^ENUM:\n {4}Always\n {4}Never\n {4}OnFailure$/m,
    )
  })

  test("explain --recursive walks the whole pod", async () => {
    const out = await ok("explain", "pods", "--recursive")
    assert.match(out, /^ {2}spec\t<PodSpec>$/m)
    assert.match(out, /^ {4}containers\t<\[\]Container> -required-$/m)
    assert.match(out, /^ {6}livenessProbe\t<Probe>$/m)
    assert.match(out, /^ {8}httpGet\t<HTTPGetAction>$/m)
    assert.match(out, /^ {10}port\t<IntOrString> -required-$/m)
    assert.match(out, /^ {4}volumes\t<\[\]Volume>$/m)
    assert.match(out, /^ {6}emptyDir\t<EmptyDirVolumeSource>$/m)
    assert.match(out, /^ {4}creationTimestamp\t<string>$/m)
  })

  test("explain knows every served kind", async () => {
    for (const r of BUILTIN_RESOURCES) {
      const out = await ok("explain", r.resource, `--api-version=${groupVersion(r)}`)
      assert.match(out, new RegExp(`^KIND:\\s+${r.kind}$`, "m"), `${r.resource} ${groupVersion(r)}`)
      assert.match(out, /^FIELDS:$/m, `${r.resource} ${groupVersion(r)}`)
    }
  })

  test("apply -f creates, then finds nothing to change, validating strictly by default", async () => {
    const f = file("web.yaml", deployment("web"))
    assert.match(await ok("apply", "-f", f), /^deployment\.apps\/web created$/m)
    assert.match(await ok("apply", "-f", f), /^deployment\.apps\/web unchanged$/m)
    const obj = JSON.parse(await ok("get", "deploy", "web", "-o", "json"))
    assert.ok(obj.metadata.annotations["kubectl.kubernetes.io/last-applied-configuration"])
  })

  test("apply -f of many kinds with most of their fields passes strict validation without warnings", async () => {
    const r = await k("apply", "-f", join(import.meta.dirname, "testdata", "many-kinds.yaml"))
    assert.equal(r.code, 0, r.stderr)
    assert.equal(r.stderr, "")
    assert.match(r.stdout, /^ingress\.networking\.k8s\.io\/web created$/m)
    assert.match(r.stdout, /^persistentvolume\/pv1 created$/m)
    const pv = JSON.parse(await ok("get", "pv", "pv1", "-o", "json"))
    assert.equal(pv.spec.hostPath.path, "/tmp/pv1")
  })

  test("create -f with an unknown field fails with the strict decoding error", async () => {
    const f = file("bad.yaml", deployment("bad", "        foo: 1\n", "  bar: x\n"))
    const r = await k("create", "-f", f)
    assert.equal(r.code, 1)
    assert.match(
      r.stderr,
      /Error from server \(BadRequest\): error when creating ".*bad\.yaml": Deployment in version "v1" cannot be handled as a Deployment: strict decoding error: unknown field "spec\.bar", unknown field "spec\.template\.spec\.containers\[0\]\.foo"/,
    )
    assert.equal((await k("get", "deploy", "bad")).code, 1)
  })

  test("create -f --validate=warn warns, --validate=false is silent; the fields are dropped", async () => {
    const warn = await k(
      "create",
      "--validate=warn",
      "-f",
      file("w.yaml", deployment("warned", "        foo: 1\n")),
    )
    assert.equal(warn.code, 0, warn.stderr)
    assert.match(warn.stderr, /^Warning: unknown field "spec\.template\.spec\.containers\[0\]\.foo"$/m)
    const off = await k(
      "create",
      "--validate=false",
      "-f",
      file("o.yaml", deployment("silent", "        foo: 1\n")),
    )
    assert.equal(off.code, 0, off.stderr)
    assert.doesNotMatch(off.stderr, /Warning/)
    const obj = JSON.parse(await ok("get", "deploy", "silent", "-o", "json"))
    assert.equal("foo" in obj.spec.template.spec.containers[0], false)
  })

  test("replace -f is validated strictly too", async () => {
    await ok("create", "-f", file("rep.yaml", deployment("rep")))
    const obj = JSON.parse(await ok("get", "deploy", "rep", "-o", "json"))
    obj.spec.nope = true
    const r = await k("replace", "-f", file("rep-bad.json", JSON.stringify(obj)))
    assert.equal(r.code, 1)
    assert.match(r.stderr, /strict decoding error: unknown field "spec\.nope"/)
    delete obj.spec.nope
    obj.spec.replicas = 3
    assert.match(await ok("replace", "-f", file("rep-ok.json", JSON.stringify(obj))), /replaced/)
    assert.equal(await ok("get", "deploy", "rep", "-o", "jsonpath={.spec.replicas}"), "3")
  })

  /** A `kind: List` file of the given items. */
  function list(name: string, items: object[]): string {
    return file(name, JSON.stringify({ apiVersion: "v1", kind: "List", items }))
  }

  function configMap(name: string, data: Record<string, unknown>) {
    return { apiVersion: "v1", kind: "ConfigMap", metadata: { name }, data }
  }

  function service(name: string, ports: object[]) {
    return { apiVersion: "v1", kind: "Service", metadata: { name }, spec: { selector: { app: name }, ports } }
  }

  test("apply -f of a kind: List validates it against /openapi/v2 in protobuf, then applies each item", async () => {
    const f = list("list.json", [configMap("listed", { a: "1" }), service("listed", [{ port: 80 }])])
    const r = await k("apply", "-f", f, "-v=6")
    assert.equal(r.code, 0, r.stderr)
    assert.match(r.stderr, /"Response" verb="GET" url="[^"]*\/openapi\/v2\?timeout=32s" status="200 OK"/)
    assert.match(r.stdout, /^configmap\/listed created$/m)
    assert.match(r.stdout, /^service\/listed created$/m)

    const changed = list("list2.json", [
      configMap("listed", { a: "2" }),
      service("listed", [
        { name: "http", port: 80 },
        { name: "alt", port: 8080, targetPort: "web" },
      ]),
    ])
    const again = await k("apply", "-f", changed)
    assert.equal(again.code, 0, again.stderr)
    assert.match(again.stdout, /^configmap\/listed configured$/m)
    assert.match(again.stdout, /^service\/listed configured$/m)
    assert.equal(await ok("get", "cm", "listed", "-o", "jsonpath={.data.a}"), "2")
    assert.equal(await ok("get", "svc", "listed", "-o", "jsonpath={.spec.ports[*].port}"), "80 8080")
    assert.match(await ok("explain", "configmap.data"), /^FIELD: data <map\[string\]string>$/m)
  })

  test("a List of many kinds with most of their fields passes kubectl's client-side validation", async () => {
    const yaml = readFileSync(join(import.meta.dirname, "testdata", "many-kinds.yaml"), "utf8")
    const f = list(
      "many-kinds.json",
      parseAllDocuments(yaml).map((d) => d.toJS() as object),
    )
    const r = await k("apply", "--dry-run=client", "-f", f)
    assert.equal(r.code, 0, r.stderr)
    assert.equal(r.stderr, "")
    assert.match(r.stdout, /^persistentvolume\/pv1 (created|unchanged|configured) \(dry run\)$/m)
  })

  test("a List holding a pod with an unknown field fails kubectl's client-side validation", async () => {
    const pod = {
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "listed-bad" },
      spec: { containers: [{ name: "c", image: "nginx", bogus: 1 }] },
    }
    const f = list("bad-list.json", [configMap("listed-bad", { a: "1" }), pod])
    for (const verb of ["apply", "create"]) {
      const r = await k(verb, "-f", f)
      assert.equal(r.code, 1, verb)
      assert.equal(
        r.stderr.trim(),
        `error: error validating "${f}": error validating data: ValidationError(Pod.spec.containers[0]): ` +
          'unknown field "bogus" in io.k8s.api.core.v1.Container; if you choose to ignore these errors, ' +
          "turn validation off with --validate=false",
      )
    }
    assert.equal((await k("get", "cm", "listed-bad")).code, 1)
    assert.equal((await k("get", "pod", "listed-bad")).code, 1)
  })

  test("apply --validate=strict of a pod with an unknown field fails with the server's strict decoding error", async () => {
    const f = file(
      "strict-pod.yaml",
      "apiVersion: v1\nkind: Pod\nmetadata: {name: strict}\nspec:\n  containers:\n  - {name: c, image: nginx, bogus: 1}\n",
    )
    const r = await k("apply", "--validate=strict", "-f", f)
    assert.equal(r.code, 1)
    assert.match(
      r.stderr,
      /^Error from server \(BadRequest\): error when creating ".*strict-pod\.yaml": Pod in version "v1" cannot be handled as a Pod: strict decoding error: unknown field "spec\.containers\[0\]\.bogus"$/m,
    )
    assert.equal((await k("get", "pod", "strict")).code, 1)
  })

  test("a List of custom resources is validated as upstream publishes their schemas in v2", async () => {
    const crd = (kind: string, plural: string, schema: string) => `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: ${plural}.ex.com}
spec:
  group: ex.com
  scope: Namespaced
  names: {plural: ${plural}, singular: ${kind.toLowerCase()}, kind: ${kind}}
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema: ${schema}
`
    const widget = `
        type: object
        properties:
          spec:
            type: object
            properties:
              size: {x-kubernetes-int-or-string: true, anyOf: [{type: integer}, {type: string}]}
              free: {type: object, x-kubernetes-preserve-unknown-fields: true}
              note: {type: string, nullable: true}
              color: {type: string, enum: [red, blue]}`
    const crds = [
      crd("Widget", "widgets", widget),
      crd("Blob", "blobs", "{type: object, x-kubernetes-preserve-unknown-fields: true}"),
    ].join("---\n")
    await ok("apply", "-f", file("crds.yaml", crds))
    await ok("wait", "--for=condition=Established", "crd/widgets.ex.com", "crd/blobs.ex.com")

    const w = (name: string, spec: object) => ({
      apiVersion: "ex.com/v1",
      kind: "Widget",
      metadata: { name },
      spec,
    })
    const good = list("crs.json", [
      w("w1", { size: 3, free: { any: { thing: 1 } }, note: null, color: "red" }),
      { apiVersion: "ex.com/v1", kind: "Blob", metadata: { name: "b1" }, spec: { x: 1 }, extra: true },
    ])
    const r = await k("apply", "-f", good)
    assert.equal(r.code, 0, r.stderr)
    assert.match(r.stdout, /^widget\.ex\.com\/w1 created$/m)
    assert.match(r.stdout, /^blob\.ex\.com\/b1 created$/m)

    const bad = await k("apply", "-f", list("bad-crs.json", [w("w2", { size: "2", shape: "round" })]))
    assert.equal(bad.code, 1)
    assert.match(
      bad.stderr,
      /error validating data: ValidationError\(Widget\.spec\): unknown field "shape" in com\.ex\.v1\.Widget\.spec;/,
    )
  })
})

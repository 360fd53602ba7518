/** The real kubectl v1.35 against CustomResourceDefinitions and their custom resources. */
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
  name: crontabs.stable.example.com
spec:
  group: stable.example.com
  scope: Namespaced
  names:
    plural: crontabs
    singular: crontab
    kind: CronTab
    shortNames: [ct]
    categories: [all]
  versions:
  - name: v1
    served: true
    storage: true
    subresources:
      status: {}
      scale:
        specReplicasPath: .spec.replicas
        statusReplicasPath: .status.replicas
    additionalPrinterColumns:
    - name: Spec
      type: string
      jsonPath: .spec.cronSpec
    - name: Replicas
      type: integer
      jsonPath: .spec.replicas
    - name: Image
      type: string
      priority: 1
      jsonPath: .spec.image
    - name: Age
      type: date
      jsonPath: .metadata.creationTimestamp
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            properties:
              cronSpec: {type: string}
              image: {type: string}
              replicas: {type: integer, minimum: 0, default: 1}
          status:
            type: object
            properties:
              replicas: {type: integer}
`

function crontab(name: string, image: string): string {
  return `apiVersion: stable.example.com/v1
kind: CronTab
metadata:
  name: ${name}
spec:
  cronSpec: "* * * * */5"
  image: ${image}
`
}

describe("kubectl and CRDs", () => {
  test("a CRD is created and becomes established", async () => {
    const applied = await k("apply", "-f", file("crd.yaml", CRD))
    if (applied.code !== 0) {
      // kubectl apply needs /openapi/v3, served by another part of k8ts: fall back to create.
      assert.match(applied.stderr, /openapi|validat/i)
      await ok("create", "--validate=false", "-f", file("crd.yaml", CRD))
    }
    await ok("wait", "--for", "condition=established", "--timeout=20s", "crd/crontabs.stable.example.com")
    const crds = await ok("get", "crd")
    assert.match(crds, /^crontabs\.stable\.example\.com\s/m)
    const res = await ok("api-resources", "--api-group=stable.example.com")
    assert.match(res, /^crontabs\s+ct\s+stable\.example\.com\/v1\s+true\s+CronTab$/m)
  })

  test("custom resources by plural, short name and category, with printer columns", async () => {
    await ok("create", "--validate=false", "-f", file("a.yaml", crontab("tab-a", "nginx")))
    await ok("create", "--validate=false", "-f", file("b.yaml", crontab("tab-b", "redis")))
    const plain = await ok("get", "crontabs")
    assert.match(plain, /^NAME\s+SPEC\s+REPLICAS\s+AGE$/m)
    assert.match(plain, /^tab-a\s+\* \* \* \* \*\/5\s+1\s+\d+s$/m)
    const wide = await ok("get", "ct", "-o", "wide")
    assert.match(wide, /^NAME\s+SPEC\s+REPLICAS\s+IMAGE\s+AGE$/m)
    assert.match(wide, /^tab-b\s+\* \* \* \* \*\/5\s+1\s+redis\s+\d+s$/m)
    const all = await ok("get", "all")
    assert.match(all, /crontab\.stable\.example\.com\/tab-a/)
    const json = JSON.parse(await ok("get", "crontab", "tab-a", "-o", "json"))
    assert.equal(json.spec.replicas, 1)
  })

  test("kubectl apply and create validate custom resources; explain reads their schema", async () => {
    const bogus = `${crontab("tab-c", "nginx")}  bogus: 1\n`
    const strict = await k("create", "-f", file("c.yaml", bogus))
    assert.notEqual(strict.code, 0)
    assert.match(
      strict.stderr,
      /CronTab in version "v1" cannot be handled as a CronTab: strict decoding error: unknown field "spec\.bogus"/,
    )
    await ok("apply", "-f", file("d.yaml", crontab("tab-d", "nginx")))
    await ok("apply", "-f", file("d.yaml", crontab("tab-d", "httpd")))
    await ok("apply", "--server-side", "-f", file("e.yaml", crontab("tab-e", "nginx")))
    assert.equal(JSON.parse(await ok("get", "ct", "tab-d", "-o", "json")).spec.image, "httpd")
    const explain = await ok("explain", "crontabs.spec")
    assert.match(explain, /KIND:\s+CronTab/)
    assert.match(explain, /replicas\s+<integer>/)
    // The CRD's own fields are described, as upstream's OpenAPI describes them.
    assert.match(await ok("explain", "crd.spec.names.plural"), /plural is the plural name of the resource/)
    await ok("delete", "ct", "tab-d", "tab-e")
  })

  test("kubectl scale, patch, and a strategic merge patch refused", async () => {
    await ok("scale", "crontab/tab-a", "--replicas=3")
    const json = JSON.parse(await ok("get", "crontab", "tab-a", "-o", "json"))
    assert.equal(json.spec.replicas, 3)
    await ok("patch", "crontab", "tab-a", "--type=merge", "-p", '{"spec":{"image":"busybox"}}')
    const smp = await k("patch", "crontab", "tab-a", "-p", '{"spec":{"image":"x"}}')
    assert.notEqual(smp.code, 0)
    assert.match(smp.stderr, /UnsupportedMediaType|unknown format|strategic merge patch/i)
    const invalid = await k("patch", "crontab", "tab-a", "--type=merge", "-p", '{"spec":{"replicas":"many"}}')
    assert.notEqual(invalid.code, 0)
    assert.match(invalid.stderr, /spec\.replicas in body must be of type integer: "string"/)
  })

  test("kubectl delete crd removes its objects", async () => {
    await ok("delete", "crd", "crontabs.stable.example.com", "--timeout=30s")
    const { entries } = await server().store.list("/registry/stable.example.com/crontabs/")
    assert.equal(entries.length, 0)
    const gone = await k("get", "crontabs")
    assert.notEqual(gone.code, 0)
  })
})

describe("helm and CRDs", () => {
  test("a chart's CRD is installed first; its custom resources install, upgrade and uninstall", async () => {
    const srv = server()
    const helm = (...args: string[]) => run(helmPath(), args, { env: srv.env })
    const chart = join(srv.dir, "chart")
    mkdirSync(join(chart, "crds"), { recursive: true })
    mkdirSync(join(chart, "templates"), { recursive: true })
    writeFileSync(join(chart, "Chart.yaml"), "apiVersion: v2\nname: tabs\nversion: 0.1.0\n")
    writeFileSync(join(chart, "crds", "crontab.yaml"), CRD)
    writeFileSync(
      join(chart, "templates", "tab.yaml"),
      `apiVersion: stable.example.com/v1
kind: CronTab
metadata:
  name: from-helm
spec:
  cronSpec: "* * * * *"
  image: {{ .Values.image | default "nginx" }}
`,
    )
    const install = await helm("install", "tabs", chart)
    assert.equal(install.code, 0, install.stderr)
    assert.match(await ok("get", "crontabs"), /^from-helm\s/m)
    const upgrade = await helm("upgrade", "tabs", chart, "--set", "image=redis")
    assert.equal(upgrade.code, 0, upgrade.stderr)
    assert.match(await ok("get", "crontabs", "-o", "wide"), /^from-helm\s+\* \* \* \* \*\s+1\s+redis\s/m)
    const uninstall = await helm("uninstall", "tabs")
    assert.equal(uninstall.code, 0, uninstall.stderr)
    assert.doesNotMatch(await ok("get", "crontabs"), /from-helm/)
    // Helm keeps CRDs on uninstall, as upstream.
    await ok("delete", "crd", "crontabs.stable.example.com")
  })
})

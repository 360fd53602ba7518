/** The real kubectl v1.35 against the API server (plain HTTP on loopback). */
import assert from "node:assert/strict"
import { spawn } from "node:child_process"
import { after, before, describe, test } from "node:test"
import {
  kubectlPath,
  startTestApiServer,
  type TestApiServer,
  kubectlSession,
} from "../../src/testing/index.ts"

let srv: TestApiServer
let kubectl: string

before(async () => {
  kubectl = kubectlPath()
  srv = await startTestApiServer()
})
after(async () => {
  await srv?.stop()
})

const { k, ok, file } = kubectlSession(() => srv)

function configMap(name: string, data: Record<string, string>, extra = ""): string {
  return `apiVersion: v1
kind: ConfigMap
metadata:
  name: ${name}
${extra}data:
${Object.entries(data)
  .map(([key, v]) => `  ${key}: "${v}"`)
  .join("\n")}
`
}

describe("kubectl", () => {
  test("version prints the server's version", async () => {
    const out = await ok("version", "-o", "json")
    assert.equal(JSON.parse(out).serverVersion.minor, "35")
  })

  test("get --raw of the health endpoints: verbose lists the checks, one check answers alone", async () => {
    assert.equal(await ok("get", "--raw", "/readyz"), "ok")
    assert.match(await ok("get", "--raw", "/readyz?verbose"), /^\[\+\]ping ok\n[^]*readyz check passed\n$/)
    assert.match(await ok("get", "--raw", "/livez?verbose&exclude=log"), /^\[\+\]log excluded: ok$/m)
    assert.equal(await ok("get", "--raw", "/healthz/ping"), "ok")
    assert.notEqual((await k("get", "--raw", "/readyz/nothing")).code, 0)
  })

  test("api-resources and api-versions list the built-in resources", async () => {
    const res = await ok("api-resources")
    for (const r of ["pods", "deployments", "horizontalpodautoscalers", "leases", "endpointslices"])
      assert.match(res, new RegExp(`^${r}\\s`, "m"))
    assert.match(res, /^deployments\s+deploy\s+apps\/v1\s+true\s+Deployment$/m)
    const versions = await ok("api-versions")
    for (const v of ["v1", "apps/v1", "batch/v1", "autoscaling/v1", "autoscaling/v2"])
      assert.match(versions, new RegExp(`^${v.replace("/", "\\/")}$`, "m"))
  })

  test("create -f, then get in every output format", async () => {
    await ok("create", "--validate=false", "-f", file("a.yaml", configMap("out-a", { k: "v1" })))
    const y = await ok("get", "configmap", "out-a", "-o", "yaml")
    assert.match(y, /^kind: ConfigMap$/m)
    assert.match(y, /^ {2}k: v1$/m)
    const j = JSON.parse(await ok("get", "cm", "out-a", "-o", "json"))
    assert.equal(j.data.k, "v1")
    assert.equal(await ok("get", "cm", "out-a", "-o", "jsonpath={.data.k}"), "v1")
    const cols = await ok("get", "cm", "out-a", "-o", "custom-columns=NAME:.metadata.name,K:.data.k")
    assert.match(cols, /^NAME\s+K\nout-a\s+v1\n$/)
    assert.equal((await ok("get", "cm", "out-a", "-o", "name")).trim(), "configmap/out-a")
  })

  test("get of a missing object prints upstream's NotFound", async () => {
    const r = await k("get", "pod", "nope")
    assert.equal(r.code, 1)
    assert.match(r.stderr, /Error from server \(NotFound\): pods "nope" not found/)
  })

  test("a deprecated API's requests print upstream's warning, errors included", async () => {
    const warning =
      /^Warning: v1 Endpoints is deprecated in v1\.33\+; use discovery\.k8s\.io\/v1 EndpointSlice$/m
    const list = await k("get", "endpoints", "-n", "default")
    assert.equal(list.code, 0, list.stderr)
    assert.match(list.stderr, warning)
    const missing = await k("get", "ep", "nope")
    assert.match(missing.stderr, warning)
    assert.match(missing.stderr, /Error from server \(NotFound\): endpoints "nope" not found/)
    assert.doesNotMatch((await k("get", "endpointslices")).stderr, /Warning/)
  })

  test("label and annotate, then select by label", async () => {
    await ok("create", "--validate=false", "-f", file("l.yaml", configMap("lab", { a: "1" })))
    await ok("label", "cm", "lab", "tier=web")
    await ok("annotate", "cm", "lab", "note=hello")
    const j = JSON.parse(await ok("get", "cm", "-l", "tier=web", "-o", "json"))
    assert.deepEqual(
      j.items.map((x: any) => x.metadata.name),
      ["lab"],
    )
    assert.equal(j.items[0].metadata.annotations.note, "hello")
    assert.equal(JSON.parse(await ok("get", "cm", "-l", "tier in (db,cache)", "-o", "json")).items.length, 0)
  })

  test("patch with merge and json patches", async () => {
    await ok("create", "--validate=false", "-f", file("p.yaml", configMap("pat", { a: "1" })))
    await ok("patch", "cm", "pat", "--type=merge", "-p", '{"data":{"b":"2"}}')
    await ok("patch", "cm", "pat", "--type=json", "-p", '[{"op":"replace","path":"/data/a","value":"9"}]')
    // A replace of a key the object lacks adds it, as upstream's json-patch v4 does.
    await ok("patch", "cm", "pat", "--type=json", "-p", '[{"op":"replace","path":"/data/c","value":"3"}]')
    const j = JSON.parse(await ok("get", "cm", "pat", "-o", "json"))
    assert.deepEqual(j.data, { a: "9", b: "2", c: "3" })
    const bad = await k(
      "patch",
      "cm",
      "pat",
      "--type=json",
      "-p",
      '[{"op":"test","path":"/data/a","value":"nope"}]',
    )
    assert.notEqual(bad.code, 0)
    assert.match(bad.stderr, /the server rejected our request due to an error in our request/)
  })

  test("replace with a stale resourceVersion is refused", async () => {
    await ok("create", "--validate=false", "-f", file("r.yaml", configMap("rep", { a: "1" })))
    const current = JSON.parse(await ok("get", "cm", "rep", "-o", "json"))
    await ok("patch", "cm", "rep", "--type=merge", "-p", '{"data":{"a":"2"}}')
    current.data.a = "3"
    const r = await k("replace", "--validate=false", "-f", file("stale.json", JSON.stringify(current)))
    assert.equal(r.code, 1)
    assert.match(
      r.stderr,
      /the object has been modified; please apply your changes to the latest version and try again/,
    )
    assert.equal(await ok("get", "cm", "rep", "-o", "jsonpath={.data.a}"), "2")
  })

  test("pagination with --chunk-size returns every object", async () => {
    await ok(
      "create",
      "--validate=false",
      "-f",
      file("ns.yaml", "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: chunky\n"),
    )
    const docs = Array.from({ length: 12 }, (_, i) =>
      configMap(`c${String(i).padStart(2, "0")}`, { i: String(i) }),
    ).join("---\n")
    await ok("create", "--validate=false", "-n", "chunky", "-f", file("many.yaml", docs))
    const names = (await ok("get", "cm", "-n", "chunky", "--chunk-size=5", "-o", "name")).trim().split("\n")
    assert.equal(names.length, 12)
    assert.equal(names[0], "configmap/c00")
    assert.equal(names[11], "configmap/c11")
  })

  test("delete waits for finalizers, and --cascade=orphan records the orphan finalizer", async () => {
    await ok(
      "create",
      "--validate=false",
      "-f",
      file("f.yaml", configMap("fin", { a: "1" }, "  finalizers: [example.com/hold]\n")),
    )
    const deleting = k("delete", "cm", "fin", "--timeout=30s")
    // Wait until the delete has been recorded, then release the finalizer.
    for (let i = 0; i < 100; i++) {
      const ts = await ok("get", "cm", "fin", "-o", "jsonpath={.metadata.deletionTimestamp}")
      if (ts) break
      await new Promise((r) => setTimeout(r, 50))
    }
    await ok("patch", "cm", "fin", "--type=merge", "-p", '{"metadata":{"finalizers":null}}')
    const d = await deleting
    assert.equal(d.code, 0, d.stderr)
    assert.match(d.stdout, /configmap "fin" deleted/)
    assert.equal((await k("get", "cm", "fin")).code, 1)

    await ok("create", "--validate=false", "-f", file("o.yaml", configMap("orph", { a: "1" })))
    await ok("delete", "cm", "orph", "--cascade=orphan", "--wait=false")
    const j = JSON.parse(await ok("get", "cm", "orph", "-o", "json"))
    assert.deepEqual(j.metadata.finalizers, ["orphan"])
    assert.ok(j.metadata.deletionTimestamp)
    await ok("patch", "cm", "orph", "--type=merge", "-p", '{"metadata":{"finalizers":null}}')
    await ok("create", "--validate=false", "-f", file("b.yaml", configMap("bg", { a: "1" })))
    assert.match(await ok("delete", "cm", "bg", "--cascade=background"), /configmap "bg" deleted/)
  })

  test("get -w streams changes from the list's resourceVersion", async () => {
    await ok("create", "--validate=false", "-f", file("w.yaml", configMap("watched", { a: "1" })))
    const child = spawn(
      kubectl,
      ["get", "cm", "watched", "-w", "-o", 'jsonpath={.data.a}{"\\n"}', "--output-watch-events=false"],
      {
        env: srv.env,
      },
    )
    let out = ""
    child.stdout.on("data", (c) => (out += String(c)))
    for (let i = 0; i < 100 && !out.includes("1"); i++) await new Promise((r) => setTimeout(r, 50))
    await ok("patch", "cm", "watched", "--type=merge", "-p", '{"data":{"a":"2"}}')
    for (let i = 0; i < 100 && !out.includes("2"); i++) await new Promise((r) => setTimeout(r, 50))
    child.kill("SIGTERM")
    assert.deepEqual(out.trim().split("\n"), ["1", "2"])
  })

  test("malformed bodies get a BadRequest Status", async () => {
    const r = await k(
      "create",
      "--raw",
      "/api/v1/namespaces/default/configmaps",
      "-f",
      file("bad.json", "{not json"),
    )
    assert.equal(r.code, 1)
    assert.match(r.stderr, /BadRequest|could not be decoded/)
  })
})

/** The real kubectl's server-side apply: conflicts, --force-conflicts, and migrating from and to client-side apply. */
import assert from "node:assert/strict"
import { after, before, describe, test } from "node:test"
import { startTestApiServer, type TestApiServer, kubectlSession } from "../../src/testing/index.ts"

let srv: TestApiServer

before(async () => {
  srv = await startTestApiServer()
})
after(async () => {
  await srv?.stop()
})

const { k, ok, file } = kubectlSession(() => srv)

async function getJson(...args: string[]): Promise<any> {
  return JSON.parse(await ok("get", ...args, "-o", "json", "--show-managed-fields"))
}

function deployment(name: string, opts: { replicas: number; image: string; env?: string }): string {
  return `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
  labels: {app: ${name}}
spec:
  replicas: ${opts.replicas}
  selector:
    matchLabels: {app: ${name}}
  template:
    metadata:
      labels: {app: ${name}}
    spec:
      containers:
      - name: web
        image: ${opts.image}
${opts.env ? `        env:\n        - {name: MODE, value: ${opts.env}}\n` : ""}        ports:
        - containerPort: 80
`
}

function managers(obj: any): string[] {
  return (obj.metadata.managedFields ?? []).map(
    (e: any) => `${e.manager}/${e.operation}${e.subresource ? `/${e.subresource}` : ""}`,
  )
}

describe("kubectl apply --server-side", () => {
  test("creates the object and records kubectl's Apply ownership", async () => {
    const f = file("s1.yaml", deployment("ssa-a", { replicas: 1, image: "nginx", env: "a" }))
    assert.match(
      await ok("apply", "--server-side", "--validate=false", "-f", f),
      /deployment.apps\/ssa-a serverside-applied/,
    )
    const d = await getJson("deployment", "ssa-a")
    assert.deepEqual(managers(d), ["kubectl/Apply"])
    const spec = d.metadata.managedFields[0].fieldsV1["f:spec"]
    assert.deepEqual(spec["f:replicas"], {})
    const web = spec["f:template"]["f:spec"]["f:containers"]['k:{"name":"web"}']
    assert.deepEqual(web["."], {})
    assert.ok(web["f:env"]['k:{"name":"MODE"}'])
    assert.ok(web["f:ports"]['k:{"containerPort":80,"protocol":"TCP"}'])
  })

  test("a field another manager changed is a conflict until --force-conflicts", async () => {
    const f = file("s2.yaml", deployment("ssa-b", { replicas: 1, image: "nginx" }))
    await ok("apply", "--server-side", "--validate=false", "-f", f)
    await ok("scale", "deployment", "ssa-b", "--replicas=3")
    const again = file("s2b.yaml", deployment("ssa-b", { replicas: 2, image: "nginx" }))
    const r = await k("apply", "--server-side", "--validate=false", "-f", again)
    assert.equal(r.code, 1)
    assert.match(
      r.stderr,
      /Apply failed with 1 conflict: conflict with "kubectl" with subresource "scale" using apps\/v1: \.spec\.replicas/,
    )
    assert.equal((await getJson("deployment", "ssa-b")).spec.replicas, 3)
    // Applying the live value is no conflict: the field is then shared.
    const same = file("s2c.yaml", deployment("ssa-b", { replicas: 3, image: "nginx:2" }))
    await ok("apply", "--server-side", "--validate=false", "-f", same)
    await ok("apply", "--server-side", "--force-conflicts", "--validate=false", "-f", again)
    const d = await getJson("deployment", "ssa-b")
    assert.equal(d.spec.replicas, 2)
    assert.equal(d.spec.template.spec.containers[0].image, "nginx")
    assert.deepEqual(managers(d), ["kubectl/Apply"])
  })

  test("--subresource=scale sends the object's own kind, which a Scale's apply refuses as upstream", async () => {
    // kubectl maps the file's kind (a Scale has no REST mapping), so it sends a Deployment;
    // upstream's field manager of /scale takes only a Scale (the API's own test applies one).
    const f = file("s6.yaml", deployment("ssa-s", { replicas: 1, image: "nginx" }))
    await ok("apply", "--server-side", "--validate=false", "-f", f)
    const r = await k("apply", "--server-side", "--subresource=scale", "--validate=false", "-f", f)
    assert.equal(r.code, 1, r.stdout)
    assert.match(r.stderr, /\(BadRequest\).*invalid object type: apps\/v1, Kind=Deployment/)
  })

  test("fields dropped from the applied configuration are removed", async () => {
    await ok(
      "apply",
      "--server-side",
      "--validate=false",
      "-f",
      file("s3.yaml", deployment("ssa-c", { replicas: 1, image: "nginx", env: "a" })),
    )
    await ok(
      "apply",
      "--server-side",
      "--validate=false",
      "-f",
      file("s3b.yaml", deployment("ssa-c", { replicas: 1, image: "nginx" })),
    )
    const d = await getJson("deployment", "ssa-c")
    assert.equal(d.spec.template.spec.containers[0].env, undefined)
    assert.deepEqual(d.spec.template.spec.containers[0].ports, [{ containerPort: 80, protocol: "TCP" }])
  })

  test("client-side apply migrates to server-side and back", async () => {
    const v1 = file("m1.yaml", deployment("ssa-d", { replicas: 1, image: "nginx" }))
    assert.match(await ok("apply", "--validate=false", "-f", v1), /created/)
    assert.deepEqual(managers(await getJson("deployment", "ssa-d")), ["kubectl-client-side-apply/Update"])
    // kubectl moves the client-side manager's fields to its Apply entry with a JSON patch.
    await ok("apply", "--server-side", "--validate=false", "-f", v1)
    let d = await getJson("deployment", "ssa-d")
    assert.deepEqual(managers(d).sort(), ["kubectl-last-applied/Apply", "kubectl/Apply"])
    const v2 = file("m2.yaml", deployment("ssa-d", { replicas: 2, image: "nginx:2" }))
    await ok("apply", "--server-side", "--validate=false", "-f", v2)
    d = await getJson("deployment", "ssa-d")
    assert.equal(d.spec.replicas, 2)
    // The last-applied annotation follows server-side applies, so client-side apply still diffs right.
    assert.match(d.metadata.annotations["kubectl.kubernetes.io/last-applied-configuration"], /nginx:2/)
    const v3 = file("m3.yaml", deployment("ssa-d", { replicas: 4, image: "nginx:3" }))
    assert.match(await ok("apply", "--validate=false", "-f", v3), /configured/)
    d = await getJson("deployment", "ssa-d")
    assert.equal(d.spec.replicas, 4)
    assert.equal(d.spec.template.spec.containers[0].image, "nginx:3")
    assert.ok(managers(d).includes("kubectl-client-side-apply/Update"))
  })

  test("other writers record Update entries named after their manager", async () => {
    await ok("create", "deployment", "ssa-e", "--image=nginx")
    await ok("label", "deployment", "ssa-e", "tier=web")
    await ok("set", "image", "deployment/ssa-e", "nginx=nginx:2")
    const d = await getJson("deployment", "ssa-e")
    assert.deepEqual(managers(d).sort(), [
      "kubectl-create/Update",
      "kubectl-label/Update",
      "kubectl-set/Update",
    ])
    const set = d.metadata.managedFields.find((e: any) => e.manager === "kubectl-set")
    assert.deepEqual(set.fieldsV1, {
      "f:spec": {
        "f:template": { "f:spec": { "f:containers": { 'k:{"name":"nginx"}': { "f:image": {} } } } },
      },
    })
  })
})

/**
 * The real kubectl's strategic merge patches (patch, set image, rollout restart, apply, cordon),
 * and merge patches whose body is not an object.
 */
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

const { k, ok, getJson, file } = kubectlSession(() => srv)

/** A Deployment manifest with the given containers (name=image pairs) and extra pod spec lines. */
function deployment(name: string, containers: Record<string, string>, extra = ""): string {
  return `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
spec:
  replicas: 1
  selector:
    matchLabels: {app: ${name}}
  template:
    metadata:
      labels: {app: ${name}}
    spec:
${extra}      containers:
${Object.entries(containers)
  .map(
    ([c, image]) =>
      `      - name: ${c}\n        image: ${image}\n        ports:\n        - containerPort: 80`,
  )
  .join("\n")}
`
}

describe("kubectl strategic merge", () => {
  test("patch (strategic by default) merges containers by name", async () => {
    await ok("create", "--validate=false", "-f", file("d1.yaml", deployment("smp-a", { web: "nginx" })))
    await ok(
      "patch",
      "deployment",
      "smp-a",
      "-p",
      '{"spec":{"template":{"spec":{"containers":[{"name":"sidecar","image":"redis"}]}}}}',
    )
    const d = await getJson("deployment", "smp-a")
    assert.deepEqual(
      d.spec.template.spec.containers.map((c: any) => `${c.name}=${c.image}`),
      ["sidecar=redis", "web=nginx"],
    )
    assert.equal(d.metadata.generation, 2)
    await ok(
      "patch",
      "deployment",
      "smp-a",
      "--type=strategic",
      "-p",
      '{"spec":{"template":{"spec":{"containers":[{"name":"sidecar","$patch":"delete"}]}}}}',
    )
    assert.deepEqual(
      (await getJson("deployment", "smp-a")).spec.template.spec.containers.map((c: any) => c.name),
      ["web"],
    )
  })

  test("set image and rollout restart patch the pod template", async () => {
    await ok(
      "create",
      "--validate=false",
      "-f",
      file("d2.yaml", deployment("smp-b", { a: "nginx:1", b: "busybox" })),
    )
    await ok("set", "image", "deployment/smp-b", "a=nginx:2")
    await ok("rollout", "restart", "deployment/smp-b")
    const d = await getJson("deployment", "smp-b")
    assert.deepEqual(
      d.spec.template.spec.containers.map((c: any) => `${c.name}=${c.image}`),
      ["a=nginx:2", "b=busybox"],
    )
    assert.match(d.spec.template.metadata.annotations["kubectl.kubernetes.io/restartedAt"], /^\d{4}-/)
  })

  test("client-side apply twice: the three-way patch changes, adds and removes list items", async () => {
    const tolerations = "      tolerations:\n      - {key: a, operator: Exists}\n"
    const first = file("apply1.yaml", deployment("smp-c", { web: "nginx", log: "busybox" }, tolerations))
    assert.match(await ok("apply", "--validate=false", "-f", first), /deployment.apps\/smp-c created/)
    // Another writer adds a container kubectl's apply does not manage: it must survive.
    await ok(
      "patch",
      "deployment",
      "smp-c",
      "-p",
      '{"spec":{"template":{"spec":{"containers":[{"name":"extra","image":"x"}]}}}}',
    )
    const changed = "      tolerations:\n      - {key: b, operator: Exists}\n"
    const second = file("apply2.yaml", deployment("smp-c", { metrics: "prom", web: "nginx:2" }, changed))
    assert.match(await ok("apply", "--validate=false", "-f", second), /deployment.apps\/smp-c configured/)
    const d = await getJson("deployment", "smp-c")
    // The applied containers in the applied order; where the other writer's lands is upstream's
    // best effort between the two orders.
    const names = d.spec.template.spec.containers.map((c: any) => `${c.name}=${c.image}`)
    assert.deepEqual([...names].sort(), ["extra=x", "metrics=prom", "web=nginx:2"])
    assert.ok(names.indexOf("metrics=prom") < names.indexOf("web=nginx:2"))
    assert.deepEqual(d.spec.template.spec.tolerations, [{ key: "b", operator: "Exists" }])
    assert.match(d.metadata.annotations["kubectl.kubernetes.io/last-applied-configuration"], /metrics/)
    // Another container than the applied ones makes kubectl send the element order again (as
    // against any server); applying it changes nothing.
    await ok("apply", "--validate=false", "-f", second)
    assert.equal((await getJson("deployment", "smp-c")).metadata.resourceVersion, d.metadata.resourceVersion)
    const plain = file("apply3.yaml", deployment("smp-e", { web: "nginx" }))
    await ok("apply", "--validate=false", "-f", plain)
    assert.match(await ok("apply", "--validate=false", "-f", plain), /deployment.apps\/smp-e unchanged/)
  })

  test("diff shows what a client-side or server-side apply would change, writing nothing", async () => {
    const v1 = file("diff1.yaml", deployment("smp-f", { web: "nginx" }))
    await ok("apply", "--validate=false", "-f", v1)
    assert.equal((await k("diff", "-f", v1)).code, 0)
    const v2 = file("diff2.yaml", deployment("smp-f", { web: "nginx:2" }))
    for (const mode of [[], ["--server-side"]]) {
      const r = await k("diff", ...mode, "-f", v2)
      assert.equal(r.code, 1, r.stderr)
      assert.match(r.stdout, /^-\s+- image: nginx$/m)
      assert.match(r.stdout, /^\+\s+- image: nginx:2$/m)
    }
    const d = await getJson("deployment", "smp-f")
    assert.equal(d.spec.template.spec.containers[0].image, "nginx")
  })

  test("label, annotate and cordon", async () => {
    await ok(
      "create",
      "--validate=false",
      "-f",
      file("node.yaml", "apiVersion: v1\nkind: Node\nmetadata:\n  name: smp-node\n"),
    )
    await ok("label", "node", "smp-node", "zone=a")
    await ok("annotate", "node", "smp-node", "note=x")
    await ok("cordon", "smp-node")
    let n = await getJson("node", "smp-node")
    assert.equal(n.spec.unschedulable, true)
    assert.equal(n.metadata.labels.zone, "a")
    assert.equal(n.metadata.annotations.note, "x")
    await ok("uncordon", "smp-node")
    n = await getJson("node", "smp-node")
    assert.equal(n.spec.unschedulable, undefined)
  })

  test("a malformed directive is a BadRequest", async () => {
    await ok("create", "--validate=false", "-f", file("d3.yaml", deployment("smp-d", { web: "nginx" })))
    const r = await k("patch", "deployment", "smp-d", "-p", '{"spec":{"strategy":{"$retainKeys":"type"}}}')
    assert.equal(r.code, 1)
    assert.match(r.stderr, /Error from server \(BadRequest\): invalid patch format of retainKeys/)
  })
})

describe("kubectl patch --type merge", () => {
  // kubectl sends no fieldValidation: upstream's default (Warn) first reads the body into a map
  const cases: { name: string; patch: string; stderr: string }[] = [
    {
      name: "an array",
      patch: "[]",
      stderr:
        "error decoding patch: json: cannot unmarshal array into Go value of type map[string]interface {}",
    },
    {
      name: "a string",
      patch: '"x"',
      stderr:
        "error decoding patch: json: cannot unmarshal string into Go value of type map[string]interface {}",
    },
    { name: "null", patch: "null", stderr: "Invalid JSON Patch" },
  ]
  for (const c of cases) {
    test(`refuses ${c.name} with upstream's BadRequest, changing nothing`, async () => {
      await k("create", "configmap", "merge-target", "--from-literal=a=b")
      const r = await k("patch", "configmap", "merge-target", "--type", "merge", "-p", c.patch)
      assert.equal(r.code, 1)
      assert.equal(r.stderr.trim(), `Error from server (BadRequest): ${c.stderr}`)
      assert.deepEqual((await getJson("configmap", "merge-target")).data, { a: "b" })
    })
  }
})

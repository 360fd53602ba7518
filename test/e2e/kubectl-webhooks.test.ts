/**
 * Admission webhooks driven by the real kubectl v1.35: HTTPS webhook servers in this process (a
 * fresh CA from the project's X.509 code) registered by URL or by Service, a validating one that
 * refuses ConfigMaps holding a key, a mutating one that labels them by JSON patch, and the
 * failure policies against an address nothing listens on, checked against upstream's words.
 */
import assert from "node:assert/strict"
import { createServer, type Server } from "node:https"
import type { AddressInfo } from "node:net"
import { after, before, describe, test } from "node:test"
import { createCa, issue } from "../../src/apiserver/index.ts"
import { kubectlSession, testApiServer } from "../../src/testing/index.ts"

const server = testApiServer()
const { k, ok, getJson, file } = kubectlSession(server)

let hooks: Server
let port = 0
let closedPort = 0
let caBundle = ""
/** The AdmissionReviews the webhook server received, by path. */
const received = new Map<string, any[]>()

function jsonPatch(ops: object[]): Record<string, unknown> {
  return { allowed: true, patchType: "JSONPatch", patch: Buffer.from(JSON.stringify(ops)).toString("base64") }
}

/** The answer of each webhook path to a review's request. */
const HANDLERS: Record<string, (req: any) => Record<string, unknown>> = {
  "/deny-key": (req) => {
    const data = req.object?.data ?? {}
    if (!("forbidden" in data)) return { allowed: true, warnings: ["configmap checked by deny-key"] }
    return {
      allowed: false,
      warnings: ["configmap refused by deny-key"],
      status: { code: 403, reason: "Forbidden", message: 'key "forbidden" is not allowed in a ConfigMap' },
    }
  },
  "/add-label": (req) => {
    const labels = req.object?.metadata?.labels
    const patch = labels
      ? [{ op: "add", path: "/metadata/labels/webhook", value: "mutated" }]
      : [{ op: "add", path: "/metadata/labels", value: { webhook: "mutated" } }]
    return {
      allowed: true,
      patchType: "JSONPatch",
      patch: Buffer.from(JSON.stringify(patch)).toString("base64"),
    }
  },
  "/allow": () => ({ allowed: true }),
  "/halve-scale": (req) =>
    jsonPatch([{ op: "replace", path: "/spec/replicas", value: Math.floor(req.object.spec.replicas / 2) }]),
  "/no-eviction": () => ({
    allowed: false,
    status: { code: 429, reason: "TooManyRequests", message: "not now" },
  }),
  "/no-exec": (req) => ({
    allowed: false,
    status: { code: 403, reason: "Forbidden", message: `exec of ${req.object?.command?.join(" ")} refused` },
  }),
}

function listen(server: Server): Promise<number> {
  return new Promise((resolve) =>
    server.listen(0, "127.0.0.1", () => resolve((server.address() as AddressInfo).port)),
  )
}

before(async () => {
  const ca = await createCa("webhook-test-ca")
  const cert = await issue(ca, {
    subject: "CN=webhooks",
    usage: "server",
    hosts: ["127.0.0.1", "hooks.webhook-svc.svc"],
  })
  caBundle = Buffer.from(ca.cert).toString("base64")
  hooks = createServer({ cert: cert.cert, key: cert.key }, (req, res) => {
    const chunks: Buffer[] = []
    req.on("data", (c: Buffer) => chunks.push(c))
    req.on("end", () => {
      const path = (req.url ?? "").split("?")[0] as string
      const review = JSON.parse(Buffer.concat(chunks).toString("utf8"))
      received.set(path, [...(received.get(path) ?? []), { review, url: req.url }])
      const handler = HANDLERS[path]
      if (!handler) {
        res.writeHead(404, { "content-type": "text/plain" }).end("404 page not found")
        return
      }
      const response = { uid: review.request.uid, ...handler(review.request) }
      res
        .writeHead(200, { "content-type": "application/json" })
        .end(JSON.stringify({ apiVersion: review.apiVersion, kind: "AdmissionReview", response }))
    })
  })
  port = await listen(hooks)
  const closed = createServer()
  closedPort = await listen(closed)
  await new Promise((r) => closed.close(r))
})

after(async () => {
  await new Promise((r) => hooks?.close(r))
})

/** A webhook configuration of one webhook calling `path` (or `url`) for ConfigMap writes. */
function configuration(kind: "Validating" | "Mutating", name: string, hook: Record<string, string>): string {
  const target = hook.url ? `url: ${hook.url}` : `url: https://127.0.0.1:${port}${hook.path}`
  return `apiVersion: admissionregistration.k8s.io/v1
kind: ${kind}WebhookConfiguration
metadata:
  name: ${name}
webhooks:
- name: ${name}.webhooks.k8ts.test
  clientConfig:
    ${target}
    caBundle: ${caBundle}
  rules:
  - operations: ["CREATE", "UPDATE"]
    apiGroups: [""]
    apiVersions: ["v1"]
    resources: ["configmaps"]
  namespaceSelector:
    matchLabels: {webhooks: ${hook.namespace ?? "on"}}
  objectSelector: ${hook.objectSelector ?? "{}"}
  sideEffects: ${hook.sideEffects ?? "None"}
  failurePolicy: ${hook.failurePolicy ?? "Fail"}
  admissionReviewVersions: ["v1"]
`
}

function configMap(name: string, ns: string, data: Record<string, string>): string {
  return `apiVersion: v1
kind: ConfigMap
metadata:
  name: ${name}
  namespace: ${ns}
data:
${Object.entries(data)
  .map(([key, v]) => `  ${key}: "${v}"`)
  .join("\n")}
`
}

async function namespace(name: string, label: string): Promise<void> {
  await ok("create", "namespace", name)
  await ok("label", "namespace", name, `webhooks=${label}`)
}

describe("admission webhooks", () => {
  test("a validating webhook refuses a ConfigMap with its key, in its words; its warnings reach kubectl", async () => {
    await namespace("hooks-deny", "deny")
    await ok(
      "apply",
      "-f",
      file("deny.yaml", configuration("Validating", "deny", { path: "/deny-key", namespace: "deny" })),
    )
    const good = await k("create", "-f", file("cm-good.yaml", configMap("good", "hooks-deny", { a: "1" })))
    assert.equal(good.code, 0, good.stderr)
    assert.match(good.stderr, /^Warning: configmap checked by deny-key$/m)
    const badPath = file("cm-bad.yaml", configMap("bad", "hooks-deny", { forbidden: "1" }))
    const bad = await k("create", "-f", badPath)
    assert.notEqual(bad.code, 0)
    // The refusal carries the webhook's warnings too, as upstream's does.
    assert.equal(
      bad.stderr.trim(),
      "Warning: configmap refused by deny-key\n" +
        `Error from server (Forbidden): error when creating "${badPath}": ` +
        `admission webhook "deny.webhooks.k8ts.test" denied the request: key "forbidden" is not allowed in a ConfigMap`,
    )
    // An update adding the key is refused too; a namespace the selector leaves out is not checked.
    const upd = await k("patch", "configmap", "good", "-n", "hooks-deny", "-p", '{"data":{"forbidden":"x"}}')
    assert.match(upd.stderr, /admission webhook "deny.webhooks.k8ts.test" denied the request/)
    await namespace("hooks-other", "off")
    await ok("create", "-f", file("cm-other.yaml", configMap("other", "hooks-other", { forbidden: "1" })))
    // What the webhook was sent, as upstream builds the review.
    const reviews = received.get("/deny-key") ?? []
    const create = reviews.find(
      (r) => r.review.request.name === "good" && r.review.request.operation === "CREATE",
    )
    assert.ok(create, "the webhook saw the create")
    assert.equal(create.url, "/deny-key?timeout=10s")
    const r = create.review.request
    assert.equal(create.review.apiVersion, "admission.k8s.io/v1")
    assert.deepEqual(r.kind, { group: "", version: "v1", kind: "ConfigMap" })
    assert.deepEqual(r.resource, { group: "", version: "v1", resource: "configmaps" })
    assert.deepEqual(r.requestKind, r.kind)
    assert.deepEqual(r.requestResource, r.resource)
    assert.equal(r.namespace, "hooks-deny")
    assert.equal(r.userInfo.username, "kubernetes-admin")
    assert.deepEqual(r.object.data, { a: "1" })
    assert.equal(r.oldObject, null)
    assert.equal(r.dryRun, false)
    assert.deepEqual(r.options, {
      kind: "CreateOptions",
      apiVersion: "meta.k8s.io/v1",
      fieldManager: "kubectl-create",
      fieldValidation: "Strict",
    })
    assert.equal(reviews.filter((x) => x.review.request.namespace === "hooks-other").length, 0)
  })

  test("a mutating webhook's JSON patch labels the ConfigMap, and validation sees the result", async () => {
    await namespace("hooks-mutate", "mutate")
    await ok(
      "apply",
      "-f",
      file("label.yaml", configuration("Mutating", "label", { path: "/add-label", namespace: "mutate" })),
    )
    await ok("create", "-f", file("cm-m.yaml", configMap("labelled", "hooks-mutate", { a: "1" })))
    const cm = await getJson("configmap", "labelled", "-n", "hooks-mutate")
    assert.deepEqual(cm.metadata.labels, { webhook: "mutated" })
    // A validating webhook selecting the label the mutation added is called with the result.
    await ok(
      "apply",
      "-f",
      file(
        "seen.yaml",
        configuration("Validating", "seen", {
          path: "/allow",
          namespace: "mutate",
          objectSelector: "{matchLabels: {webhook: mutated}}",
        }),
      ),
    )
    await ok("create", "-f", file("cm-m2.yaml", configMap("labelled-2", "hooks-mutate", {})))
    const seen = (received.get("/allow") ?? []).map((r) => r.review.request)
    assert.deepEqual(
      seen.map((r) => [r.name, r.object.metadata.labels]),
      [["labelled-2", { webhook: "mutated" }]],
    )
    // Server-side dry run reaches a webhook without side effects, and stores nothing.
    const dry = await ok(
      "create",
      "--dry-run=server",
      "-o",
      "json",
      "-f",
      file("cm-d.yaml", configMap("dry", "hooks-mutate", {})),
    )
    assert.deepEqual(JSON.parse(dry).metadata.labels, { webhook: "mutated" })
    const last = (received.get("/add-label") ?? []).at(-1)
    assert.equal(last.review.request.dryRun, true)
    assert.deepEqual(last.review.request.options.dryRun, ["All"])
    assert.notEqual((await k("get", "configmap", "dry", "-n", "hooks-mutate")).code, 0)
  })

  test("a create reaches mutating webhooks before the server names it and gives it a uid; validating ones see both", async () => {
    await namespace("hooks-born", "born")
    const hook = (kind: "Mutating" | "Validating", name: string, path: string) =>
      file(`${name}.yaml`, configuration(kind, name, { path, namespace: "born" }))
    await ok("apply", "-f", hook("Mutating", "born-m", "/add-label"))
    await ok("apply", "-f", hook("Validating", "born-v", "/allow"))
    const manifest = `apiVersion: v1
kind: ConfigMap
metadata:
  generateName: born-
  namespace: hooks-born
data:
  a: "1"
`
    const created = JSON.parse(await ok("create", "-o", "json", "-f", file("cm-born.yaml", manifest)))
    assert.match(created.metadata.name, /^born-[a-z0-9]{5}$/)
    assert.deepEqual(created.metadata.labels, { webhook: "mutated" })
    const inNs = (path: string) =>
      (received.get(path) ?? []).map((r) => r.review.request).filter((r) => r.namespace === "hooks-born")
    const [mutating] = inNs("/add-label")
    assert.equal(mutating.name, undefined)
    const sent = mutating.object.metadata
    assert.deepEqual(
      [sent.name, sent.generateName, sent.uid, sent.creationTimestamp],
      [undefined, "born-", undefined, null],
    )
    const [validating] = inNs("/allow")
    assert.equal(validating.name, created.metadata.name)
    const seen = validating.object.metadata
    assert.deepEqual(
      [seen.name, seen.uid, seen.creationTimestamp],
      [created.metadata.name, created.metadata.uid, created.metadata.creationTimestamp],
    )
  })

  test("failurePolicy Fail with nothing listening fails the write with upstream's 500; Ignore lets it through", async () => {
    await namespace("hooks-fail", "fail")
    const url = `https://127.0.0.1:${closedPort}/validate`
    await ok(
      "apply",
      "-f",
      file("fail.yaml", configuration("Validating", "fail", { url, namespace: "fail" })),
    )
    const path = file("cm-f.yaml", configMap("fails", "hooks-fail", { a: "1" }))
    const res = await k("create", "-f", path)
    assert.equal(
      res.stderr.trim(),
      `Error from server (InternalError): error when creating "${path}": Internal error occurred: ` +
        `failed calling webhook "fail.webhooks.k8ts.test": failed to call webhook: Post "${url}?timeout=10s": ` +
        `dial tcp 127.0.0.1:${closedPort}: connect: connection refused`,
    )
    await ok(
      "apply",
      "-f",
      file(
        "fail.yaml",
        configuration("Validating", "fail", { url, namespace: "fail", failurePolicy: "Ignore" }),
      ),
    )
    await ok("create", "-f", path)
  })

  test("CONNECT: a webhook refuses pods/exec before the connection, given the PodExecOptions", async () => {
    await namespace("hooks-exec", "exec")
    await ok(
      "apply",
      "-f",
      file(
        "no-exec.yaml",
        configuration("Validating", "no-exec", { path: "/no-exec", namespace: "exec" })
          .replace('["CREATE", "UPDATE"]', '["CONNECT"]')
          .replace('["configmaps"]', '["pods/exec"]'),
      ),
    )
    await ok(
      "create",
      "-f",
      file(
        "pod.yaml",
        "apiVersion: v1\nkind: Pod\nmetadata: {name: shell, namespace: hooks-exec}\nspec:\n  containers: [{name: sh, image: busybox}]\n",
      ),
    )
    const res = await k("exec", "-n", "hooks-exec", "shell", "--", "ls", "/")
    assert.notEqual(res.code, 0)
    assert.equal(
      res.stderr.trim(),
      'Error from server (Forbidden): admission webhook "no-exec.webhooks.k8ts.test" denied the request: exec of ls / refused',
    )
    const sent = (received.get("/no-exec") ?? []).at(-1)?.review.request
    assert.equal(sent.operation, "CONNECT")
    assert.equal(sent.subResource, "exec")
    assert.deepEqual(sent.kind, { group: "", version: "v1", kind: "PodExecOptions" })
    assert.deepEqual(sent.object, {
      kind: "PodExecOptions",
      apiVersion: "v1",
      stdout: true,
      stderr: true,
      container: "sh",
      command: ["ls", "/"],
    })
    assert.equal(sent.oldObject, null)
    assert.equal(sent.options, null)
  })

  test("subresources: a Scale is admitted (and mutated) as a Scale, an eviction as an Eviction", async () => {
    await namespace("hooks-sub", "sub")
    const hooks = (name: string, path: string, op: string, resource: string, kind = "Validating") =>
      configuration(kind as "Validating", name, { path, namespace: "sub" })
        .replace('["CREATE", "UPDATE"]', `["${op}"]`)
        .replace('apiGroups: [""]', 'apiGroups: ["*"]')
        .replace('["configmaps"]', `["${resource}"]`)
    await ok(
      "apply",
      "-f",
      file("halve.yaml", hooks("halve", "/halve-scale", "UPDATE", "deployments/scale", "Mutating")),
    )
    await ok(
      "apply",
      "-f",
      file("no-evict.yaml", hooks("no-evict", "/no-eviction", "CREATE", "pods/eviction")),
    )
    await ok("create", "deployment", "web", "-n", "hooks-sub", "--image=nginx", "--replicas=1")
    await ok("scale", "deployment", "web", "-n", "hooks-sub", "--replicas=6")
    assert.equal((await getJson("deployment", "web", "-n", "hooks-sub")).spec.replicas, 3)
    const scale = (received.get("/halve-scale") ?? []).at(-1)?.review.request
    assert.deepEqual(scale.kind, { group: "autoscaling", version: "v1", kind: "Scale" })
    assert.deepEqual(scale.resource, { group: "apps", version: "v1", resource: "deployments" })
    assert.equal(scale.subResource, "scale")
    assert.equal(scale.object.spec.replicas, 6)
    assert.equal(scale.oldObject.spec.replicas, 1)
    await ok(
      "create",
      "-f",
      file(
        "p.yaml",
        "apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: hooks-sub}\nspec:\n  containers: [{name: c, image: busybox}]\n",
      ),
    )
    const evict = file(
      "evict.json",
      JSON.stringify({ apiVersion: "policy/v1", kind: "Eviction", metadata: { name: "p" } }),
    )
    const res = await k("create", "--raw", "/api/v1/namespaces/hooks-sub/pods/p/eviction", "-f", evict)
    assert.equal(
      res.stderr.trim(),
      'Error from server (TooManyRequests): admission webhook "no-evict.webhooks.k8ts.test" denied the request: not now',
    )
    const eviction = (received.get("/no-eviction") ?? []).at(-1)?.review.request
    assert.deepEqual(eviction.kind, { group: "policy", version: "v1", kind: "Eviction" })
    assert.deepEqual(eviction.object.metadata, { name: "p", namespace: "hooks-sub" })
    await ok("get", "pod", "p", "-n", "hooks-sub")
  })

  test("matchConditions: CEL conditions skip the webhook; one that does not compile is refused", async () => {
    await namespace("hooks-cel", "cel")
    const withConditions = configuration("Validating", "cel", {
      path: "/deny-key",
      namespace: "cel",
    }).replace(
      "  admissionReviewVersions:",
      "  matchConditions:\n  - name: not-exempt\n    expression: \"!has(object.metadata.annotations) || !('exempt' in object.metadata.annotations)\"\n  admissionReviewVersions:",
    )
    await ok("apply", "-f", file("cel.yaml", withConditions))
    const refused = await k(
      "create",
      "-f",
      file("cm-cel.yaml", configMap("checked", "hooks-cel", { forbidden: "1" })),
    )
    assert.match(refused.stderr, /admission webhook "cel.webhooks.k8ts.test" denied the request/)
    const exempt = configMap("exempt", "hooks-cel", { forbidden: "1" }).replace(
      "  namespace: hooks-cel\n",
      '  namespace: hooks-cel\n  annotations: {exempt: "yes"}\n',
    )
    await ok("create", "-f", file("cm-exempt.yaml", exempt))
    const bad = await k(
      "apply",
      "-f",
      file(
        "bad-cel.yaml",
        withConditions
          .replace(/expression: .*/, 'expression: "request.nope"')
          .replace("name: cel", "name: bad-cel"),
      ),
    )
    assert.equal(
      bad.stderr.trim(),
      'The ValidatingWebhookConfiguration "bad-cel" is invalid: webhooks[0].matchConditions[0].expression: ' +
        `Invalid value: "request.nope": compilation failed: ERROR: <input>:1:8: undefined field 'nope'\n` +
        " | request.nope\n | .......^",
    )
  })

  test("a webhook answering 404 fails the write as upstream's REST client reports it", async () => {
    await namespace("hooks-404", "missing")
    await ok(
      "apply",
      "-f",
      file(
        "missing.yaml",
        configuration("Validating", "missing", { path: "/missing", namespace: "missing" }),
      ),
    )
    const path = file("cm-404.yaml", configMap("missing", "hooks-404", {}))
    const res = await k("create", "-f", path)
    assert.equal(
      res.stderr.trim(),
      `Error from server (InternalError): error when creating "${path}": Internal error occurred: ` +
        `failed calling webhook "missing.webhooks.k8ts.test": failed to call webhook: the server could not find the requested resource`,
    )
  })

  test("a webhook behind a Service is reached at a ready endpoint, with the Service's DNS name", async () => {
    await namespace("webhook-svc", "svc")
    await ok(
      "apply",
      "-f",
      file(
        "svc.yaml",
        `apiVersion: v1
kind: Service
metadata: {name: hooks, namespace: webhook-svc}
spec:
  ports: [{name: https, port: 443, targetPort: ${port}}]
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: hooks-1
  namespace: webhook-svc
  labels: {kubernetes.io/service-name: hooks}
addressType: IPv4
ports: [{name: https, port: ${port}, protocol: TCP}]
endpoints: [{addresses: ["127.0.0.1"], conditions: {ready: true}}]
`,
      ),
    )
    await ok(
      "apply",
      "-f",
      file(
        "svc-hook.yaml",
        configuration("Mutating", "svc", { path: "", namespace: "svc" }).replace(
          /url: .*/,
          "service: {name: hooks, namespace: webhook-svc, path: /add-label}",
        ),
      ),
    )
    await ok("create", "-f", file("cm-svc.yaml", configMap("via-svc", "webhook-svc", {})))
    const cm = await getJson("configmap", "via-svc", "-n", "webhook-svc")
    assert.equal(cm.metadata.labels?.webhook, "mutated")
    // A Service that does not exist: the resolver's words after the URL upstream names.
    await ok("delete", "endpointslice", "hooks-1", "-n", "webhook-svc")
    const res = await k("create", "-f", file("cm-svc2.yaml", configMap("via-svc2", "webhook-svc", {})))
    assert.match(
      res.stderr,
      /failed calling webhook "svc.webhooks.k8ts.test": failed to call webhook: Post "https:\/\/hooks.webhook-svc.svc:443\/add-label\?timeout=10s": no endpoints available for service "hooks"/,
    )
  })
})

/**
 * Deployments on `k8ts server --runtime hollow`, driven by the real kubectl: create, rollout
 * status, history, undo and scale. Until k8ts has a scheduler, the test binds pending pods to
 * the hollow node itself (as a scheduler would, through pods/binding).
 */
import assert from "node:assert/strict"
import { mkdtempSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { after, before, describe, test } from "node:test"
import { parse } from "yaml"
import { Pods } from "../../src/api/index.ts"
import { HttpClient } from "../../src/client/index.ts"
import { type ServerProcess, startK8tsServer, kubectlSession, serverTarget } from "../../src/testing/index.ts"

const NODE = "e2e-hollow"
const dir = mkdtempSync(join(tmpdir(), "k8ts-deployment-e2e-"))
let server: ServerProcess | undefined
const stopBinder = new AbortController()

async function startServer(): Promise<string> {
  server = await startK8tsServer([
    ...["--data-dir", dir, "--port", "0", "--runtime", "hollow", "--node-name", NODE],
  ])
  return server.url
}

/** A client with the admin credentials of the kubeconfig the server wrote. */
function adminClient(url: string): HttpClient {
  const cfg = parse(readFileSync(join(dir, "kubeconfig.yaml"), "utf8")) as {
    clusters: { cluster: Record<string, string> }[]
    users: { user: Record<string, string> }[]
  }
  const b64 = (s: string | undefined) => Buffer.from(s ?? "", "base64")
  const cluster = cfg.clusters[0]?.cluster ?? {}
  const user = cfg.users[0]?.user ?? {}
  return new HttpClient({
    server: url,
    ca: b64(cluster["certificate-authority-data"]),
    ...(user.token ? { token: user.token } : {}),
    ...(user["client-certificate-data"]
      ? { cert: b64(user["client-certificate-data"]), key: b64(user["client-key-data"]) }
      : {}),
  })
}

/** Binds every pending pod to the hollow node, until stopped (a stand-in scheduler). */
async function bindPods(client: HttpClient, signal: AbortSignal): Promise<void> {
  while (!signal.aborted) {
    try {
      for await (const e of client.resource(Pods).watch({ fieldSelector: "spec.nodeName=" }, signal)) {
        const m = e.object.metadata
        if (e.type !== "ADDED" || e.object.spec?.nodeName || m?.deletionTimestamp) continue
        await client
          .request({
            method: "POST",
            ref: Pods,
            namespace: m?.namespace ?? "",
            name: m?.name ?? "",
            subresource: "binding",
            body: {
              apiVersion: "v1",
              kind: "Binding",
              metadata: { name: m?.name, namespace: m?.namespace },
              target: { apiVersion: "v1", kind: "Node", name: NODE },
            },
          })
          .catch(() => {}) // bound or gone meanwhile
      }
    } catch {
      // the watch ended: start another unless stopping
    }
  }
}

const { k, ok, file } = kubectlSession(() => serverTarget(dir, 90_000))

let binding: Promise<void> | undefined
before(async () => {
  const url = await startServer()
  binding = bindPods(adminClient(url), stopBinder.signal)
})
after(async () => {
  stopBinder.abort()
  await binding
  await server?.stop()
  rmSync(dir, { recursive: true, force: true })
})

describe("Deployments with kubectl", () => {
  test("create, rollout status, update, history, undo and scale", async () => {
    // `kubectl create deployment` sends protobuf, which the API server does not read yet: let
    // kubectl build the object and send it as JSON.
    const manifest = await ok(
      "create",
      "deployment",
      "web",
      "--image=nginx:1.27",
      "--replicas=3",
      "--dry-run=client",
      "-o",
      "json",
    )
    const created = await k("create", "--validate=false", "-f", file("web.json", manifest))
    assert.equal(created.code, 0, created.stderr)
    assert.match(
      await ok("rollout", "status", "deployment/web", "--timeout=60s"),
      /deployment "web" successfully rolled out/,
    )

    // A new template is a new revision.
    const patch = '[{"op":"replace","path":"/spec/template/spec/containers/0/image","value":"nginx:1.28"}]'
    await ok("patch", "deployment", "web", "--type=json", "-p", patch)
    assert.match(await ok("rollout", "status", "deployment/web", "--timeout=60s"), /successfully rolled out/)
    const history = await ok("rollout", "history", "deployment/web")
    assert.match(history, /REVISION\s+CHANGE-CAUSE\n1\s+<none>\n2\s+<none>/)
    assert.equal((await ok("get", "rs", "-o", "name")).trim().split("\n").length, 2)

    // Undo goes back to the first template, as revision 3.
    assert.match(await ok("rollout", "undo", "deployment/web"), /deployment.apps\/web rolled back/)
    assert.match(await ok("rollout", "status", "deployment/web", "--timeout=60s"), /successfully rolled out/)
    const image = await ok(
      "get",
      "deployment",
      "web",
      "-o",
      "jsonpath={.spec.template.spec.containers[0].image}",
    )
    assert.equal(image, "nginx:1.27")
    assert.match(await ok("rollout", "history", "deployment/web"), /\n2\s+<none>\n3\s+<none>/)

    // Scale through the scale subresource.
    await ok("scale", "deployment/web", "--replicas=5")
    assert.match(await ok("rollout", "status", "deployment/web", "--timeout=60s"), /successfully rolled out/)
    const ready = await ok(
      "get",
      "deployment",
      "web",
      "-o",
      "jsonpath={.status.readyReplicas}/{.status.availableReplicas}",
    )
    assert.equal(ready, "5/5")
    // The scale subresource as kubectl prints it (upstream's Scale table).
    assert.match(
      await ok("get", "deployment", "web", "--subresource=scale"),
      /^NAME\s+DESIRED\s+AVAILABLE\s+AGE\nweb\s+5\s+5\s+\S+\n?$/,
    )
    const running = await ok(
      "get",
      "pods",
      "-l",
      "app=web",
      "--field-selector=status.phase=Running",
      "-o",
      "name",
    )
    assert.equal(running.trim().split("\n").length, 5)
  })

  test("a ReplicationController keeps its pods and scales", async () => {
    const rc = {
      apiVersion: "v1",
      kind: "ReplicationController",
      metadata: { name: "legacy" },
      spec: {
        replicas: 2,
        template: {
          metadata: { labels: { app: "legacy" } },
          spec: { containers: [{ name: "c", image: "nginx:1.27" }] },
        },
      },
    }
    const created = await k("create", "--validate=false", "-f", file("rc.json", JSON.stringify(rc)))
    assert.equal(created.code, 0, created.stderr)
    const readyPods = async (n: number) => {
      for (let i = 0; i < 200; i++) {
        const out = await ok(
          "get",
          "rc",
          "legacy",
          "-o",
          "jsonpath={.status.readyReplicas}/{.status.replicas}",
        )
        if (out === `${n}/${n}`) return
        await new Promise((r) => setTimeout(r, 100))
      }
      assert.fail(`ReplicationController legacy never had ${n} ready pods`)
    }
    await readyPods(2)
    await ok("scale", "rc/legacy", "--replicas=1")
    await readyPods(1)
  })
})

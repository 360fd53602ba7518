/**
 * The proxy subresources through the real kubectl: `kubectl get --raw` on pods/proxy,
 * services/proxy and nodes/proxy paths, and `kubectl proxy` in front of the API server. The
 * pod, the endpoint and the kubelet are local HTTP servers on loopback ports.
 */
import assert from "node:assert/strict"
import { spawn } from "node:child_process"
import { createServer, type Server } from "node:http"
import type { AddressInfo } from "node:net"
import { after, before, describe, test } from "node:test"
import {
  kubectlPath,
  kubectlSession,
  startTestApiServer,
  type TestApiServer,
} from "../../src/testing/index.ts"

let srv: TestApiServer
let web: Server
let kubelet: Server
let webPort = 0

const { k, ok, file } = kubectlSession(() => srv)

async function listenLocal(s: Server): Promise<number> {
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", r))
  return (s.address() as AddressInfo).port
}

before(async () => {
  srv = await startTestApiServer()
  web = createServer((req, res) => res.end(`web ${req.method} ${req.url}`))
  webPort = await listenLocal(web)
  kubelet = createServer((req, res) =>
    res.end(req.url === "/metrics" ? 'kubelet_node_name{node="n1"} 1\n' : '{"node":{"nodeName":"n1"}}'),
  )
  const kubeletPort = await listenLocal(kubelet)
  const manifests = file(
    "objects.yaml",
    `apiVersion: v1
kind: Node
metadata: {name: n1}
status:
  addresses: [{type: InternalIP, address: 127.0.0.1}]
  daemonEndpoints: {kubeletEndpoint: {Port: ${kubeletPort}}}
---
apiVersion: v1
kind: Pod
metadata: {name: web, labels: {app: web}}
spec:
  nodeName: n1
  containers: [{name: c, image: nginx, ports: [{containerPort: ${webPort}}]}]
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{name: http, port: 80, targetPort: ${webPort}}]
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {name: web-1, labels: {kubernetes.io/service-name: web}}
addressType: IPv4
ports: [{name: http, port: ${webPort}, protocol: TCP}]
endpoints: [{addresses: [127.0.0.1], conditions: {ready: true}, targetRef: {kind: Pod, namespace: default, name: web}}]
`,
  )
  // --validate=false: kubectl cannot validate an EndpointSlice targetRef against k8ts yet (a 406 on its schema fetch).
  await ok("apply", "--validate=false", "-f", manifests)
  const patch = '{"status":{"phase":"Running","podIP":"127.0.0.1","podIPs":[{"ip":"127.0.0.1"}]}}'
  await ok("patch", "pod", "web", "--subresource=status", "--type=merge", "-p", patch)
})

after(async () => {
  web?.close()
  kubelet?.close()
  await srv?.stop()
})

describe("kubectl and the proxy subresources", () => {
  test("get --raw through pods/proxy, services/proxy and nodes/proxy", async () => {
    assert.equal(
      await ok("get", "--raw", "/api/v1/namespaces/default/pods/web/proxy/hello?x=1"),
      "web GET /hello?x=1",
    )
    assert.equal(
      await ok("get", "--raw", `/api/v1/namespaces/default/pods/http:web:${webPort}/proxy/`),
      "web GET /",
    )
    assert.equal(
      await ok("get", "--raw", "/api/v1/namespaces/default/services/web:http/proxy/svc"),
      "web GET /svc",
    )
    assert.match(await ok("get", "--raw", "/api/v1/nodes/n1/proxy/metrics"), /kubelet_node_name/)
    assert.match(await ok("get", "--raw", "/api/v1/nodes/n1/proxy/stats/summary"), /"nodeName":"n1"/)
    const post = await ok(
      "create",
      "--raw",
      "/api/v1/namespaces/default/pods/web/proxy/p",
      "-f",
      file("b.json", "{}"),
    )
    assert.equal(post, "web POST /p")
  })

  test("errors come back as kubectl prints them", async () => {
    const none = await k("get", "--raw", "/api/v1/namespaces/default/services/web:81/proxy/")
    assert.notEqual(none.code, 0)
    assert.match(
      none.stderr,
      /Error from server \(ServiceUnavailable\): no service port 81 found for service "web"/,
    )
    const missing = await k("get", "--raw", "/api/v1/namespaces/default/pods/nope/proxy/")
    assert.match(missing.stderr, /Error from server \(NotFound\): pods "nope" not found/)
  })

  test("kubectl proxy serves the proxy paths", async () => {
    const child = spawn(kubectlPath(), ["proxy", "--port=0"], {
      env: srv.env,
      stdio: ["ignore", "pipe", "pipe"],
    })
    try {
      const port = await new Promise<string>((resolve, reject) => {
        let out = ""
        child.stdout.on("data", (c: Buffer) => {
          out += String(c)
          const m = /Starting to serve on [\d.]+:(\d+)/.exec(out)
          if (m) resolve(m[1] as string)
        })
        child.once("exit", () => reject(new Error(`kubectl proxy exited: ${out}`)))
        setTimeout(() => reject(new Error(`kubectl proxy did not start: ${out}`)), 20_000).unref()
      })
      const base = `http://127.0.0.1:${port}/api/v1/namespaces/default`
      assert.equal(await (await fetch(`${base}/pods/web/proxy/via-proxy`)).text(), "web GET /via-proxy")
      assert.equal(await (await fetch(`${base}/services/web:http/proxy/s`)).text(), "web GET /s")
    } finally {
      child.kill()
    }
  })
})

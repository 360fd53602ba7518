import assert from "node:assert/strict"
import { createServer, type Server } from "node:https"
import type { IncomingMessage, ServerResponse } from "node:http"
import type { AddressInfo } from "node:net"
import { after, before, describe, test } from "node:test"
import type { ApiObject } from "../../api/index.ts"
import { createCa, issue, type KeyPair } from "../pki.ts"
import { CallFailure, postReview } from "./client.ts"
import { cacheServiceResolver } from "./resolve.ts"

let ca: KeyPair
let server: Server
let port = 0
const seen: { url: string; headers: IncomingMessage["headers"]; body: string }[] = []

/** Answers by path: the test server's behaviours. */
function answer(req: IncomingMessage, res: ServerResponse, body: string): void {
  const path = (req.url ?? "").split("?")[0]
  if (path === "/hang") return // never answers
  if (path === "/status")
    return void res.writeHead(403, { "content-type": "application/json" }).end(
      JSON.stringify({
        kind: "Status",
        apiVersion: "v1",
        status: "Failure",
        message: "go away",
        code: 403,
      }),
    )
  if (path === "/boom") return void res.writeHead(500, { "content-type": "text/plain" }).end("boom\n")
  if (path === "/text") return void res.writeHead(200, { "content-type": "text/plain" }).end("ok")
  if (path === "/empty") return void res.writeHead(200, { "content-type": "application/json" }).end()
  res.writeHead(200, { "content-type": "application/json" }).end(body)
}

before(async () => {
  ca = await createCa("client-test-ca")
  const cert = await issue(ca, { subject: "CN=hook", usage: "server", hosts: ["127.0.0.1", "hook.team.svc"] })
  server = createServer({ cert: cert.cert, key: cert.key }, (req, res) => {
    const chunks: Buffer[] = []
    req.on("data", (c: Buffer) => chunks.push(c))
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8")
      seen.push({ url: req.url ?? "", headers: req.headers, body })
      answer(req, res, body)
    })
  })
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()))
  port = (server.address() as AddressInfo).port
})

after(() => {
  server.closeAllConnections()
  server.close()
})

const noServices = () => {
  throw new Error("no services")
}

function caBundle(): string {
  return Buffer.from(ca.cert).toString("base64")
}

async function failure(p: Promise<unknown>): Promise<string> {
  try {
    await p
  } catch (err) {
    assert.ok(err instanceof CallFailure, String(err))
    return err.message
  }
  assert.fail("the call succeeded")
}

describe("postReview()", () => {
  test("posts JSON over HTTPS trusting the caBundle, with the timeout on the cleaned path", async () => {
    const got = await postReview(
      { url: `https://127.0.0.1:${port}/a//b/`, caBundle: caBundle() },
      '{"x":1}',
      7,
      noServices,
    )
    assert.deepEqual(got, { x: 1 })
    const last = seen.at(-1)!
    assert.equal(last.url, "/a/b?timeout=7s")
    assert.equal(last.headers["content-type"], "application/json")
    assert.equal(last.headers["user-agent"], "kube-apiserver-admission")
  })

  test("a Service: its endpoint, its DNS name for TLS, path / by default", async () => {
    const resolve = (ns: string, name: string, p: number) => {
      assert.deepEqual([ns, name, p], ["team", "hook", 443])
      return { host: "127.0.0.1", port }
    }
    await postReview(
      { service: { namespace: "team", name: "hook" }, caBundle: caBundle() },
      "{}",
      10,
      resolve,
    )
    assert.equal(seen.at(-1)!.url, "/?timeout=10s")
  })

  const failures: { name: string; call: () => Promise<unknown>; want: () => string }[] = [
    {
      name: "nothing listening",
      call: () => postReview({ url: "https://127.0.0.1:1/v", caBundle: caBundle() }, "{}", 10, noServices),
      want: () =>
        'Post "https://127.0.0.1:1/v?timeout=10s": dial tcp 127.0.0.1:1: connect: connection refused',
    },
    {
      name: "a certificate the caBundle does not sign",
      call: () => postReview({ url: `https://127.0.0.1:${port}/v` }, "{}", 10, noServices),
      want: () =>
        `Post "https://127.0.0.1:${port}/v?timeout=10s": tls: failed to verify certificate: x509: certificate signed by unknown authority`,
    },
    {
      name: "a certificate for other names",
      call: () =>
        postReview(
          { service: { namespace: "other", name: "hook", path: "/v" }, caBundle: caBundle() },
          "{}",
          10,
          () => ({
            host: "127.0.0.1",
            port,
          }),
        ),
      want: () =>
        'Post "https://hook.other.svc:443/v?timeout=10s": tls: failed to verify certificate: x509: certificate is valid for hook.team.svc, not hook.other.svc',
    },
    {
      name: "a Service that cannot be resolved",
      call: () =>
        postReview({ service: { namespace: "team", name: "gone", port: 8443 } }, "{}", 10, () => {
          throw new Error('service "gone" not found')
        }),
      want: () => 'Post "https://gone.team.svc:8443/?timeout=10s": service "gone" not found',
    },
    {
      name: "no answer in time",
      call: () =>
        postReview({ url: `https://127.0.0.1:${port}/hang`, caBundle: caBundle() }, "{}", 1, noServices),
      want: () => `Post "https://127.0.0.1:${port}/hang?timeout=1s": context deadline exceeded`,
    },
    {
      name: "a refusal with a Status",
      call: () =>
        postReview({ url: `https://127.0.0.1:${port}/status`, caBundle: caBundle() }, "{}", 10, noServices),
      want: () => "go away",
    },
    {
      name: "a 500 in text",
      call: () =>
        postReview({ url: `https://127.0.0.1:${port}/boom`, caBundle: caBundle() }, "{}", 10, noServices),
      want: () => 'an error on the server ("boom") has prevented the request from succeeding',
    },
    {
      name: "a 200 that is not JSON",
      call: () =>
        postReview({ url: `https://127.0.0.1:${port}/text`, caBundle: caBundle() }, "{}", 10, noServices),
      want: () => "serializer for text/plain doesn't exist",
    },
    {
      name: "an empty 200",
      call: () =>
        postReview({ url: `https://127.0.0.1:${port}/empty`, caBundle: caBundle() }, "{}", 10, noServices),
      want: () => "0-length response with status code: 200 and content type: application/json",
    },
  ]
  for (const c of failures)
    test(`fails: ${c.name}`, async () => assert.equal(await failure(c.call()), c.want()))
})

describe("cacheServiceResolver()", () => {
  const svc = (name: string, spec: object): [string, ApiObject] => [
    `/registry/services/team/${name}`,
    { apiVersion: "v1", kind: "Service", metadata: { name, namespace: "team" }, spec } as ApiObject,
  ]
  const slice = (name: string, service: string, ready: boolean): [string, ApiObject] => [
    `/registry/discovery.k8s.io/endpointslices/team/${name}`,
    {
      apiVersion: "discovery.k8s.io/v1",
      kind: "EndpointSlice",
      metadata: { name, namespace: "team", labels: { "kubernetes.io/service-name": service } },
      addressType: "IPv4",
      ports: [{ name: "https", port: 9443 }],
      endpoints: [{ addresses: [ready ? "10.0.0.1" : "10.0.0.2"], conditions: { ready } }],
    } as ApiObject,
  ]
  const resolve = cacheServiceResolver({
    services: new Map([
      svc("hook", { ports: [{ name: "https", port: 443 }] }),
      svc("idle", { ports: [{ name: "https", port: 443 }] }),
      svc("headless", { clusterIP: "None", ports: [{ port: 443 }] }),
      svc("ext", { type: "ExternalName", externalName: "hooks.example.com" }),
    ]),
    servicesPrefix: "/registry/services/",
    slices: new Map([
      slice("hook-1", "hook", true),
      slice("hook-2", "hook", false),
      slice("idle-1", "idle", false),
    ]),
    slicesPrefix: "/registry/discovery.k8s.io/endpointslices/",
  })
  const cases: { name: string; svc: string; port: number; want: object | string }[] = [
    { name: "a ready endpoint of the port", svc: "hook", port: 443, want: { host: "10.0.0.1", port: 9443 } },
    { name: "no such Service", svc: "gone", port: 443, want: 'service "gone" not found' },
    { name: "no such port", svc: "hook", port: 8443, want: 'no service port 8443 found for service "hook"' },
    { name: "no ready endpoint", svc: "idle", port: 443, want: 'no endpoints available for service "idle"' },
    { name: "headless", svc: "headless", port: 443, want: 'cannot route to service with ClusterIP "None"' },
    { name: "ExternalName", svc: "ext", port: 8443, want: { host: "hooks.example.com", port: 8443 } },
  ]
  for (const c of cases) {
    test(c.name, () => {
      if (typeof c.want === "string") assert.throws(() => resolve("team", c.svc, c.port), { message: c.want })
      else assert.deepEqual(resolve("team", c.svc, c.port), c.want)
    })
  }
})

import assert from "node:assert/strict"
import { test } from "node:test"
import { Registry } from "prom-client"
import { prometheusText } from "../util/index.ts"
import type { InProcessHandler, InProcessRequest } from "./in-process-client.ts"
import { countRestClientRequests } from "./rest-client-metrics.ts"

function request(method: string, path: string): InProcessRequest {
  return {
    method,
    path,
    query: new URLSearchParams(),
    header: () => undefined,
    body: async () => Buffer.alloc(0),
    signal: new AbortController().signal,
  }
}

test("countRestClientRequests() counts each answered request by code, method and host", async () => {
  const registry = new Registry()
  const served: InProcessHandler = async (req) => {
    if (req.path.endsWith("/boom")) throw new Error("boom")
    const status = req.method === "POST" ? 201 : req.path.endsWith("/missing") ? 404 : 200
    return { status, headers: {}, body: "{}" }
  }
  const handle = countRestClientRequests(served, { registry, host: "127.0.0.1:6443" })
  // Nothing counted yet: no family, as client-go's vector without series.
  assert.equal(await prometheusText(registry), "")
  await handle(request("GET", "/api/v1/pods"))
  await handle(request("GET", "/api/v1/namespaces/default/pods/a"))
  await handle(request("GET", "/api/v1/namespaces/default/pods/missing"))
  await handle(request("POST", "/api/v1/namespaces/default/pods"))
  await assert.rejects(handle(request("PUT", "/api/v1/namespaces/default/pods/boom")), /boom/)
  assert.equal(
    await prometheusText(registry),
    [
      "# HELP rest_client_requests_total [ALPHA] Number of HTTP requests, partitioned by status code, method, and host.",
      "# TYPE rest_client_requests_total counter",
      'rest_client_requests_total{code="200",host="127.0.0.1:6443",method="GET"} 2',
      'rest_client_requests_total{code="201",host="127.0.0.1:6443",method="POST"} 1',
      'rest_client_requests_total{code="404",host="127.0.0.1:6443",method="GET"} 1',
      'rest_client_requests_total{code="<error>",host="127.0.0.1:6443",method="PUT"} 1',
      "",
    ].join("\n"),
  )
})

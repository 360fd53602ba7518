import assert from "node:assert/strict"
import { describe, test } from "node:test"
import { requestHeaders, responseHeaders, rewriteLocation } from "./proxy-headers.ts"
import { addressAllowed, splitSchemeNamePort } from "./proxy-location.ts"
import { rewriteHtml } from "./proxy-html.ts"
import { splitProxyPath } from "./proxy.ts"

const PREFIX = "/api/v1/namespaces/ns/services/s/proxy"

describe("rewriteLocation", () => {
  const cases: [string, string][] = [
    ["http://10.0.0.5:8080/login?next=/", `${PREFIX}/login?next=/`],
    ["/docs/", `${PREFIX}/docs/`],
    [`${PREFIX}/already`, `${PREFIX}/already`],
    ["https://api.example:6443/x", "https://api.example:6443/api/v1/namespaces/ns/services/s/proxy/x"],
    ["http://elsewhere.example/x", "http://elsewhere.example/x"],
    ["relative/path", "relative/path"],
  ]
  for (const [target, want] of cases) {
    test(target, () =>
      assert.equal(rewriteLocation(target, "10.0.0.5:8080", "api.example:6443", PREFIX), want),
    )
  }
})

describe("headers", () => {
  test("requests lose hop-by-hop headers, credentials and the headers Connection names", () => {
    const out = requestHeaders(
      [
        ["Authorization", "Bearer x"],
        ["Impersonate-User", "bob"],
        ["Connection", "keep-alive, X-Private"],
        ["X-Private", "1"],
        ["Accept", "text/html"],
        ["X-Forwarded-For", "1.2.3.4"],
      ],
      { upgrade: false, forwardedUri: "/api/v1/nodes/n/proxy/metrics", remoteAddress: "127.0.0.1" },
    )
    assert.deepEqual(out, [
      ["accept", "text/html"],
      ["x-forwarded-for", "1.2.3.4, 127.0.0.1"],
      ["x-forwarded-uri", "/api/v1/nodes/n/proxy/metrics"],
    ])
  })

  test("upgrades keep Connection and Upgrade", () => {
    const out = requestHeaders(
      [
        ["connection", "Upgrade"],
        ["upgrade", "websocket"],
      ],
      { upgrade: true, forwardedUri: "/" },
    )
    assert.deepEqual(out.slice(0, 2), [
      ["connection", "Upgrade"],
      ["upgrade", "websocket"],
    ])
  })

  test("responses lose hop-by-hop and CORS headers and get their Location rewritten", () => {
    const out = responseHeaders(
      {
        "transfer-encoding": "chunked",
        "access-control-allow-origin": "*",
        location: "/x",
        "set-cookie": ["a=1", "b=2"],
      },
      (t) => `${PREFIX}${t}`,
    )
    assert.deepEqual(out, { location: `${PREFIX}/x`, "set-cookie": ["a=1", "b=2"] })
  })
})

describe("locations", () => {
  test("splitSchemeNamePort", () => {
    assert.deepEqual(splitSchemeNamePort("web"), { scheme: "", name: "web", port: "" })
    assert.deepEqual(splitSchemeNamePort("web:http"), { scheme: "", name: "web", port: "http" })
    assert.deepEqual(splitSchemeNamePort("https:web:"), { scheme: "https", name: "web", port: "" })
    assert.equal(splitSchemeNamePort("ftp:web:1"), undefined)
    assert.equal(splitSchemeNamePort(":80"), undefined)
    assert.equal(splitSchemeNamePort("a:b:c:d"), undefined)
  })

  test("addresses: unicast and k8ts's loopback pod addresses, nothing else", () => {
    for (const ip of ["10.244.0.5", "127.244.0.3", "fd00::1", "::1"]) assert.ok(addressAllowed(ip), ip)
    for (const ip of ["", "0.0.0.0", "169.254.169.254", "224.0.0.1", "::", "fe80::1", "web"])
      assert.ok(!addressAllowed(ip), ip)
  })

  test("splitProxyPath", () => {
    assert.deepEqual(splitProxyPath("/api/v1/namespaces/pods/pods/p/proxy/a/b/"), {
      prefix: "/api/v1/namespaces/pods/pods/p/proxy",
      sub: "/a/b/",
    })
    assert.deepEqual(splitProxyPath("/api/v1/nodes/n:10250/proxy"), {
      prefix: "/api/v1/nodes/n:10250/proxy",
      sub: "",
    })
  })
})

describe("rewriteHtml", () => {
  test("only URL-valued attributes of known tags change", () => {
    const page = `<A HREF="/x">a</A><form action='/post' method="post"><div data-href="/no"><link rel=stylesheet href=/s.css>`
    const out = rewriteHtml(page, (u) => (u.startsWith("/") ? `/p${u}` : u))
    assert.equal(
      out,
      `<A HREF="/p/x">a</A><form action='/p/post' method="post"><div data-href="/no"><link rel=stylesheet href=/p/s.css>`,
    )
  })
})

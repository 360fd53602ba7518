import assert from "node:assert/strict"
import { describe, test } from "node:test"
import { apiCall, memoryApiServer, readWatch } from "../testing/index.ts"
import type { ApiServer } from "./server.ts"

const CMS = "/api/v1/namespaces/default/configmaps"

/** The Status of a refused request: code, reason (absent for a plain Go error) and message. */
interface Refusal {
  readonly code: number
  readonly reason?: string
  readonly message: string
}

const bad = (message: string): Refusal => ({ code: 400, reason: "BadRequest", message })
const invalidList = (...errs: string[]): Refusal => ({
  code: 422,
  reason: "Invalid",
  message: `ListOptions.meta.k8s.io "" is invalid: ${errs.length === 1 ? errs[0] : `[${errs.join(", ")}]`}`,
})
const rvSyntax = (rv: string, why = "invalid syntax") =>
  `resourceVersion: Invalid value: "${rv}": strconv.ParseUint: parsing "${rv}": ${why}`

describe("list and watch query parameters, decoded and validated as upstream's", () => {
  let api: ApiServer
  memoryApiServer((a) => (api = a))

  const refusals: [string, Refusal][] = [
    // Numbers: strconv's words, timeoutSeconds read before limit.
    ["limit=abc", bad('strconv.ParseInt: parsing "abc": invalid syntax')],
    ["limit=", bad('strconv.ParseInt: parsing "": invalid syntax')],
    // "+" in a query is a space, as in Go's.
    ["limit=+2", bad('strconv.ParseInt: parsing " 2": invalid syntax')],
    ["limit=1.5", bad('strconv.ParseInt: parsing "1.5": invalid syntax')],
    ["limit=9223372036854775808", bad('strconv.ParseInt: parsing "9223372036854775808": value out of range')],
    ["limit=abc&timeoutSeconds=1s", bad('strconv.ParseInt: parsing "1s": invalid syntax')],
    ["watch=true&timeoutSeconds=0.1s", bad('strconv.ParseInt: parsing "0.1s": invalid syntax')],
    // The selectors parse after the numbers, the label selector first, and before the checks of
    // the options; whether the kind has a field label is checked after them.
    ["limit=abc&labelSelector=a%20in", bad('strconv.ParseInt: parsing "abc": invalid syntax')],
    ["labelSelector=a%20in&fieldSelector=b", bad("unable to parse requirement: found '' expected: '('")],
    [
      "labelSelector=a%20in&resourceVersionMatch=Exact",
      bad("unable to parse requirement: found '' expected: '('"),
    ],
    ["fieldSelector=b&resourceVersionMatch=Exact", bad("invalid selector: 'b'; can't understand 'b'")],
    [
      "fieldSelector=foo%3Dbar&resourceVersionMatch=Exact",
      invalidList(
        "resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden unless resourceVersion is provided",
      ),
    ],
    ["fieldSelector=foo%3Dbar", bad("field label not supported: foo")],
    // A list's resourceVersion is checked by the storage first: 400.
    ["resourceVersion=abc", bad(`invalid resource version: ${rvSyntax("abc")}`)],
    ["resourceVersion=-1", bad(`invalid resource version: ${rvSyntax("-1")}`)],
    [
      "resourceVersion=18446744073709551616",
      bad(`invalid resource version: ${rvSyntax("18446744073709551616", "value out of range")}`),
    ],
    // With a continue token a resourceVersion other than "0" is refused unread.
    [
      `continue=${Buffer.from('{"v":"meta.k8s.io/v1","rv":5,"start":"a"}').toString("base64url")}&resourceVersion=abc`,
      bad("specifying resource version is not allowed when using continue"),
    ],
    // A watch's (or a get's) malformed resourceVersion reaches the client as the storage's plain
    // error: 500 without a reason.
    ["watch=true&resourceVersion=abc", { code: 500, message: rvSyntax("abc") }],
    ["watch=xyz&resourceVersion=-1", { code: 500, message: rvSyntax("-1") }],
    ["watch&resourceVersion=x", { code: 500, message: rvSyntax("x") }],
    // ListOptions validation.
    [
      "resourceVersionMatch=Bogus&resourceVersion=1",
      invalidList(
        'resourceVersionMatch: Unsupported value: "Bogus": supported values: "Exact", "NotOlderThan", ""',
      ),
    ],
    [
      "resourceVersionMatch=Exact",
      invalidList(
        "resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden unless resourceVersion is provided",
      ),
    ],
    [
      "resourceVersionMatch=Exact&resourceVersion=0",
      invalidList(
        'resourceVersionMatch: Forbidden: resourceVersionMatch "exact" is forbidden for resourceVersion "0"',
      ),
    ],
    [
      "resourceVersionMatch=x&continue=y",
      invalidList(
        "resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden unless resourceVersion is provided",
        "resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden when continue is provided",
        'resourceVersionMatch: Unsupported value: "x": supported values: "Exact", "NotOlderThan", ""',
      ),
    ],
    [
      "sendInitialEvents=false",
      invalidList("sendInitialEvents: Forbidden: sendInitialEvents is forbidden for list"),
    ],
    [
      "watch=1&sendInitialEvents=true",
      invalidList(
        "resourceVersionMatch: Forbidden: sendInitialEvents requires setting resourceVersionMatch to NotOlderThan",
      ),
    ],
    [
      "watch=1&sendInitialEvents=true&resourceVersionMatch=Exact",
      invalidList(
        "resourceVersionMatch: Forbidden: sendInitialEvents requires setting resourceVersionMatch to NotOlderThan",
        'resourceVersionMatch: Unsupported value: "Exact": supported values: "NotOlderThan"',
      ),
    ],
    [
      "watch=1&resourceVersion=5&resourceVersionMatch=NotOlderThan",
      invalidList(
        "resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided",
      ),
    ],
  ]
  for (const [query, want] of refusals) {
    test(`?${query}`, async () => {
      const r = await apiCall(api, "GET", `${CMS}?${query}`)
      assert.equal(r.status, want.code, r.text)
      assert.equal(r.json.reason, want.reason)
      assert.equal(r.json.message, want.message)
      assert.equal(r.json.code, want.code)
    })
  }

  test("an invalid ListOptions names its kind and group, with one cause per field error, and no name", async () => {
    const r = await apiCall(api, "GET", `${CMS}?sendInitialEvents=true`)
    assert.deepEqual(r.json.details, {
      group: "meta.k8s.io",
      kind: "ListOptions",
      causes: [
        {
          reason: "FieldValueForbidden",
          message: "Forbidden: sendInitialEvents is forbidden for list",
          field: "sendInitialEvents",
        },
      ],
    })
  })

  const accepted: string[] = [
    "limit=%2B2",
    "limit=-5",
    "limit=007",
    "resourceVersion=00",
    "allowWatchBookmarks=x",
  ]
  for (const query of accepted) {
    test(`?${query} is a list`, async () => {
      const r = await apiCall(api, "GET", `${CMS}?${query}`)
      assert.equal(r.status, 200, r.text)
      assert.equal(r.json.kind, "ConfigMapList")
    })
  }

  test("watch=xyz is a watch (only false and 0 are false), and a named GET ignores watch", async () => {
    const cm = await apiCall(api, "POST", CMS, { metadata: { name: "w" } })
    assert.equal(cm.status, 201, cm.text)
    const w = await readWatch(api, `${CMS}?watch=xyz&fieldSelector=metadata.name%3Dw`, 1)
    assert.equal(w.status, 200)
    assert.deepEqual(
      w.events.map((e) => [e.type, e.object.metadata.name]),
      [["ADDED", "w"]],
    )
    const got = await apiCall(api, "GET", `${CMS}/w?watch=true`)
    assert.equal(got.status, 200, got.text)
    assert.equal(got.json.kind, "ConfigMap")
    for (const q of ["watch=false", "watch=FALSE", "watch=0"]) {
      assert.equal((await apiCall(api, "GET", `${CMS}?${q}`)).json.kind, "ConfigMapList", q)
    }
  })

  test("a get's malformed resourceVersion is the storage's 500; a revision past uint64 too", async () => {
    for (const [rv, why] of [
      ["abc", "invalid syntax"],
      ["18446744073709551616", "value out of range"],
    ]) {
      const r = await apiCall(api, "GET", `${CMS}/w?resourceVersion=${rv}`)
      assert.equal(r.status, 500, r.text)
      assert.equal(r.json.reason, undefined)
      assert.equal(r.json.message, rvSyntax(rv as string, why))
    }
  })

  test("a revision the cache does not reach in 3 s: 504 for a get or list (exact ones too), an ERROR event for a watch-list", async () => {
    const rv = "18446744073709551615"
    const RCS = "/api/v1/namespaces/default/replicationcontrollers"
    const template = { metadata: { labels: { a: "b" } }, spec: { containers: [{ name: "c", image: "i" }] } }
    const rc = { metadata: { name: "rc" }, spec: { replicas: 1, selector: { a: "b" }, template } }
    assert.equal((await apiCall(api, "POST", RCS, rc)).status, 201)
    const current = (await apiCall(api, "GET", CMS)).json.metadata.resourceVersion
    const tooLarge = (code: number) => ({
      kind: "Status",
      apiVersion: "v1",
      metadata: {},
      status: "Failure",
      message: `Timeout: Too large resource version: ${rv}, current: ${current}`,
      reason: "Timeout",
      details: {
        causes: [{ reason: "ResourceVersionTooLarge", message: "Too large resource version" }],
        retryAfterSeconds: 1,
      },
      code,
    })
    const [list, exact, legacyExact, get, scale, watchList] = await Promise.all([
      apiCall(api, "GET", `${CMS}?resourceVersion=${rv}`),
      apiCall(api, "GET", `${CMS}?resourceVersion=${rv}&resourceVersionMatch=Exact`),
      apiCall(api, "GET", `${CMS}?resourceVersion=${rv}&limit=5`),
      apiCall(api, "GET", `${CMS}/w?resourceVersion=${rv}`),
      apiCall(api, "GET", `${RCS}/rc/scale?resourceVersion=${rv}`),
      readWatch(
        api,
        `${CMS}?watch=1&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&resourceVersion=${rv}`,
        2,
      ),
    ])
    assert.deepEqual([list.status, list.json], [504, tooLarge(504)])
    assert.deepEqual([exact.status, exact.json], [504, tooLarge(504)])
    assert.deepEqual([legacyExact.status, legacyExact.json], [504, tooLarge(504)])
    assert.deepEqual([get.status, get.json], [504, tooLarge(504)])
    assert.deepEqual([scale.status, scale.json], [504, tooLarge(504)])
    assert.equal(watchList.status, 200)
    assert.deepEqual(watchList.events, [{ type: "ERROR", object: tooLarge(504) }])
  })

  test("a plain watch from a future revision starts there at once", async () => {
    const current = Number((await apiCall(api, "GET", CMS)).json.metadata.resourceVersion)
    const events = readWatch(api, `${CMS}?watch=1&resourceVersion=${current + 1}`, 1)
    await apiCall(api, "POST", CMS, { metadata: { name: "f1" } })
    await apiCall(api, "POST", CMS, { metadata: { name: "f2" } })
    assert.deepEqual(
      (await events).events.map((e) => e.object.metadata.name),
      ["f2"],
    )
  })
})

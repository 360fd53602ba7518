import assert from "node:assert/strict"
import { describe, test } from "node:test"
import { apiCall, memoryApiServer } from "../testing/index.ts"
import type { ApiServer } from "./server.ts"

const CMS = "/api/v1/namespaces/default/configmaps"
const POLICIES = '"Foreground", "Background", "Orphan", "nil"'
const invalid = (...errs: string[]) =>
  `DeleteOptions.meta.k8s.io "" is invalid: ${errs.length === 1 ? errs[0] : `[${errs.join(", ")}]`}`

describe("DeleteOptions: the body's when there is one, else the query's, validated as upstream's", () => {
  let api: ApiServer
  memoryApiServer((a) => (api = a))
  let n = 0

  /** DELETEs a fresh configmap; `gone` tells whether it was deleted. */
  const del = async (query: string, body?: unknown) => {
    const name = `cm-${n++}`
    assert.equal((await apiCall(api, "POST", CMS, { metadata: { name } })).status, 201)
    const r = await apiCall(api, "DELETE", `${CMS}/${name}${query ? `?${query}` : ""}`, body)
    const gone = (await apiCall(api, "GET", `${CMS}/${name}`)).status === 404
    return { ...r, gone }
  }

  const cases: [string, string, unknown, { code: number; message?: string; gone?: boolean }][] = [
    // With a body the query's options are not read, whatever they are.
    [
      "a body ignores a malformed query",
      "gracePeriodSeconds=abc&propagationPolicy=Bogus&dryRun=x",
      {},
      { code: 200, gone: true },
    ],
    [
      "a body ignores the query's dryRun",
      "dryRun=All",
      { kind: "DeleteOptions", apiVersion: "v1" },
      { code: 200, gone: true },
    ],
    ["the body's dryRun", "", { dryRun: ["All"] }, { code: 200, gone: false }],
    ["the query's dryRun without a body", "dryRun=All", undefined, { code: 200, gone: false }],
    [
      "a malformed query gracePeriodSeconds",
      "gracePeriodSeconds=abc",
      undefined,
      { code: 400, message: 'strconv.ParseInt: parsing "abc": invalid syntax' },
    ],
    [
      "a query gracePeriodSeconds past int64",
      "gracePeriodSeconds=9223372036854775808",
      undefined,
      { code: 400, message: 'strconv.ParseInt: parsing "9223372036854775808": value out of range' },
    ],
    [
      "an unknown query policy",
      "propagationPolicy=Bogus",
      undefined,
      {
        code: 422,
        message: invalid(`propagationPolicy: Unsupported value: "Bogus": supported values: ${POLICIES}`),
      },
    ],
    [
      "an empty query policy",
      "propagationPolicy=",
      undefined,
      {
        code: 422,
        message: invalid(`propagationPolicy: Unsupported value: "": supported values: ${POLICIES}`),
      },
    ],
    [
      "a policy and orphanDependents in the query",
      "propagationPolicy=Orphan&orphanDependents=false",
      undefined,
      {
        code: 422,
        message: invalid(
          'propagationPolicy: Invalid value: "Orphan": orphanDependents and deletionPropagation cannot be both set',
        ),
      },
    ],
    [
      "every error of the body at once",
      "",
      { orphanDependents: true, propagationPolicy: "Bogus", dryRun: ["x"] },
      {
        code: 422,
        message: invalid(
          'propagationPolicy: Invalid value: "Bogus": orphanDependents and deletionPropagation cannot be both set',
          `propagationPolicy: Unsupported value: "Bogus": supported values: ${POLICIES}`,
          'dryRun: Unsupported value: ["x"]: supported values: "All"',
        ),
      },
    ],
    [
      "a null policy is none",
      "",
      { propagationPolicy: null, orphanDependents: false },
      { code: 200, gone: true },
    ],
    [
      "a body value of the wrong type",
      "",
      { gracePeriodSeconds: "5" },
      {
        code: 400,
        message:
          "json: cannot unmarshal string into Go struct field DeleteOptions.gracePeriodSeconds of type int64",
      },
    ],
  ]
  for (const [name, query, body, want] of cases) {
    test(name, async () => {
      const r = await del(query, body)
      assert.equal(r.status, want.code, r.text)
      if (want.message !== undefined) assert.equal(r.json.message, want.message)
      if (want.gone !== undefined) assert.equal(r.gone, want.gone)
    })
  }

  test("preconditions are upstream's BeforeDelete check, on the kind, an empty one included", async () => {
    const created = await apiCall(api, "POST", CMS, { metadata: { name: "pre" } })
    const { uid, resourceVersion: rv } = created.json.metadata
    const cases: [unknown, string][] = [
      [
        { resourceVersion: "" },
        `the ResourceVersion in the precondition () does not match the ResourceVersion in record (${rv}). The object might have been modified`,
      ],
      [
        { resourceVersion: `0${rv}` },
        `the ResourceVersion in the precondition (0${rv}) does not match the ResourceVersion in record (${rv}). The object might have been modified`,
      ],
      [
        { uid: "other", resourceVersion: "1" },
        `the UID in the precondition (other) does not match the UID in record (${uid}). The object might have been deleted and then recreated`,
      ],
    ]
    for (const [preconditions, why] of cases) {
      const r = await apiCall(api, "DELETE", `${CMS}/pre`, { preconditions })
      assert.equal(r.status, 409, r.text)
      assert.equal(r.json.message, `Operation cannot be fulfilled on ConfigMap "pre": ${why}`)
      assert.deepEqual(r.json.details, { name: "pre", kind: "ConfigMap" })
    }
    const ok = await apiCall(api, "DELETE", `${CMS}/pre`, { preconditions: { uid, resourceVersion: rv } })
    assert.equal(ok.status, 200, ok.text)
  })

  test("a negative grace period is one second, as upstream's BeforeDelete makes it", async () => {
    const pods = "/api/v1/namespaces/default/pods"
    const pod = {
      metadata: { name: "graceful" },
      spec: { nodeName: "n1", containers: [{ name: "c", image: "i" }] },
    }
    assert.equal((await apiCall(api, "POST", pods, pod)).status, 201)
    const r = await apiCall(api, "DELETE", `${pods}/graceful?gracePeriodSeconds=-5`)
    assert.equal(r.status, 200, r.text)
    assert.equal(r.json.metadata.deletionGracePeriodSeconds, 1)
  })
})

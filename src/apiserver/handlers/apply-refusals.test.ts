import assert from "node:assert/strict"
import { describe, test } from "node:test"
import { FakeClock } from "../../util/index.ts"
import { apiCall, memoryApiServer } from "../../testing/index.ts"
import type { ApiServer } from "../server.ts"

let api: ApiServer
memoryApiServer((started) => (api = started), { clock: new FakeClock(Date.UTC(2026, 11, 1)) })

const DEPLOYS = "/apis/apps/v1/namespaces/default/deployments"
const apply = (body: unknown) =>
  apiCall(api, "PATCH", `${DEPLOYS}/d?fieldManager=m&fieldValidation=Strict`, body, {
    "content-type": "application/apply-patch+yaml",
  })

function deployment(spec: unknown, metadata: unknown = { name: "d" }) {
  return { apiVersion: "apps/v1", kind: "Deployment", metadata, spec }
}
const SELECTOR = { matchLabels: { a: "b" } }
function podSpec(containers: unknown) {
  return { selector: SELECTOR, template: { metadata: { labels: { a: "b" } }, spec: { containers } } }
}

describe("server-side apply refusals, as upstream answers them", () => {
  // Upstream's field manager returns these as plain errors: 500 with no reason
  // (kubernetes/kubernetes#122480, #139253), the message naming the field.
  const typed = (what: string) =>
    `failed to create typed patch object (/d; apps/v1, Kind=Deployment): ${what}`
  const cases: [string, unknown, string][] = [
    [
      "an undeclared field",
      deployment({ foo: 1, ...podSpec([]) }),
      typed(".spec.foo: field not declared in schema"),
    ],
    [
      "a string for a number",
      deployment({ replicas: "3", ...podSpec([]) }),
      typed(".spec.replicas: expected numeric (int or float), got string"),
    ],
    ["a list for a struct", deployment({ selector: [1] }), typed(".spec.selector: expected map, got &{[1]}")],
    [
      "a map for a list",
      deployment(podSpec({ a: 1 })),
      typed(".spec.template.spec.containers: expected list, got &{map[a:1]}"),
    ],
    [
      "a string for an associative list item",
      deployment(podSpec(["x"])),
      typed(
        ".spec.template.spec.containers: element 0: associative list with keys may not have non-map elements",
      ),
    ],
    [
      "a null associative list item",
      deployment(podSpec([null])),
      typed(
        ".spec.template.spec.containers: element 0: associative list with keys may not have a null element",
      ),
    ],
    [
      "a list for labels",
      deployment({}, { name: "d", labels: ["x"] }),
      typed(".metadata.labels: expected map, got &{[x]}"),
    ],
    ["a string for spec", deployment("x"), typed(".spec: expected map, got &{x}")],
    [
      "an undeclared field in a keyed item",
      deployment(podSpec([{ name: "c", image: "i", foo: true }])),
      typed('.spec.template.spec.containers[name="c"].foo: field not declared in schema'),
    ],
    [
      "an undeclared field in an atomic struct",
      deployment(
        podSpec([
          {
            name: "c",
            image: "i",
            env: [{ name: "e", valueFrom: { fieldRef: { fieldPath: "x", foo: 1 } } }],
          },
        ]),
      ),
      typed(
        '.spec.template.spec.containers[name="c"].env[name="e"].valueFrom.fieldRef.foo: field not declared in schema',
      ),
    ],
  ]
  for (const [name, body, message] of cases) {
    test(`${name}: 500 without a reason`, async () => {
      const r = await apply(body)
      assert.equal(r.status, 500, r.text)
      assert.deepEqual(r.json, {
        kind: "Status",
        apiVersion: "v1",
        metadata: {},
        status: "Failure",
        message,
        code: 500,
      })
    })
  }

  test("a configuration that is not an object is 400 with upstream's YAML decoding message", async () => {
    const r = await apply([1, 2])
    assert.equal(r.status, 400)
    assert.equal(r.json.reason, "BadRequest")
    assert.equal(
      r.json.message,
      "error decoding YAML: error unmarshaling JSON: while decoding JSON: json: cannot unmarshal array into Go value of type map[string]interface {}",
    )
    const bad = await apply("a: [")
    assert.equal(bad.status, 400)
    assert.match(bad.json.message, /^error decoding YAML: error converting YAML to JSON: /)
  })

  test("a conflict stays 409 Conflict", async () => {
    const body = deployment({ replicas: 1, ...podSpec([{ name: "c", image: "i" }]) })
    assert.equal((await apply(body)).status, 201)
    const other = await apiCall(
      api,
      "PATCH",
      `${DEPLOYS}/d?fieldManager=other`,
      deployment({ replicas: 2 }),
      {
        "content-type": "application/apply-patch+yaml",
      },
    )
    assert.equal(other.status, 409)
    assert.equal(other.json.reason, "Conflict")
  })
})

import assert from "node:assert/strict"
import { describe, test } from "node:test"
import { ApiError } from "../api/index.ts"
import { JSON_PATCH, MERGE_PATCH, applyPatch } from "./patch.ts"

const CONFIG_MAP = { group: "", version: "v1", kind: "ConfigMap" }
const cm = () => ({
  apiVersion: "v1",
  kind: "ConfigMap",
  metadata: { name: "c", namespace: "default" },
  data: { a: "1" },
})

/** The Status `applyPatch` refuses `patch` (of `type`) with. */
function refusal(patch: unknown, ignoreUnknownFields = false, type = JSON_PATCH) {
  try {
    applyPatch(type, cm(), patch, CONFIG_MAP, { ignoreUnknownFields })
  } catch (err) {
    assert.ok(err instanceof ApiError)
    return err.toStatus()
  }
  assert.fail("the patch applied")
}

describe("applyPatch() with a JSON patch", () => {
  // Upstream applies the operations with evanphx/json-patch and answers any failure with
  // NewGenericServerResponse(422): its fixed message and empty details, whatever the library said.
  const GENERIC_422 = {
    kind: "Status",
    apiVersion: "v1",
    metadata: {},
    status: "Failure",
    message: "the server rejected our request due to an error in our request",
    reason: "Invalid",
    details: {},
    code: 422,
  }
  const failing: Record<string, unknown[]> = {
    "a failed test": [{ op: "test", path: "/data/a", value: "2" }],
    "a remove of a missing key": [{ op: "remove", path: "/metadata/finalizers" }],
    "a replace under a missing parent": [{ op: "replace", path: "/zz/a", value: "1" }],
    "a remove of a key only the prototype has": [{ op: "remove", path: "/data/constructor" }],
    "an add under a missing parent": [{ op: "add", path: "/nope/zz", value: "1" }],
    "a move from a missing path": [{ op: "move", from: "/data/zz", path: "/data/b" }],
    "an unknown op": [{ op: "bogus", path: "/data/a" }],
  }
  for (const [name, ops] of Object.entries(failing)) {
    test(`answers ${name} with upstream's generic 422`, () => {
      assert.deepEqual(refusal(ops), GENERIC_422)
    })
  }

  test("refuses a body that is not an array as upstream's decoders word it", () => {
    assert.deepEqual(refusal({ op: "add" }), {
      kind: "Status",
      apiVersion: "v1",
      metadata: {},
      status: "Failure",
      message:
        "error decoding patch: json: cannot unmarshal object into Go value of type []handlers.jsonPatchOp",
      reason: "BadRequest",
      code: 400,
    })
    assert.equal(
      refusal("x", true).message,
      "json: cannot unmarshal string into Go value of type jsonpatch.Patch",
    )
    assert.equal(
      refusal([1]).message,
      "error decoding patch: json: cannot unmarshal number into Go value of type handlers.jsonPatchOp",
    )
    assert.equal(
      refusal([[]], true).message,
      "json: cannot unmarshal array into Go value of type jsonpatch.Operation",
    )
  })

  test("refuses an operation's op, path or from that is no string as upstream's decoder words it", () => {
    assert.deepEqual(
      [
        refusal([
          { op: "add", path: "/data/b", value: "1" },
          { op: "add", path: 5 },
        ]),
      ].map((s) => [s.code, s.message]),
      [
        [
          400,
          "error decoding patch: json: cannot unmarshal number into Go struct field jsonPatchOp.path of type string",
        ],
      ],
    )
    assert.equal(
      refusal([{ op: "move", from: ["/data/a"], path: "/data/b" }]).message,
      "error decoding patch: json: cannot unmarshal array into Go struct field jsonPatchOp.from of type string",
    )
    // Without field validation only the json-patch library reads it: the operation does not apply.
    assert.equal(refusal([{ op: true, path: "/data/a" }], true).code, 422)
  })

  test("refuses more than 10,000 operations with a 413", () => {
    const ops = Array.from({ length: 10_001 }, () => ({ op: "test", path: "/data/a", value: "1" }))
    assert.deepEqual(refusal(ops), {
      kind: "Status",
      apiVersion: "v1",
      metadata: {},
      status: "Failure",
      message: "Request entity too large: The allowed maximum operations in a JSON patch is 10000, got 10001",
      reason: "RequestEntityTooLarge",
      code: 413,
    })
    assert.deepEqual(applyPatch(JSON_PATCH, cm(), ops.slice(1), CONFIG_MAP), cm())
  })

  test("a replace of a missing key adds it, as upstream's json-patch v4 does", () => {
    const got = applyPatch(JSON_PATCH, cm(), [{ op: "replace", path: "/data/zz", value: "2" }], CONFIG_MAP)
    assert.deepEqual((got as { data: unknown }).data, { a: "1", zz: "2" })
  })

  test("a null body is a patch of no operations", () => {
    assert.deepEqual(applyPatch(JSON_PATCH, cm(), null, CONFIG_MAP), cm())
  })

  test("applies the operations that apply", () => {
    const got = applyPatch(
      JSON_PATCH,
      cm(),
      [
        { op: "test", path: "/data/a", value: "1" },
        { op: "add", path: "/data/b", value: "2" },
        { op: "remove", path: "/data/a" },
      ],
      CONFIG_MAP,
    )
    assert.deepEqual((got as { data: unknown }).data, { b: "2" })
  })
})

describe("applyPatch() with a merge patch whose body is not an object", () => {
  // Upstream reads the body into a map first under field validation (Warn, its default, and
  // Strict), then calls evanphx/json-patch's MergePatch, whose result must decode as the kind.
  const NO_KIND =
    'couldn\'t get version/kind; json parse error: json: cannot unmarshal array into Go value of type struct { APIVersion string "json:\\"apiVersion,omitempty\\""; Kind string "json:\\"kind,omitempty\\"" }'
  const cases: {
    name: string
    patch: unknown
    ignore?: boolean
    code: number
    reason: string
    message: string
  }[] = [
    {
      name: "an array, validated",
      patch: [],
      code: 400,
      reason: "BadRequest",
      message:
        "error decoding patch: json: cannot unmarshal array into Go value of type map[string]interface {}",
    },
    {
      name: "a string, validated",
      patch: "x",
      code: 400,
      reason: "BadRequest",
      message:
        "error decoding patch: json: cannot unmarshal string into Go value of type map[string]interface {}",
    },
    {
      name: "a number, validated",
      patch: 5,
      code: 400,
      reason: "BadRequest",
      message:
        "error decoding patch: json: cannot unmarshal number into Go value of type map[string]interface {}",
    },
    {
      name: "a boolean, validated",
      patch: true,
      code: 400,
      reason: "BadRequest",
      message:
        "error decoding patch: json: cannot unmarshal bool into Go value of type map[string]interface {}",
    },
    { name: "null, validated", patch: null, code: 400, reason: "BadRequest", message: "Invalid JSON Patch" },
    {
      name: "null, ignored",
      patch: null,
      ignore: true,
      code: 400,
      reason: "BadRequest",
      message: "Invalid JSON Patch",
    },
    {
      name: "a string, ignored",
      patch: "x",
      ignore: true,
      code: 400,
      reason: "BadRequest",
      message: "Invalid JSON Patch",
    },
    {
      // evanphx/json-patch v4.12+ keeps null elements ("Preserve null values in arrays"), and
      // prunes null members of the objects at any depth.
      name: "an array, ignored: the document, its objects' null members pruned, decodes as no kind",
      patch: [{ b: 1, a: null, c: [null, { d: null }] }, null],
      ignore: true,
      code: 422,
      reason: "Invalid",
      message: ` "" is invalid: patch: Invalid value: "[{\\"b\\":1,\\"c\\":[null,{}]},null]": ${NO_KIND}`,
    },
  ]
  for (const c of cases) {
    test(`refuses ${c.name} as upstream does`, () => {
      const got = refusal(c.patch, c.ignore, MERGE_PATCH)
      assert.deepEqual([got.code, got.reason, got.message], [c.code, c.reason, c.message])
    })
  }

  test("an array's 422 names the patch as its cause", () => {
    const got = refusal([], true, MERGE_PATCH)
    assert.deepEqual(got.details, {
      causes: [{ reason: "FieldValueInvalid", message: `Invalid value: "[]": ${NO_KIND}`, field: "patch" }],
    })
  })
})

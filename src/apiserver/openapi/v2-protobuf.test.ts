import assert from "node:assert/strict"
import { describe, test } from "node:test"
import protobuf from "protobufjs"
import { parse as parseYaml } from "yaml"
import { BUILTIN_RESOURCES } from "../../api/index.ts"
import { OpenApiDocuments } from "./documents.ts"
import { encodeSwagger } from "./v2-protobuf.ts"

/**
 * The part of gnostic's openapi.v2 schema these tests read back, written out independently of the
 * encoder's tables so that a wrong field number in either shows up as a failed decode.
 */
const GNOSTIC_SUBSET = `
syntax = "proto3";
package openapi.v2;
message Any { string yaml = 2; }
message NamedAny { string name = 1; Any value = 2; }
message Info { string title = 1; string version = 2; }
message Document {
  string swagger = 1; Info info = 2; string base_path = 4; repeated string schemes = 5;
  Paths paths = 8; Definitions definitions = 9; repeated SecurityRequirement security = 12;
  SecurityDefinitions security_definitions = 13; repeated NamedAny vendor_extension = 16;
}
message Paths { repeated NamedAny vendor_extension = 1; repeated NamedPathItem path = 2; }
message NamedPathItem { string name = 1; PathItem value = 2; }
message PathItem { Operation get = 2; Operation post = 4; Operation patch = 8; repeated ParametersItem parameters = 9; }
message Operation {
  repeated string tags = 1; string description = 3; string operation_id = 5; repeated string produces = 6;
  repeated string consumes = 7; repeated ParametersItem parameters = 8; Responses responses = 9;
  repeated string schemes = 10; bool deprecated = 11; repeated NamedAny vendor_extension = 13;
}
message ParametersItem { oneof oneof { Parameter parameter = 1; JsonReference json_reference = 2; } }
message JsonReference { string _ref = 1; string description = 2; }
message Parameter { oneof oneof { BodyParameter body_parameter = 1; NonBodyParameter non_body_parameter = 2; } }
message BodyParameter { string description = 1; string name = 2; string in = 3; bool required = 4; Schema schema = 5; }
message NonBodyParameter { oneof oneof { QueryParameterSubSchema query_parameter_sub_schema = 3; PathParameterSubSchema path_parameter_sub_schema = 4; } }
message QueryParameterSubSchema {
  bool required = 1; string in = 2; string description = 3; string name = 4; bool allow_empty_value = 5;
  string type = 6; Any default = 10; int64 max_length = 15; bool unique_items = 20; repeated Any enum = 21;
}
message PathParameterSubSchema { bool required = 1; string in = 2; string description = 3; string name = 4; string type = 5; }
message Responses { repeated NamedResponseValue response_code = 1; repeated NamedAny vendor_extension = 2; }
message NamedResponseValue { string name = 1; ResponseValue value = 2; }
message ResponseValue { oneof oneof { Response response = 1; JsonReference json_reference = 2; } }
message Response { string description = 1; SchemaItem schema = 2; }
message SchemaItem { oneof oneof { Schema schema = 1; } }
message Definitions { repeated NamedSchema additional_properties = 1; }
message Properties { repeated NamedSchema additional_properties = 1; }
message NamedSchema { string name = 1; Schema value = 2; }
message Schema {
  string _ref = 1; string format = 2; string description = 4; Any default = 5; double maximum = 7;
  double minimum = 9; int64 max_length = 11; repeated string required = 19; repeated Any enum = 20;
  AdditionalPropertiesItem additional_properties = 21; TypeItem type = 22; ItemsItem items = 23;
  repeated Schema all_of = 24; Properties properties = 25; bool read_only = 27;
  repeated NamedAny vendor_extension = 31;
}
message AdditionalPropertiesItem { oneof oneof { Schema schema = 1; bool boolean = 2; } }
message TypeItem { repeated string value = 1; }
message ItemsItem { repeated Schema schema = 1; }
message SecurityRequirement { repeated NamedStringArray additional_properties = 1; }
message NamedStringArray { string name = 1; StringArray value = 2; }
message StringArray { repeated string value = 1; }
message SecurityDefinitions { repeated NamedSecurityDefinitionsItem additional_properties = 1; }
message NamedSecurityDefinitionsItem { string name = 1; SecurityDefinitionsItem value = 2; }
message SecurityDefinitionsItem { oneof oneof { ApiKeySecurity api_key_security = 2; } }
message ApiKeySecurity { string type = 1; string name = 2; string in = 3; string description = 4; }
`

const Document = protobuf.parse(GNOSTIC_SUBSET, { keepCase: true }).root.lookupType("openapi.v2.Document")

/** Decodes an encoded Document into plain objects (field names as in the .proto). */
function decode(bytes: Uint8Array): any {
  return Document.toObject(Document.decode(bytes), { longs: Number, oneofs: true })
}

interface Named<T> {
  name: string
  value: T
}

function named<T>(entries: Named<T>[] | undefined, name: string): T {
  const e = entries?.find((x) => x.name === name)
  assert.ok(e, `no entry ${name}`)
  return e.value
}

/** The extensions of a message, their YAML parsed (as kube-openapi reads them). */
function extensions(entries: Named<{ yaml: string }>[] | undefined): Record<string, unknown> {
  return Object.fromEntries((entries ?? []).map((e) => [e.name, parseYaml(e.value.yaml)]))
}

const SMALL = {
  swagger: "2.0",
  info: { title: "Kubernetes", version: "v1.35.0" },
  paths: {
    "/api/v1/namespaces/{namespace}/pods": {
      parameters: [
        { in: "path", name: "namespace", required: true, type: "string", uniqueItems: true },
        { $ref: "#/parameters/pretty" },
      ],
      post: {
        consumes: ["*/*"],
        operationId: "createCoreV1NamespacedPod",
        parameters: [
          {
            in: "body",
            name: "body",
            required: true,
            schema: { $ref: "#/definitions/io.k8s.api.core.v1.Pod" },
          },
          { in: "query", name: "fieldValidation", type: "string", enum: ["Ignore", "Strict"], default: "" },
        ],
        produces: ["application/json"],
        responses: {
          "200": { description: "OK", schema: { $ref: "#/definitions/io.k8s.api.core.v1.Pod" } },
          "401": { description: "Unauthorized" },
        },
        schemes: ["https"],
        tags: ["core_v1"],
        "x-kubernetes-action": "post",
        "x-kubernetes-group-version-kind": { group: "", kind: "Pod", version: "v1" },
      },
    },
  },
  definitions: {
    "io.k8s.api.core.v1.Pod": {
      description: "Pod is a collection of containers.",
      properties: {
        metadata: {
          $ref: "#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta",
          description: "meta",
        },
        spec: {
          type: "object",
          required: ["containers"],
          properties: {
            containers: {
              type: "array",
              items: { type: "object", properties: {} },
              "x-kubernetes-patch-merge-key": "name",
              "x-kubernetes-patch-strategy": "merge",
            },
            priority: { type: "integer", format: "int32", maximum: 1e9, minimum: -2.5 },
          },
        },
        labels: { type: "object", additionalProperties: { type: "string", default: "" } },
        closed: { type: "object", additionalProperties: false },
      },
      type: "object",
      "x-kubernetes-group-version-kind": [{ group: "", kind: "Pod", version: "v1" }],
    },
    "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta": { type: "object", properties: {} },
  },
  security: [{ BearerToken: [] }],
  securityDefinitions: {
    BearerToken: {
      description: "Bearer Token authentication",
      in: "header",
      name: "authorization",
      type: "apiKey",
    },
  },
  "x-custom": { a: [1, "two"] },
  unknownMember: "left out",
}

describe("encodeSwagger", () => {
  const doc = decode(encodeSwagger(SMALL))
  const pod = named<any>(doc.definitions.additional_properties, "io.k8s.api.core.v1.Pod")
  const props = pod.properties.additional_properties

  test("writes the document's own members and extensions", () => {
    assert.equal(doc.swagger, "2.0")
    assert.deepEqual(doc.info, { title: "Kubernetes", version: "v1.35.0" })
    assert.deepEqual(extensions(doc.vendor_extension), { "x-custom": { a: [1, "two"] } })
    assert.deepEqual(doc.security, [{ additional_properties: [{ name: "BearerToken", value: {} }] }])
    const bearer = named<any>(doc.security_definitions.additional_properties, "BearerToken")
    assert.equal(bearer.oneof, "api_key_security")
    assert.deepEqual(
      { ...bearer.api_key_security },
      { type: "apiKey", name: "authorization", in: "header", description: "Bearer Token authentication" },
    )
  })

  test("writes definitions: types, $ref, items, additionalProperties and the GVK extension", () => {
    assert.deepEqual(pod.type.value, ["object"])
    assert.equal(pod.description, "Pod is a collection of containers.")
    assert.deepEqual(extensions(pod.vendor_extension), {
      "x-kubernetes-group-version-kind": [{ group: "", kind: "Pod", version: "v1" }],
    })
    const metadata = named<any>(props, "metadata")
    assert.equal(metadata._ref, "#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta")
    assert.equal(metadata.description, "meta")
    assert.equal(metadata.type, undefined)

    const spec = named<any>(props, "spec")
    assert.deepEqual(spec.required, ["containers"])
    const containers = named<any>(spec.properties.additional_properties, "containers")
    assert.deepEqual(containers.type.value, ["array"])
    assert.equal(containers.items.schema.length, 1)
    // An empty `properties` is still there: kube-openapi tells a kind from a map by its presence.
    assert.ok(containers.items.schema[0].properties)
    assert.deepEqual(extensions(containers.vendor_extension), {
      "x-kubernetes-patch-merge-key": "name",
      "x-kubernetes-patch-strategy": "merge",
    })
    const priority = named<any>(spec.properties.additional_properties, "priority")
    assert.deepEqual(
      { format: priority.format, maximum: priority.maximum, minimum: priority.minimum },
      { format: "int32", maximum: 1e9, minimum: -2.5 },
    )

    const labels = named<any>(props, "labels")
    assert.equal(labels.additional_properties.oneof, "schema")
    assert.deepEqual(labels.additional_properties.schema.type.value, ["string"])
    assert.equal(labels.additional_properties.schema.default.yaml, '""')
    const closed = named<any>(props, "closed")
    assert.equal(closed.additional_properties.oneof, "boolean")
    assert.equal(closed.additional_properties.boolean, false)
  })

  test("writes paths: parameters of each kind, responses and the operation's extensions", () => {
    const item = named<any>(doc.paths.path, "/api/v1/namespaces/{namespace}/pods")
    const [ns, pretty] = item.parameters
    assert.equal(ns.parameter.non_body_parameter.oneof, "path_parameter_sub_schema")
    assert.deepEqual(
      { ...ns.parameter.non_body_parameter.path_parameter_sub_schema },
      { required: true, in: "path", name: "namespace", type: "string" },
    )
    assert.equal(pretty.oneof, "json_reference")
    assert.equal(pretty.json_reference._ref, "#/parameters/pretty")

    const post = item.post
    assert.equal(post.operation_id, "createCoreV1NamespacedPod")
    assert.deepEqual(
      [post.consumes, post.produces, post.schemes, post.tags],
      [["*/*"], ["application/json"], ["https"], ["core_v1"]],
    )
    const [body, query] = post.parameters
    assert.equal(body.parameter.body_parameter.schema._ref, "#/definitions/io.k8s.api.core.v1.Pod")
    assert.equal(body.parameter.body_parameter.required, true)
    const q = query.parameter.non_body_parameter.query_parameter_sub_schema
    assert.equal(q.name, "fieldValidation")
    assert.deepEqual(
      q.enum.map((e: { yaml: string }) => parseYaml(e.yaml)),
      ["Ignore", "Strict"],
    )
    assert.equal(parseYaml(q.default.yaml), "")
    const ok = named<any>(post.responses.response_code, "200")
    assert.equal(ok.response.description, "OK")
    assert.equal(ok.response.schema.schema._ref, "#/definitions/io.k8s.api.core.v1.Pod")
    assert.equal(named<any>(post.responses.response_code, "401").response.schema, undefined)
    assert.deepEqual(extensions(post.vendor_extension), {
      "x-kubernetes-action": "post",
      "x-kubernetes-group-version-kind": { group: "", kind: "Pod", version: "v1" },
    })
  })
})

/**
 * kube-openapi's reading of a definition (pkg/util/proto, which kubectl validates with): a fixed
 * type of object, array or a primitive; arrays with exactly one item schema; references only to
 * existing definitions and without a type. Returns the first violation.
 */
function objectReadable(s: any, path: string, models: Set<string>): string | undefined {
  for (const p of s.properties?.additional_properties ?? []) {
    const bad = kubectlReadable(p.value, `${path}.${p.name}`, models)
    if (bad) return bad
  }
  const sub = s.additional_properties?.schema
  return sub ? kubectlReadable(sub, `${path}{}`, models) : undefined
}

function kubectlReadable(s: any, path: string, models: Set<string>): string | undefined {
  const types: string[] = s.type?.value ?? []
  if (types.length > 1) return `${path}: more than one type`
  const [t] = types
  if (s._ref && t === undefined) {
    const name = String(s._ref).replace(/^#\/definitions\//, "")
    return models.has(name) ? undefined : `${path}: unknown model ${s._ref}`
  }
  if (t === "array") {
    if (s.items?.schema?.length !== 1) return `${path}: array without exactly one item schema`
    return kubectlReadable(s.items.schema[0], `${path}[]`, models)
  }
  if (t === "object" || (t === undefined && s.properties)) return objectReadable(s, path, models)
  if (t !== undefined && !["string", "integer", "number", "boolean"].includes(t)) return `${path}: type ${t}`
  return undefined
}

describe("the served /openapi/v2 in protobuf", () => {
  const docs = new OpenApiDocuments(BUILTIN_RESOURCES)
  const json = JSON.parse(docs.v2().body.toString("utf8"))
  const pb = docs.v2Protobuf()
  const doc = decode(pb.body)
  const definitions: Named<any>[] = doc.definitions.additional_properties

  test("is encoded once, carries the JSON's hash, and holds every definition and path in order", () => {
    assert.equal(docs.v2Protobuf(), pb)
    assert.equal(pb.hash, docs.v2().hash)
    assert.deepEqual(
      definitions.map((d) => d.name),
      Object.keys(json.definitions),
    )
    assert.deepEqual(
      doc.paths.path.map((p: Named<unknown>) => p.name),
      Object.keys(json.paths),
    )
  })

  test("kinds carry x-kubernetes-group-version-kind and strategic-merge metadata", () => {
    const deployment = named<any>(definitions, "io.k8s.api.apps.v1.Deployment")
    assert.deepEqual(extensions(deployment.vendor_extension)["x-kubernetes-group-version-kind"], [
      { group: "apps", kind: "Deployment", version: "v1" },
    ])
    const spec = named<any>(deployment.properties.additional_properties, "spec")
    assert.equal(spec._ref, "#/definitions/io.k8s.api.apps.v1.DeploymentSpec")
    const podSpec = named<any>(definitions, "io.k8s.api.core.v1.PodSpec")
    const containers = named<any>(podSpec.properties.additional_properties, "containers")
    assert.equal(containers.items.schema[0]._ref, "#/definitions/io.k8s.api.core.v1.Container")
    assert.deepEqual(extensions(containers.vendor_extension), {
      "x-kubernetes-list-map-keys": ["name"],
      "x-kubernetes-list-type": "map",
      "x-kubernetes-patch-merge-key": "name",
      "x-kubernetes-patch-strategy": "merge",
    })
  })

  test("every definition reads as kube-openapi reads it", () => {
    const models = new Set(definitions.map((d) => d.name))
    for (const d of definitions) assert.equal(kubectlReadable(d.value, d.name, models), undefined)
  })

  test("PATCH operations carry their GVK and the fieldValidation parameter", () => {
    const item = named<any>(doc.paths.path, "/apis/apps/v1/namespaces/{namespace}/deployments/{name}")
    assert.deepEqual(extensions(item.patch.vendor_extension)["x-kubernetes-group-version-kind"], {
      group: "apps",
      kind: "Deployment",
      version: "v1",
    })
    const names = item.patch.parameters.map(
      (p: any) => p.parameter?.non_body_parameter?.query_parameter_sub_schema?.name,
    )
    assert.ok(names.includes("fieldValidation"))
  })
})

/**
 * Swagger 2.0 (/openapi/v2) from the v3 documents: the same paths and definitions in the older
 * dialect (body parameters, consumes and produces, `#/definitions/` references, no oneOf).
 */
import { KUBE_VERSION } from "../../api/index.ts"
import type { JsonSchema } from "./schemas.ts"

const V3_REF = "#/components/schemas/"

/** A v3 schema in v2's dialect. */
function schemaV2(s: unknown): unknown {
  if (Array.isArray(s)) return s.map(schemaV2)
  if (typeof s !== "object" || s === null) return s
  const src = s as JsonSchema
  const out: JsonSchema = {}
  for (const [k, v] of Object.entries(src)) {
    if (k === "$ref" && typeof v === "string") out.$ref = v.replace(V3_REF, "#/definitions/")
    else if (k === "properties" && typeof v === "object" && v !== null) {
      // Property names are not keywords (a CRD's JSONSchemaProps has `$ref`, `oneOf`, `allOf`).
      out.properties = Object.fromEntries(Object.entries(v).map(([name, p]) => [name, schemaV2(p)]))
    } else if (k === "oneOf")
      out.type = "string" // Quantity and IntOrString are strings in v2
    else if (k === "items" || k === "additionalProperties") out[k] = schemaV2(v)
    else if (k !== "allOf") out[k] = v // values (default, enum, example) and extensions as they are
  }
  // A lone $ref wrapped for v3's sake stands bare in v2, beside its description.
  const allOf = src.allOf as JsonSchema[] | undefined
  if (allOf?.length === 1 && typeof allOf[0]?.$ref === "string") {
    out.$ref = allOf[0].$ref.replace(V3_REF, "#/definitions/")
  }
  return forKubectl(out, src)
}

/**
 * What upstream leaves out of a custom resource's schema in v2 so that kubectl's client-side
 * validation (which knows no nullable, junctors or preserved unknown fields, and takes any
 * property list as closed) accepts what the server accepts: junctors go; a nullable value, or one
 * keeping unknown fields, loses its properties and items (and a type kubectl would then check);
 * an array left without items loses its type; nullable properties are not required. Built-in
 * schemas use none of these keywords.
 */
function forKubectl(out: JsonSchema, src: JsonSchema): JsonSchema {
  for (const k of ["anyOf", "not", "nullable"]) delete out[k]
  const preserve = src["x-kubernetes-preserve-unknown-fields"] === true
  if (src.nullable === true || preserve) {
    delete out.items
    delete out.properties
    if (src.nullable === true || out.type === "object") delete out.type
  }
  if (out.type === "array" && out.items === undefined) delete out.type
  const props = (src.properties ?? {}) as Record<string, JsonSchema>
  if (Array.isArray(out.required)) {
    out.required = (out.required as string[]).filter((name) => props[name]?.nullable !== true)
    if ((src.additionalProperties as JsonSchema | undefined)?.nullable === true) out.required = []
    if ((out.required as string[]).length === 0) delete out.required
  }
  return out
}

function parameterV2(p: JsonSchema): JsonSchema {
  const { schema, ...rest } = p as { schema?: JsonSchema } & JsonSchema
  return { ...rest, ...(schema ?? {}) }
}

function operationV2(op: JsonSchema): JsonSchema {
  const { requestBody, responses, parameters, ...rest } = op as {
    requestBody?: { content: Record<string, { schema: JsonSchema }> }
    responses: Record<string, { description: string; content?: Record<string, { schema: JsonSchema }> }>
    parameters?: JsonSchema[]
  } & JsonSchema
  const params = (parameters ?? []).map(parameterV2)
  const bodyContent = requestBody ? Object.entries(requestBody.content) : []
  if (bodyContent[0]) {
    params.unshift({ in: "body", name: "body", required: true, schema: schemaV2(bodyContent[0][1].schema) })
  }
  const produces = new Set<string>()
  const out: Record<string, JsonSchema> = {}
  for (const [code, r] of Object.entries(responses)) {
    const media = Object.entries(r.content ?? {})
    for (const [m] of media) if (!m.includes("stream=")) produces.add(m)
    out[code] = { description: r.description, ...(media[0] ? { schema: schemaV2(media[0][1].schema) } : {}) }
  }
  out["401"] = { description: "Unauthorized" }
  return {
    ...(bodyContent.length ? { consumes: bodyContent.map(([m]) => m) } : {}),
    ...rest,
    ...(params.length ? { parameters: params } : {}),
    produces: [...produces],
    responses: out,
    schemes: ["https"],
  }
}

/** One Swagger 2.0 document holding every path and definition of the v3 documents. */
export function toSwagger(docs: readonly Record<string, unknown>[]): Record<string, unknown> {
  const paths: Record<string, JsonSchema> = {}
  const definitions: Record<string, unknown> = {}
  for (const doc of docs) {
    const schemas = (doc.components as { schemas: Record<string, unknown> }).schemas
    for (const [name, s] of Object.entries(schemas)) definitions[name] ??= schemaV2(s)
    for (const [path, item] of Object.entries(doc.paths as Record<string, JsonSchema>)) {
      const v2: JsonSchema = {}
      for (const [method, op] of Object.entries(item)) {
        v2[method] =
          method === "parameters" ? (op as JsonSchema[]).map(parameterV2) : operationV2(op as JsonSchema)
      }
      paths[path] = v2
    }
  }
  const byName = <T>(r: Record<string, T>) =>
    Object.fromEntries(Object.entries(r).sort(([a], [b]) => (a < b ? -1 : 1)))
  return {
    definitions: byName(definitions),
    info: { title: "Kubernetes", version: KUBE_VERSION.gitVersion },
    paths: byName(paths),
    securityDefinitions: {
      BearerToken: {
        description: "Bearer Token authentication",
        in: "header",
        name: "authorization",
        type: "apiKey",
      },
    },
    security: [{ BearerToken: [] }],
    swagger: "2.0",
  }
}

/**
 * /openapi/v2 in protobuf: the Swagger 2.0 JSON document as gnostic's `openapi.v2.Document`
 * message, the form kubectl asks for (`application/com.github.proto-openapi.spec.v2@v1.0+protobuf`)
 * to validate `kind: List` files on the client and to look up strategic-merge metadata.
 * Written straight from the JSON with protobufjs's Writer, walking the tables of gnostic-v2.ts.
 * Values gnostic keeps as YAML (`default`, `enum`, `example`, every `x-` extension) are written as
 * JSON text, which is YAML too. Members the format has no field for are left out.
 */
import protobuf from "protobufjs"
import {
  type FieldType,
  type RuleName,
  type Scalar,
  type Table,
  TABLES,
  type TableName,
} from "./gnostic-v2.ts"

type Writer = protobuf.Writer
type Json = Record<string, unknown>

const VARINT = 0
const FIXED64 = 1
const LENGTH_DELIMITED = 2

function isObject(v: unknown): v is Json {
  return typeof v === "object" && v !== null && !Array.isArray(v)
}

function tag(w: Writer, n: number, wireType: number): void {
  w.uint32((n << 3) | wireType)
}

/**
 * One scalar field, left out when it holds proto3's default (as Go's encoder does) unless
 * `always` (a oneof member, whose presence is the information). Wrong JSON types are left out.
 */
function writeScalar(w: Writer, n: number, type: Scalar, v: unknown, always = false): void {
  if (type === "string") {
    if (typeof v !== "string" || (v === "" && !always)) return
    tag(w, n, LENGTH_DELIMITED)
    w.string(v)
  } else if (type === "bool") {
    if (typeof v !== "boolean" || (!v && !always)) return
    tag(w, n, VARINT)
    w.bool(v)
  } else if (typeof v === "number" && (v !== 0 || always)) {
    if (type === "double") {
      tag(w, n, FIXED64)
      w.double(v)
    } else if (Number.isInteger(v)) {
      tag(w, n, VARINT)
      w.int64(v)
    }
  }
}

function isScalar(type: FieldType): type is Scalar {
  return type === "string" || type === "bool" || type === "double" || type === "int64"
}

/** Field `n` holding `v` as `type`: a scalar, or a nested message (written even when empty). */
function writeField(w: Writer, n: number, type: FieldType, v: unknown): void {
  if (isScalar(type)) return writeScalar(w, n, type, v)
  tag(w, n, LENGTH_DELIMITED)
  w.fork()
  writeMessage(w, type, v)
  w.ldelim()
}

/** A Named<T> entry of gnostic's maps: the key at 1, the value at 2. */
function writeNamed(w: Writer, n: number, name: string, type: FieldType, v: unknown): void {
  tag(w, n, LENGTH_DELIMITED)
  w.fork()
  writeScalar(w, 1, "string", name)
  if (isScalar(type)) writeScalar(w, 2, type, v)
  else writeField(w, 2, type, v)
  w.ldelim()
}

function writeTable(w: Writer, t: Table, obj: Json): void {
  for (const [key, v] of Object.entries(obj)) {
    if (v === undefined) continue
    const f = t.fields[key]
    if (f) {
      const [n, type, repeated] = f
      if (!repeated) writeField(w, n, type, v)
      else if (Array.isArray(v)) for (const item of v) writeField(w, n, type, item)
    } else if (t.ext !== undefined && key.startsWith("x-")) writeNamed(w, t.ext, key, "Any", v)
    else if (t.rest) writeNamed(w, t.rest[0], key, t.rest[1], v)
  }
}

const NON_BODY_PARAMETERS: Readonly<Record<string, readonly [number, TableName]>> = {
  header: [1, "HeaderParameterSubSchema"],
  formData: [2, "FormDataParameterSubSchema"],
  query: [3, "QueryParameterSubSchema"],
  path: [4, "PathParameterSubSchema"],
}

const OAUTH2_FLOWS: Readonly<Record<string, readonly [number, TableName]>> = {
  implicit: [3, "Oauth2ImplicitSecurity"],
  password: [4, "Oauth2PasswordSecurity"],
  application: [5, "Oauth2ApplicationSecurity"],
  accessCode: [6, "Oauth2AccessCodeSecurity"],
}

/** The oneof branch of a security definition: by its type, and an OAuth2 one by its flow. */
function securityBranch(v: Json): readonly [number, TableName] | undefined {
  if (v.type === "basic") return [1, "BasicAuthenticationSecurity"]
  if (v.type === "apiKey") return [2, "ApiKeySecurity"]
  return v.type === "oauth2" ? OAUTH2_FLOWS[String(v.flow)] : undefined
}

/** A list of strings (`TypeItem`, `StringArray`): one string, or an array of them, at field 1. */
function writeStrings(w: Writer, v: unknown): void {
  for (const s of Array.isArray(v) ? v : [v]) writeScalar(w, 1, "string", s, true)
}

/** The messages whose JSON needs a rule: the oneofs, the one-or-many lists and Any. */
const RULES: Readonly<Record<RuleName, (w: Writer, v: unknown) => void>> = {
  Any: (w, v) => writeScalar(w, 2, "string", JSON.stringify(v) ?? "null", true),
  TypeItem: writeStrings,
  StringArray: writeStrings,
  ItemsItem: (w, v) => {
    for (const s of Array.isArray(v) ? v : [v]) writeField(w, 1, "Schema", s)
  },
  AdditionalPropertiesItem: (w, v) => {
    if (typeof v === "boolean") writeScalar(w, 2, "bool", v, true)
    else writeField(w, 1, "Schema", v)
  },
  ParametersItem: (w, v) =>
    isObject(v) && typeof v.$ref === "string"
      ? writeField(w, 2, "JsonReference", v)
      : writeField(w, 1, "Parameter", v),
  Parameter: (w, v) =>
    isObject(v) && v.in === "body"
      ? writeField(w, 1, "BodyParameter", v)
      : writeField(w, 2, "NonBodyParameter", v),
  NonBodyParameter: (w, v) => {
    const branch = isObject(v) ? NON_BODY_PARAMETERS[String(v.in)] : undefined
    if (branch) writeField(w, branch[0], branch[1], v)
  },
  ResponseValue: (w, v) =>
    isObject(v) && typeof v.$ref === "string"
      ? writeField(w, 2, "JsonReference", v)
      : writeField(w, 1, "Response", v),
  SchemaItem: (w, v) =>
    isObject(v) && v.type === "file" ? writeField(w, 2, "FileSchema", v) : writeField(w, 1, "Schema", v),
  SecurityDefinitionsItem: (w, v) => {
    const branch = isObject(v) ? securityBranch(v) : undefined
    if (branch) writeField(w, branch[0], branch[1], v)
  },
}

function writeMessage(w: Writer, type: TableName | RuleName, v: unknown): void {
  if (type in RULES) RULES[type as RuleName](w, v)
  else if (isObject(v)) writeTable(w, TABLES[type as TableName], v)
}

/** The Swagger 2.0 document `doc` (parsed JSON) as an encoded `openapi.v2.Document`. */
export function encodeSwagger(doc: Json): Buffer {
  const w = protobuf.Writer.create()
  writeTable(w, TABLES.Document, doc)
  return Buffer.from(w.finish())
}

/**
 * The messages of gnostic's `openapi.v2` protobuf package (github.com/google/gnostic,
 * openapiv2/OpenAPIv2.proto), the wire format of /openapi/v2 in protobuf, as tables from a
 * Swagger 2.0 JSON member to its field. Messages whose JSON is not an object with fixed members
 * (the oneofs, `type`, `items`, Any) are written by rules in v2-protobuf.ts instead.
 */

/** A protobuf scalar as written here. */
export type Scalar = "string" | "bool" | "double" | "int64"

/** A message written by a rule of its own rather than by a table. */
export type RuleName =
  | "Any"
  | "AdditionalPropertiesItem"
  | "ItemsItem"
  | "NonBodyParameter"
  | "Parameter"
  | "ParametersItem"
  | "ResponseValue"
  | "SchemaItem"
  | "SecurityDefinitionsItem"
  | "StringArray"
  | "TypeItem"

/** A message written from a table. */
export type TableName =
  | "Document"
  | "Info"
  | "Contact"
  | "License"
  | "ExternalDocs"
  | "Tag"
  | "Paths"
  | "PathItem"
  | "Operation"
  | "JsonReference"
  | "BodyParameter"
  | "HeaderParameterSubSchema"
  | "PathParameterSubSchema"
  | "QueryParameterSubSchema"
  | "FormDataParameterSubSchema"
  | "PrimitivesItems"
  | "Header"
  | "Headers"
  | "Examples"
  | "Responses"
  | "Response"
  | "FileSchema"
  | "Schema"
  | "Xml"
  | "Definitions"
  | "Properties"
  | "ParameterDefinitions"
  | "ResponseDefinitions"
  | "SecurityDefinitions"
  | "SecurityRequirement"
  | "BasicAuthenticationSecurity"
  | "ApiKeySecurity"
  | "Oauth2ImplicitSecurity"
  | "Oauth2PasswordSecurity"
  | "Oauth2ApplicationSecurity"
  | "Oauth2AccessCodeSecurity"
  | "Oauth2Scopes"

/** What a field holds: a scalar, a table message or a rule message. */
export type FieldType = Scalar | TableName | RuleName

/** A field: its number, its type, and whether each element of a JSON array is one occurrence. */
export type Field = readonly [n: number, type: FieldType, repeated?: "repeated"]

/** A message written from a JSON object. */
export interface Table {
  /** The fields by JSON member name. */
  readonly fields: Readonly<Record<string, Field>>
  /** The field of `repeated NamedAny vendor_extension`: every `x-` member goes there. */
  readonly ext?: number
  /**
   * For gnostic's maps (`Definitions`, `Paths`, ...): the field of the repeated Named<T> entries
   * ({1: name, 2: value}) and T; every member not in `fields` (nor an extension) becomes one.
   */
  readonly rest?: readonly [n: number, type: FieldType]
}

/** The members a primitive (non-body) parameter, PrimitivesItems and Header share, numbered from `n`. */
function primitive(n: number): Record<string, Field> {
  const names: [string, FieldType, "repeated"?][] = [
    ["type", "string"],
    ["format", "string"],
    ["items", "PrimitivesItems"],
    ["collectionFormat", "string"],
    ["default", "Any"],
    ["maximum", "double"],
    ["exclusiveMaximum", "bool"],
    ["minimum", "double"],
    ["exclusiveMinimum", "bool"],
    ["maxLength", "int64"],
    ["minLength", "int64"],
    ["pattern", "string"],
    ["maxItems", "int64"],
    ["minItems", "int64"],
    ["uniqueItems", "bool"],
    ["enum", "Any", "repeated"],
    ["multipleOf", "double"],
  ]
  return Object.fromEntries(
    names.map(([name, type, rep], i) => [name, rep ? [n + i, type, rep] : [n + i, type]]),
  )
}

const PARAMETER_HEAD: Record<string, Field> = {
  required: [1, "bool"],
  in: [2, "string"],
  description: [3, "string"],
  name: [4, "string"],
}

/** Header and path parameters: the shared members from 5, extensions at 22. */
const HEADER_OR_PATH_PARAMETER: Table = { fields: { ...PARAMETER_HEAD, ...primitive(5) }, ext: 22 }
/** Query and form parameters: allowEmptyValue at 5, the shared members from 6, extensions at 23. */
const QUERY_OR_FORM_PARAMETER: Table = {
  fields: { ...PARAMETER_HEAD, allowEmptyValue: [5, "bool"], ...primitive(6) },
  ext: 23,
}

const OAUTH2_HEAD: Record<string, Field> = {
  type: [1, "string"],
  flow: [2, "string"],
  scopes: [3, "Oauth2Scopes"],
}

const SCHEMA: Table = {
  fields: {
    $ref: [1, "string"],
    format: [2, "string"],
    title: [3, "string"],
    description: [4, "string"],
    default: [5, "Any"],
    multipleOf: [6, "double"],
    maximum: [7, "double"],
    exclusiveMaximum: [8, "bool"],
    minimum: [9, "double"],
    exclusiveMinimum: [10, "bool"],
    maxLength: [11, "int64"],
    minLength: [12, "int64"],
    pattern: [13, "string"],
    maxItems: [14, "int64"],
    minItems: [15, "int64"],
    uniqueItems: [16, "bool"],
    maxProperties: [17, "int64"],
    minProperties: [18, "int64"],
    required: [19, "string", "repeated"],
    enum: [20, "Any", "repeated"],
    additionalProperties: [21, "AdditionalPropertiesItem"],
    type: [22, "TypeItem"],
    items: [23, "ItemsItem"],
    allOf: [24, "Schema", "repeated"],
    properties: [25, "Properties"],
    discriminator: [26, "string"],
    readOnly: [27, "bool"],
    xml: [28, "Xml"],
    externalDocs: [29, "ExternalDocs"],
    example: [30, "Any"],
  },
  ext: 31,
}

const OPERATION: Table = {
  fields: {
    tags: [1, "string", "repeated"],
    summary: [2, "string"],
    description: [3, "string"],
    externalDocs: [4, "ExternalDocs"],
    operationId: [5, "string"],
    produces: [6, "string", "repeated"],
    consumes: [7, "string", "repeated"],
    parameters: [8, "ParametersItem", "repeated"],
    responses: [9, "Responses"],
    schemes: [10, "string", "repeated"],
    deprecated: [11, "bool"],
    security: [12, "SecurityRequirement", "repeated"],
  },
  ext: 13,
}

/** Every table message of openapi.v2 that a Swagger document can reach. */
export const TABLES: Readonly<Record<TableName, Table>> = {
  Document: {
    fields: {
      swagger: [1, "string"],
      info: [2, "Info"],
      host: [3, "string"],
      basePath: [4, "string"],
      schemes: [5, "string", "repeated"],
      consumes: [6, "string", "repeated"],
      produces: [7, "string", "repeated"],
      paths: [8, "Paths"],
      definitions: [9, "Definitions"],
      parameters: [10, "ParameterDefinitions"],
      responses: [11, "ResponseDefinitions"],
      security: [12, "SecurityRequirement", "repeated"],
      securityDefinitions: [13, "SecurityDefinitions"],
      tags: [14, "Tag", "repeated"],
      externalDocs: [15, "ExternalDocs"],
    },
    ext: 16,
  },
  Info: {
    fields: {
      title: [1, "string"],
      version: [2, "string"],
      description: [3, "string"],
      termsOfService: [4, "string"],
      contact: [5, "Contact"],
      license: [6, "License"],
    },
    ext: 7,
  },
  Contact: { fields: { name: [1, "string"], url: [2, "string"], email: [3, "string"] }, ext: 4 },
  License: { fields: { name: [1, "string"], url: [2, "string"] }, ext: 3 },
  ExternalDocs: { fields: { description: [1, "string"], url: [2, "string"] }, ext: 3 },
  Tag: {
    fields: { name: [1, "string"], description: [2, "string"], externalDocs: [3, "ExternalDocs"] },
    ext: 4,
  },
  Paths: { fields: {}, ext: 1, rest: [2, "PathItem"] },
  PathItem: {
    fields: {
      $ref: [1, "string"],
      get: [2, "Operation"],
      put: [3, "Operation"],
      post: [4, "Operation"],
      delete: [5, "Operation"],
      options: [6, "Operation"],
      head: [7, "Operation"],
      patch: [8, "Operation"],
      parameters: [9, "ParametersItem", "repeated"],
    },
    ext: 10,
  },
  Operation: OPERATION,
  JsonReference: { fields: { $ref: [1, "string"], description: [2, "string"] } },
  BodyParameter: {
    fields: {
      description: [1, "string"],
      name: [2, "string"],
      in: [3, "string"],
      required: [4, "bool"],
      schema: [5, "Schema"],
    },
    ext: 6,
  },
  HeaderParameterSubSchema: HEADER_OR_PATH_PARAMETER,
  PathParameterSubSchema: HEADER_OR_PATH_PARAMETER,
  QueryParameterSubSchema: QUERY_OR_FORM_PARAMETER,
  FormDataParameterSubSchema: QUERY_OR_FORM_PARAMETER,
  PrimitivesItems: { fields: primitive(1), ext: 18 },
  Header: { fields: { ...primitive(1), description: [18, "string"] }, ext: 19 },
  Headers: { fields: {}, rest: [1, "Header"] },
  Examples: { fields: {}, rest: [1, "Any"] },
  Responses: { fields: {}, ext: 2, rest: [1, "ResponseValue"] },
  Response: {
    fields: {
      description: [1, "string"],
      schema: [2, "SchemaItem"],
      headers: [3, "Headers"],
      examples: [4, "Examples"],
    },
    ext: 5,
  },
  FileSchema: {
    fields: {
      format: [1, "string"],
      title: [2, "string"],
      description: [3, "string"],
      default: [4, "Any"],
      required: [5, "string", "repeated"],
      type: [6, "string"],
      readOnly: [7, "bool"],
      externalDocs: [8, "ExternalDocs"],
      example: [9, "Any"],
    },
    ext: 10,
  },
  Schema: SCHEMA,
  Xml: {
    fields: {
      name: [1, "string"],
      namespace: [2, "string"],
      prefix: [3, "string"],
      attribute: [4, "bool"],
      wrapped: [5, "bool"],
    },
    ext: 6,
  },
  Definitions: { fields: {}, rest: [1, "Schema"] },
  Properties: { fields: {}, rest: [1, "Schema"] },
  ParameterDefinitions: { fields: {}, rest: [1, "Parameter"] },
  ResponseDefinitions: { fields: {}, rest: [1, "Response"] },
  SecurityDefinitions: { fields: {}, rest: [1, "SecurityDefinitionsItem"] },
  SecurityRequirement: { fields: {}, rest: [1, "StringArray"] },
  BasicAuthenticationSecurity: { fields: { type: [1, "string"], description: [2, "string"] }, ext: 3 },
  ApiKeySecurity: {
    fields: { type: [1, "string"], name: [2, "string"], in: [3, "string"], description: [4, "string"] },
    ext: 5,
  },
  Oauth2ImplicitSecurity: {
    fields: { ...OAUTH2_HEAD, authorizationUrl: [4, "string"], description: [5, "string"] },
    ext: 6,
  },
  Oauth2PasswordSecurity: {
    fields: { ...OAUTH2_HEAD, tokenUrl: [4, "string"], description: [5, "string"] },
    ext: 6,
  },
  Oauth2ApplicationSecurity: {
    fields: { ...OAUTH2_HEAD, tokenUrl: [4, "string"], description: [5, "string"] },
    ext: 6,
  },
  Oauth2AccessCodeSecurity: {
    fields: {
      ...OAUTH2_HEAD,
      authorizationUrl: [4, "string"],
      tokenUrl: [5, "string"],
      description: [6, "string"],
    },
    ext: 7,
  },
  Oauth2Scopes: { fields: {}, rest: [1, "string"] },
}

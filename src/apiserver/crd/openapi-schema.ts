/**
 * The OpenAPI v3 component schemas of a custom resource version, shaped as upstream publishes
 * them: named by the reversed group (`com.example.stable.v1.CronTab`), the CRD's structural
 * schema with apiVersion, kind and a metadata reference to ObjectMeta added, and the List kind.
 * For the /openapi/v3 documents (kubectl explain, and kubectl's fieldValidation discovery).
 */
import type { ResourceInfo, StructuralSchema } from "../../api/index.ts"

const META = "io.k8s.apimachinery.pkg.apis.meta.v1"

const API_VERSION = {
  type: "string",
  description:
    "APIVersion defines the versioned schema of this representation of an object. Servers should convert recognized schemas to the latest internal value, and may reject unrecognized values. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#resources",
}
const KIND = {
  type: "string",
  description:
    "Kind is a string value representing the REST resource this object represents. Servers may infer this from the endpoint the client submits requests to. Cannot be updated. In CamelCase. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds",
}

/** `com.example.stable.v1.CronTab` for stable.example.com/v1 CronTab. */
export function customResourceDefinitionName(group: string, version: string, kind: string): string {
  return [...group.split(".").reverse(), version, kind].join(".")
}

function ref(name: string, description: string): Record<string, unknown> {
  return { allOf: [{ $ref: `#/components/schemas/${name}` }], description }
}

/** The kind's and its List's component schemas, by definition name. */
export function customResourceSchemas(
  info: ResourceInfo,
  schema: StructuralSchema | undefined,
): Record<string, Record<string, unknown>> {
  const name = customResourceDefinitionName(info.group, info.version, info.kind)
  const gvk = (kind: string) => [{ group: info.group, kind, version: info.version }]
  const base = structuredClone(schema ?? { type: "object", "x-kubernetes-preserve-unknown-fields": true })
  const { properties, ...rest } = base
  const { apiVersion: _a, kind: _k, metadata: _m, ...own } = properties ?? {}
  const item = {
    ...rest,
    type: "object",
    properties: {
      apiVersion: API_VERSION,
      kind: KIND,
      metadata: ref(
        `${META}.ObjectMeta`,
        "Standard object's metadata. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata",
      ),
      ...own,
    },
    "x-kubernetes-group-version-kind": gvk(info.kind),
  }
  const list = {
    description: `${info.kind}List is a list of ${info.kind}`,
    type: "object",
    required: ["items"],
    properties: {
      apiVersion: API_VERSION,
      items: {
        type: "array",
        description: `List of ${info.resource}. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md`,
        items: { $ref: `#/components/schemas/${name}` },
      },
      kind: KIND,
      metadata: ref(
        `${META}.ListMeta`,
        "Standard list metadata. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds",
      ),
    },
    "x-kubernetes-group-version-kind": gvk(`${info.kind}List`),
  }
  return { [name]: item, [`${name}List`]: list }
}

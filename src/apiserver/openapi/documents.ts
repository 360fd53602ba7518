/**
 * The OpenAPI documents of the served resources: one v3 document per group version, the v3 index
 * naming each by its content hash, and one Swagger 2.0 document of everything. Generated on first
 * request, then kept: the resources and the schema table never change while a server runs.
 */
import { createHash } from "node:crypto"
import { KUBE_VERSION, type ResourceInfo, schema } from "../../api/index.ts"
import { COMMON_DEFINITIONS, PathBuilder } from "./paths.ts"
import { definitionSchema, type Gvk, type JsonSchema, reachable } from "./schemas.ts"
import { toSwagger } from "./v2.ts"
import { encodeSwagger } from "./v2-protobuf.ts"

/** A generated document: its JSON bytes and their hash (upstream's: SHA-512, upper-case hex). */
export interface GeneratedDocument {
  readonly body: Buffer
  readonly hash: string
  readonly generated: Date
}

/** `api/v1` or `apis/<group>/<version>`: where a group version's document is served under /openapi/v3. */
export function documentPath(group: string, version: string): string {
  return group ? `apis/${group}/${version}` : `api/${version}`
}

function generated(value: unknown): GeneratedDocument {
  const body = Buffer.from(JSON.stringify(value))
  return { body, hash: createHash("sha512").update(body).digest("hex").toUpperCase(), generated: new Date() }
}

function compareGvk(a: Gvk, b: Gvk): number {
  return a.group.localeCompare(b.group) || a.version.localeCompare(b.version) || a.kind.localeCompare(b.kind)
}

/** Every group-version-kind each definition serves as, for x-kubernetes-group-version-kind. */
function kindsByDefinition(resources: readonly ResourceInfo[]): Map<string, Gvk[]> {
  const out = new Map<string, Gvk[]>()
  const add = (def: string | undefined, gvk: Gvk) => {
    if (!def) return
    const list = out.get(def) ?? []
    if (!list.some((g) => compareGvk(g, gvk) === 0)) list.push(gvk)
    out.set(def, list)
  }
  const gvs = new Map<string, Gvk>()
  for (const r of resources) {
    gvs.set(`${r.group}/${r.version}`, { group: r.group, version: r.version, kind: "" })
    const gv = { group: r.group, version: r.version }
    add(schema.definitionOf(r.group, r.version, r.kind), { ...gv, kind: r.kind })
    add(schema.definitionOf(r.group, r.version, `${r.kind}List`), { ...gv, kind: `${r.kind}List` })
    for (const s of r.subresources) {
      if (!s.kind || !s.group) continue
      add(schema.definitionOf(s.group, s.version ?? "v1", s.kind), {
        group: s.group,
        version: s.version ?? "v1",
        kind: s.kind,
      })
    }
  }
  for (const gv of gvs.values()) {
    for (const kind of ["DeleteOptions", "WatchEvent"]) add(`${schema.META}.${kind}`, { ...gv, kind })
  }
  add(`${schema.META}.Status`, { group: "", version: "v1", kind: "Status" })
  add(`${schema.META}.APIResourceList`, { group: "", version: "v1", kind: "APIResourceList" })
  for (const list of out.values()) list.sort(compareGvk)
  return out
}

function sorted<T>(record: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
}

/** The component schemas of a custom resource (its kind's first, its List's second), if `r` is one. */
export type CustomSchemas = (r: ResourceInfo) => Record<string, JsonSchema> | undefined

/** The OpenAPI documents of a fixed set of resources, generated lazily and cached. */
export class OpenApiDocuments {
  readonly #resources: readonly ResourceInfo[]
  readonly #custom: CustomSchemas | undefined
  #v3?: Map<string, GeneratedDocument>
  #index?: GeneratedDocument
  #v2?: GeneratedDocument
  #v2Protobuf?: GeneratedDocument
  readonly #schemas = new Map<string, JsonSchema>()
  #kinds?: Map<string, Gvk[]>

  constructor(resources: readonly ResourceInfo[], custom?: CustomSchemas) {
    this.#resources = resources
    this.#custom = custom
  }

  #schemaOf(def: string): JsonSchema {
    let s = this.#schemas.get(def)
    if (!s) {
      this.#kinds ??= kindsByDefinition(this.#resources)
      s = definitionSchema(def, this.#kinds.get(def) ?? [])
      this.#schemas.set(def, s)
    }
    return s
  }

  /** The v3 document object of one group version. */
  #buildV3(group: string, version: string): Record<string, unknown> {
    const b = new PathBuilder(group, version)
    const extra: Record<string, JsonSchema> = {}
    for (const r of this.#resources) {
      if (r.group !== group || r.version !== version) continue
      const custom = this.#custom?.(r)
      const [item, list] = Object.keys(custom ?? {})
      if (custom && item && list) {
        Object.assign(extra, custom)
        b.addResource(r, { item, list })
      } else b.addResource(r)
    }
    const roots = [...b.used, ...COMMON_DEFINITIONS].filter((d) => !(d in extra))
    if (Object.keys(extra).length) roots.push(`${schema.META}.ObjectMeta`, `${schema.META}.ListMeta`)
    const all: Record<string, JsonSchema> = { ...extra }
    for (const def of reachable(roots)) all[def] = this.#schemaOf(def)
    const schemas = sorted(all)
    return {
      components: {
        schemas,
        securitySchemes: {
          BearerToken: {
            description: "Bearer Token authentication",
            in: "header",
            name: "authorization",
            type: "apiKey",
          },
        },
      },
      info: { title: "Kubernetes", version: KUBE_VERSION.gitVersion },
      openapi: "3.0.0",
      paths: sorted(b.paths),
      security: [{ BearerToken: [] }],
    }
  }

  #allV3(): Map<string, GeneratedDocument> {
    if (!this.#v3) {
      const v3 = new Map<string, GeneratedDocument>()
      for (const r of this.#resources) {
        const path = documentPath(r.group, r.version)
        if (!v3.has(path)) v3.set(path, generated(this.#buildV3(r.group, r.version)))
      }
      this.#v3 = v3
    }
    return this.#v3
  }

  /** The v3 document served at /openapi/v3/`path` (`apis/apps/v1`), if that group version is served. */
  v3(path: string): GeneratedDocument | undefined {
    return this.#allV3().get(path)
  }

  /** The /openapi/v3 index: each group version's document path with its hash. */
  index(): GeneratedDocument {
    if (!this.#index) {
      const paths: Record<string, { serverRelativeURL: string }> = {}
      for (const [path, doc] of [...this.#allV3()].sort(([a], [b]) => (a < b ? -1 : 1)))
        paths[path] = { serverRelativeURL: `/openapi/v3/${path}?hash=${doc.hash}` }
      this.#index = generated({ paths })
    }
    return this.#index
  }

  /** The Swagger 2.0 document of every served group version. */
  v2(): GeneratedDocument {
    if (!this.#v2) {
      const docs = [...this.#allV3().values()].map(
        (d) => JSON.parse(d.body.toString("utf8")) as Record<string, unknown>,
      )
      this.#v2 = generated(toSwagger(docs))
    }
    return this.#v2
  }

  /**
   * The Swagger 2.0 document as gnostic's protobuf message, encoded once from the JSON. Its hash
   * (the ETag) is the JSON's, as upstream's handler serves one ETag for both forms.
   */
  v2Protobuf(): GeneratedDocument {
    if (!this.#v2Protobuf) {
      const json = this.v2()
      const doc = JSON.parse(json.body.toString("utf8")) as Record<string, unknown>
      this.#v2Protobuf = { body: encodeSwagger(doc), hash: json.hash, generated: json.generated }
    }
    return this.#v2Protobuf
  }
}

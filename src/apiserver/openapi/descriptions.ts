/**
 * Field and type descriptions for the OpenAPI documents, read from the doc comments of the
 * kubernetes-types dependency's declaration files (`core/v1.d.ts` and so on). Read on first use,
 * one file per API package, and kept.
 */
import { readFileSync } from "node:fs"
import { createRequire } from "node:module"
import { dirname, join } from "node:path"

/** The description of a type and of each of its fields, and which fields it requires. */
export interface TypeDescription {
  readonly description?: string
  readonly fields: ReadonlyMap<string, string>
  /** Fields declared without `?`: the ones upstream's OpenAPI lists as required. */
  readonly required: ReadonlySet<string>
}

const ROOT = (() => {
  try {
    return dirname(createRequire(import.meta.url).resolve("kubernetes-types/package.json"))
  } catch {
    return undefined
  }
})()

/** The declaration file and type name of an OpenAPI definition name, if kubernetes-types has one. */
function locate(definition: string): { file: string; name: string } | undefined {
  const api = /^io\.k8s\.api\.([a-z0-9]+)\.(v[a-z0-9]+)\.(\w+)$/.exec(definition)
  if (api) return { file: `${api[1]}/${api[2]}.d.ts`, name: api[3] as string }
  const crd = /^io\.k8s\.apiextensions-apiserver\.pkg\.apis\.apiextensions\.(v[a-z0-9]+)\.(\w+)$/.exec(
    definition,
  )
  if (crd) return { file: `apiextensions/${crd[1]}.d.ts`, name: crd[2] as string }
  const meta = /^io\.k8s\.apimachinery\.pkg\.apis\.meta\.v1\.(\w+)$/.exec(definition)
  if (meta) return { file: "meta/v1.d.ts", name: meta[1] as string }
  if (definition === "io.k8s.apimachinery.pkg.api.resource.Quantity")
    return { file: "api/resource.d.ts", name: "Quantity" }
  if (definition === "io.k8s.apimachinery.pkg.runtime.RawExtension")
    return { file: "runtime.d.ts", name: "RawExtension" }
  return undefined
}

/** Strips a `/** … *\/` block to its text, paragraphs kept. */
function commentText(block: string): string {
  return block
    .replace(/^\/\*\*\s?/, "")
    .replace(/\s*\*\/$/, "")
    .split("\n")
    .map((l) => l.replace(/^\s*\* ?/, ""))
    .join("\n")
    .trim()
}

const TOKEN = /(\/\*\*[\s\S]*?\*\/)|^export (?:interface|type) (\w+)|^ {4}(?:readonly )?(\w+)(\??):|^(\})/gm

/** Parses one declaration file into descriptions by type name. */
export function parseDeclarations(text: string): Map<string, TypeDescription> {
  const out = new Map<string, TypeDescription>()
  let pending: string | undefined
  let fields: Map<string, string> | undefined
  let required: Set<string> | undefined
  for (const m of text.matchAll(TOKEN)) {
    if (m[1] !== undefined) {
      pending = commentText(m[1])
      continue
    }
    if (m[2] !== undefined) {
      fields = new Map()
      required = new Set()
      out.set(m[2], { ...(pending ? { description: pending } : {}), fields, required })
    } else if (m[3] !== undefined) {
      if (fields && pending) fields.set(m[3], pending)
      if (required && m[4] === "") required.add(m[3])
    } else if (m[5] !== undefined) {
      fields = undefined
      required = undefined
    }
    pending = undefined
  }
  return out
}

const files = new Map<string, Map<string, TypeDescription>>()

function declarations(file: string): Map<string, TypeDescription> {
  let d = files.get(file)
  if (!d) {
    try {
      d = ROOT ? parseDeclarations(readFileSync(join(ROOT, file), "utf8")) : new Map()
    } catch {
      d = new Map() // a package kubernetes-types does not have yet: no descriptions
    }
    files.set(file, d)
  }
  return d
}

/** The descriptions of OpenAPI definition `definition`, if kubernetes-types documents it. */
export function describe(definition: string): TypeDescription | undefined {
  const at = locate(definition)
  return at ? declarations(at.file).get(at.name) : undefined
}

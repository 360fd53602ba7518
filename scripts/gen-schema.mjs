#!/usr/bin/env node
/**
 * Regenerates src/api/schema/builtin.json, k8ts's table of the built-in types' wire facts:
 * message names, fields by their JSON names, field numbers, types, repetition, maps, required fields, list types,
 * map keys, patch strategies and merge keys, and (from the Go struct tags) the plain number,
 * boolean and string fields whose zero JSON omits, and the slice and map fields it omits empty. It reads upstream's published definitions
 * (the generated.proto files of k8s.io/api and k8s.io/apimachinery) and keeps only those facts:
 * no comments or prose. Usage:
 *   node scripts/gen-schema.mjs <k8s.io/api checkout> <k8s.io/apimachinery checkout> \
 *     <k8s.io/apiextensions-apiserver checkout> <k8s.io/kube-aggregator checkout>
 * Each checkout may be a work tree or a bare git directory (read at HEAD), or either with
 * `@<ref>` appended to read it at a tag or commit: the table k8ts ships is v1.35's, generated from
 * the v0.35.6 tags of all four.
 */
import { execFileSync } from "node:child_process"
import { existsSync, readFileSync, writeFileSync } from "node:fs"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"

/** The group versions k8ts serves or decodes, as paths in k8s.io/api. */
const API_PACKAGES = [
  "core/v1",
  "apps/v1",
  "authentication/v1",
  "authorization/v1",
  "admissionregistration/v1",
  "autoscaling/v1",
  "autoscaling/v2",
  "batch/v1",
  "certificates/v1",
  "coordination/v1",
  "discovery/v1",
  "events/v1",
  "flowcontrol/v1",
  "networking/v1",
  "node/v1",
  "policy/v1",
  "rbac/v1",
  "resource/v1",
  "scheduling/v1",
  "storage/v1",
]
const MACHINERY_PACKAGES = [
  "pkg/api/resource",
  "pkg/apis/meta/v1",
  "pkg/runtime",
  "pkg/runtime/schema",
  "pkg/util/intstr",
]

/** Packages without messages whose named string types the others' fields use (types.UID). */
const MACHINERY_TYPE_PACKAGES = ["pkg/types"]

/** k8s.io/apiextensions-apiserver's packages (CustomResourceDefinition). */
const APIEXTENSIONS_PACKAGES = ["pkg/apis/apiextensions/v1"]

/** k8s.io/kube-aggregator's packages (APIService). */
const AGGREGATOR_PACKAGES = ["pkg/apis/apiregistration/v1"]

/**
 * A checkout argument: a work tree or a bare git directory, read at HEAD, or either with `@<ref>`
 * appended (a tag such as v0.35.6, or a commit), read at that ref through git.
 */
function checkout(arg) {
  const at = arg.lastIndexOf("@")
  const dir = at > 0 && !existsSync(arg) ? arg.slice(0, at) : arg
  const pinned = dir !== arg
  const gitDir = existsSync(join(dir, ".git")) ? join(dir, ".git") : dir
  return { dir, pinned, ref: pinned ? arg.slice(at + 1) : "HEAD", gitDir }
}

function readRepoFile(repo, path) {
  const { dir, pinned, ref, gitDir } = checkout(repo)
  const direct = join(dir, path)
  if (!pinned && existsSync(direct)) return readFileSync(direct, "utf8")
  return execFileSync("git", ["--git-dir", gitDir, "show", `${ref}:${path}`], { encoding: "utf8" })
}

function commitOf(repo) {
  const { ref, gitDir } = checkout(repo)
  try {
    return execFileSync("git", ["--git-dir", gitDir, "rev-parse", `${ref}^{commit}`], {
      encoding: "utf8",
    }).trim()
  } catch {
    return "unknown"
  }
}

/** k8s.io.api.core.v1.Pod → io.k8s.api.core.v1.Pod (the OpenAPI definition name). */
function definitionName(protoName) {
  if (!protoName.startsWith("k8s.io.")) return protoName
  return `io.k8s.${protoName.slice("k8s.io.".length)}`
    .replace("apiextensions_apiserver", "apiextensions-apiserver")
    .replace("kube_aggregator", "kube-aggregator")
}

const SCALARS = new Set([
  "string",
  "int32",
  "int64",
  "bool",
  "bytes",
  "double",
  "float",
  "uint32",
  "uint64",
  "fixed64",
  "sint64",
])

function markersOf(comments) {
  const m = {}
  for (const c of comments) {
    const hit = /^\+([A-Za-z.]+)(?:=(.*))?$/.exec(c.trim())
    if (hit) m[hit[1]] = hit[2] ?? true
  }
  return m
}

function fieldFacts(markers) {
  const f = {}
  if (markers.patchStrategy) f.ps = markers.patchStrategy
  if (markers.patchMergeKey) f.mk = markers.patchMergeKey
  if (markers.listType) f.lt = markers.listType
  if (markers.listMapKey) f.lk = [...(f.lk ?? []), markers.listMapKey]
  if (markers.mapType) f.mt = markers.mapType
  if (markers.structType) f.st = markers.structType
  if (markers.required) f.req = true
  return f
}

/** Parses one generated.proto into { package, messages: { name: { fields, alias } } }. */
function parseProto(text) {
  const pkg = /^package\s+([\w.]+);/m.exec(text)?.[1]
  if (!pkg) throw new Error("no package")
  const messages = {}
  let comments = []
  let current
  let listMapKeys = []
  for (const raw of text.split("\n")) {
    const line = raw.trim()
    if (line.startsWith("//")) {
      const c = line.slice(2).trim()
      comments.push(c)
      const k = /^\+listMapKey=(.*)$/.exec(c)
      if (k) listMapKeys.push(k[1])
      continue
    }
    const msg = /^message\s+(\w+)\s*\{/.exec(line)
    if (msg) {
      const markers = markersOf(comments)
      current = { name: msg[1], fields: {}, markers }
      messages[msg[1]] = current
      comments = []
      listMapKeys = []
      continue
    }
    const field =
      /^(optional|repeated|required)?\s*(map<\s*(\w+)\s*,\s*([\w.]+)\s*>|[\w.]+)\s+(\w+)\s*=\s*(\d+)/.exec(
        line,
      )
    if (field && current) {
      const [, label, type, mapKey, mapValue, name, num] = field
      const facts = fieldFacts(markersOf(comments))
      if (listMapKeys.length) facts.lk = listMapKeys
      const f = { n: Number(num), t: mapKey ? mapValue : type, ...facts }
      if (label === "repeated") f.rep = true
      if (mapKey) f.map = mapKey
      current.fields[name] = f
    }
    if (line === "}") current = undefined
    if (line === "" || line === "}" || field) {
      comments = []
      listMapKeys = []
    }
  }
  return { pkg, messages }
}

function lowerFirst(s) {
  return s.charAt(0).toLowerCase() + s.slice(1)
}

/** Go's plain (not pointer) number and boolean types: a zero of one is indistinguishable from unset. */
const GO_PLAIN_ZEROABLE = /^(int|int32|int64|bool|float32|float64|string)$/

/** The hand-written Go files of a package directory (not its tests or generated code). */
function goFiles(repo, dir) {
  const { dir: root, pinned, ref, gitDir } = checkout(repo)
  const listing =
    !pinned && existsSync(join(root, dir))
      ? execFileSync("ls", [join(root, dir)], { encoding: "utf8" })
      : execFileSync("git", ["--git-dir", gitDir, "ls-tree", "--name-only", `${ref}:${dir}`], {
          encoding: "utf8",
        })
  return listing
    .split("\n")
    .filter((f) => f.endsWith(".go") && !f.endsWith("_test.go") && !/generated/.test(f))
}

/** The named types of a package whose underlying type is string (`type PodPhase string`). */
function stringTypesOf(repo, dir) {
  const names = new Set()
  for (const file of goFiles(repo, dir)) {
    for (const m of readRepoFile(repo, `${dir}/${file}`).matchAll(/^type (\w+) string\s*$/gm)) names.add(m[1])
  }
  return names
}

/**
 * The enum types of a package (`// +enum` over `type RestartPolicy string`), each with the values
 * of its constants, sorted, as upstream's OpenAPI lists them.
 */
function enumTypesOf(repo, dir) {
  const sources = goFiles(repo, dir).map((file) => readRepoFile(repo, `${dir}/${file}`))
  const enums = new Map()
  for (const source of sources) {
    let marked = false
    for (const line of source.split("\n")) {
      if (line.startsWith("//")) {
        if (/^\/\/\s*\+enum\s*$/.test(line)) marked = true
        continue
      }
      const t = /^type (\w+) string\s*$/.exec(line)
      if (t && marked) enums.set(t[1], new Set())
      marked = false
    }
  }
  for (const source of sources) {
    for (const m of source.matchAll(/^\s*(?:const\s+)?\w+\s+(\w+)\s*=\s*"([^"]*)"/gm))
      enums.get(m[1])?.add(m[2])
  }
  return new Map([...enums].map(([name, values]) => [name, [...values].sort()]))
}

/** The enum values of Go field type `type` (a pointer to one too), or undefined. */
function enumValues(type, imports, ownPath, enumTypes) {
  const m = /^\*?(?:(\w+)\.)?(\w+)$/.exec(type)
  if (!m) return undefined
  const path = m[1] ? imports[m[1]] : ownPath
  return enumTypes.get(path)?.get(m[2])
}

/** The named types of a package whose underlying type is a slice or a map (`type ResourceList map[...]`). */
function collectionTypesOf(repo, dir) {
  const names = new Set()
  for (const file of goFiles(repo, dir)) {
    const source = readRepoFile(repo, `${dir}/${file}`)
    for (const m of source.matchAll(/^type (\w+) (?:\[\](?!byte\b)|map\[)/gm)) names.add(m[1])
  }
  return names
}

/**
 * Whether Go type `type` (as a struct field spells it) is a slice (not []byte, which JSON writes
 * as a string) or a map, or a named type of a scanned package whose underlying type is one.
 */
function collection(type, imports, ownPath, collectionTypes) {
  if (/^(?:\[\](?!byte$)|map\[)/.test(type)) return true
  const m = /^(?:(\w+)\.)?(\w+)$/.exec(type)
  if (!m) return false
  const path = m[1] ? imports[m[1]] : ownPath
  return collectionTypes.get(path)?.has(m[2]) === true
}

/** A Go file's imports: alias (or the path's last element) → import path. */
function importsOf(source) {
  const out = {}
  const block = /^import \(([^)]*)\)/m.exec(source)?.[1] ?? ""
  const single = [...source.matchAll(/^import (\w+ )?("[^"]+")/gm)].map((m) => `${m[1] ?? ""}${m[2]}`)
  for (const line of [...block.split("\n"), ...single]) {
    const m = /^\s*(\w+)?\s*"([^"]+)"/.exec(line)
    if (m) out[m[1] ?? m[2].slice(m[2].lastIndexOf("/") + 1)] = m[2]
  }
  return out
}

/**
 * Whether Go type `type` (as a struct field spells it) is a plain zeroable one: a number, bool or
 * string, or a named type of a scanned package whose underlying type is string.
 */
function plainZeroable(type, imports, ownPath, stringTypes) {
  if (GO_PLAIN_ZEROABLE.test(type)) return true
  const m = /^(?:(\w+)\.)?(\w+)$/.exec(type)
  if (!m) return false
  const path = m[1] ? imports[m[1]] : ownPath
  return stringTypes.get(path)?.has(m[2]) === true
}

/**
 * What Go's struct tags say beyond the protobuf definitions, per struct: the embedded structs
 * whose fields JSON inlines (`json:""` or `json:",inline"`) but protobuf keeps as one field, the
 * fields whose JSON name differs from their protobuf name (`uID` is `uid`), and the plain number,
 * boolean and string fields (named string types included) tagged `omitempty`, whose zero Go's
 * JSON leaves out, and the slice and map fields tagged `omitempty`, which it leaves out empty.
 * `stringTypes`, `collectionTypes`: the named string, and slice or map, types of every scanned
 * package, by import path.
 */
function goTags(repo, dir, ownPath, stringTypes, collectionTypes, enumTypes) {
  const enums = {}
  const inline = {}
  const renamed = {}
  const omitZero = {}
  const omitEmpty = {}
  const files = goFiles(repo, dir).filter((f) => /types\w*\.go$/.test(f) && !f.includes("swagger"))
  for (const file of files) {
    let struct
    const source = readRepoFile(repo, `${dir}/${file}`)
    const imports = importsOf(source)
    for (const line of source.split("\n")) {
      const t = /^type (\w+) struct \{/.exec(line)
      if (t) struct = t[1]
      const m = /^\s+(\w+)(?:\s+[^`]+)? `json:"([^",]*)[^"]*"[^`]*protobuf:"([^"]*)"/.exec(line)
      if (!m || !struct) continue
      const protoName = /name=(\w+)/.exec(m[3])?.[1] ?? lowerFirst(m[1])
      if (m[2] === "") (inline[struct] ??= new Set()).add(protoName)
      else if (m[2] !== protoName && m[2] !== "-") (renamed[struct] ??= {})[protoName] = m[2]
      const declared = /^\s+\w+\s+(\S+)\s+`json:/.exec(line)?.[1]
      const values = declared && enumValues(declared, imports, ownPath, enumTypes)
      if (values?.length) (enums[struct] ??= {})[protoName] = values
      const typed = /^\s+\w+\s+(\S+)\s+`json:"[^"]*,omitempty[",]/.exec(line)
      if (typed && plainZeroable(typed[1], imports, ownPath, stringTypes))
        (omitZero[struct] ??= new Set()).add(protoName)
      if (typed && collection(typed[1], imports, ownPath, collectionTypes))
        (omitEmpty[struct] ??= new Set()).add(protoName)
    }
  }
  return { inline, renamed, omitZero, omitEmpty, enums }
}

function resolveType(type, pkg) {
  const t = type.startsWith(".") ? type.slice(1) : type
  if (SCALARS.has(t)) return t
  return definitionName(t.includes(".") ? t : `${pkg}.${t}`)
}

function main() {
  const [apiRepo, machineryRepo, extensionsRepo, aggregatorRepo] = process.argv.slice(2)
  if (!apiRepo || !machineryRepo || !extensionsRepo || !aggregatorRepo) {
    console.error(
      "usage: node scripts/gen-schema.mjs <k8s.io/api repo> <k8s.io/apimachinery repo> <k8s.io/apiextensions-apiserver repo> <k8s.io/kube-aggregator repo>",
    )
    process.exit(2)
  }
  const files = [
    ...API_PACKAGES.map((p) => [apiRepo, `${p}/generated.proto`, `k8s.io/api/${p}`]),
    ...MACHINERY_PACKAGES.map((p) => [machineryRepo, `${p}/generated.proto`, `k8s.io/apimachinery/${p}`]),
    ...APIEXTENSIONS_PACKAGES.map((p) => [
      extensionsRepo,
      `${p}/generated.proto`,
      `k8s.io/apiextensions-apiserver/${p}`,
    ]),
    ...AGGREGATOR_PACKAGES.map((p) => [
      aggregatorRepo,
      `${p}/generated.proto`,
      `k8s.io/kube-aggregator/${p}`,
    ]),
  ]
  const dirOf = (path) => path.slice(0, path.lastIndexOf("/"))
  const stringTypes = new Map([
    ...files.map(([repo, path, imp]) => [imp, stringTypesOf(repo, dirOf(path))]),
    ...MACHINERY_TYPE_PACKAGES.map((p) => [`k8s.io/apimachinery/${p}`, stringTypesOf(machineryRepo, p)]),
  ])
  const collectionTypes = new Map(
    files.map(([repo, path, imp]) => [imp, collectionTypesOf(repo, dirOf(path))]),
  )
  const enumTypes = new Map(files.map(([repo, path, imp]) => [imp, enumTypesOf(repo, dirOf(path))]))
  const types = {}
  for (const [repo, path, imp] of files) {
    const { pkg, messages } = parseProto(readRepoFile(repo, path))
    const tags = goTags(repo, dirOf(path), imp, stringTypes, collectionTypes, enumTypes)
    for (const [name, m] of Object.entries(messages)) {
      const fields = {}
      for (const [fname, f] of Object.entries(m.fields)) {
        const jsonName = tags.renamed[name]?.[fname] ?? fname
        fields[jsonName] = {
          ...f,
          t: resolveType(f.t, pkg),
          ...(tags.inline[name]?.has(fname) ? { il: true } : {}),
          ...(tags.omitZero[name]?.has(fname) ? { oz: true } : {}),
          ...(tags.omitEmpty[name]?.has(fname) ? { oe: true } : {}),
          ...(tags.enums[name]?.[fname] ? { en: tags.enums[name][fname] } : {}),
        }
      }
      const entry = { f: fields }
      // A named slice or map type (ExtraValue, Verbs): JSON is its `items`, not an object.
      if (m.markers["protobuf.nullable"] === "true" && Object.keys(fields).length === 1 && fields.items)
        entry.alias = true
      types[definitionName(`${pkg}.${name}`)] = entry
    }
  }
  const out = {
    source: {
      "k8s.io/api": commitOf(apiRepo),
      "k8s.io/apimachinery": commitOf(machineryRepo),
      "k8s.io/apiextensions-apiserver": commitOf(extensionsRepo),
      "k8s.io/kube-aggregator": commitOf(aggregatorRepo),
    },
    types: Object.fromEntries(Object.entries(types).sort(([a], [b]) => a.localeCompare(b))),
  }
  const dest = join(dirname(fileURLToPath(import.meta.url)), "../src/api/schema/builtin.json")
  writeFileSync(dest, JSON.stringify(out) + "\n")
  console.log(`${Object.keys(types).length} types written to src/api/schema/builtin.json`)
}

main()

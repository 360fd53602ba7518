/**
 * A small JSONPath evaluator for printer columns and scale paths (`.spec.replicas`,
 * `.metadata.labels['app']`, `.items[0]`, `.items[*].name`, `.conditions[?(@.type=="Ready")].status`),
 * the subset kubectl-style column paths use. Paths may be wrapped in `{}`.
 */
import { isPlainObject } from "../../api/index.ts"

type Step =
  | { readonly kind: "field"; readonly name: string }
  | { readonly kind: "index"; readonly index: number }
  | { readonly kind: "all" }
  | { readonly kind: "filter"; readonly path: string[]; readonly op: "==" | "!="; readonly value: unknown }

const CACHE = new Map<string, Step[] | undefined>()

function parseLiteral(raw: string): unknown {
  const t = raw.trim()
  if (/^'.*'$/.test(t)) return t.slice(1, -1)
  try {
    return JSON.parse(t)
  } catch {
    return t
  }
}

function parseBracket(inner: string): Step | undefined {
  if (inner === "*") return { kind: "all" }
  if (/^-?\d+$/.test(inner)) return { kind: "index", index: Number(inner) }
  const quoted = /^(['"])(.*)\1$/.exec(inner)
  if (quoted) return { kind: "field", name: quoted[2] as string }
  const filter = /^\?\(@((?:\.[^.=!]+)+)\s*(==|!=)\s*(.+)\)$/.exec(inner)
  if (filter) {
    const path = (filter[1] as string).split(".").slice(1)
    return { kind: "filter", path, op: filter[2] as "==" | "!=", value: parseLiteral(filter[3] as string) }
  }
  return undefined
}

/** Parses a path into steps; undefined when it is not in the supported subset. */
export function parseJsonPath(path: string): Step[] | undefined {
  if (CACHE.has(path)) return CACHE.get(path)
  let p = path.trim()
  if (p.startsWith("{") && p.endsWith("}")) p = p.slice(1, -1)
  if (p.startsWith("$")) p = p.slice(1)
  const steps: Step[] = []
  let i = 0
  let ok = true
  while (i < p.length && ok) {
    if (p[i] === ".") {
      const m = /^[^.[]+/.exec(p.slice(i + 1))
      if (!m) ok = false
      else {
        steps.push({ kind: "field", name: m[0] })
        i += 1 + m[0].length
      }
    } else if (p[i] === "[") {
      const end = p.indexOf("]", p[i + 1] === "?" ? p.indexOf(")", i) : i)
      const step = end > i ? parseBracket(p.slice(i + 1, end)) : undefined
      if (!step) ok = false
      else {
        steps.push(step)
        i = end + 1
      }
    } else ok = false
  }
  const out = ok ? steps : undefined
  CACHE.set(path, out)
  return out
}

function get(v: unknown, path: readonly string[]): unknown {
  let cur = v
  for (const k of path) cur = isPlainObject(cur) ? cur[k] : undefined
  return cur
}

function apply(step: Step, values: unknown[]): unknown[] {
  const out: unknown[] = []
  for (const v of values) {
    if (step.kind === "field") {
      if (isPlainObject(v) && v[step.name] !== undefined) out.push(v[step.name])
    } else if (!Array.isArray(v)) {
      if (step.kind === "all" && isPlainObject(v)) out.push(...Object.values(v))
    } else if (step.kind === "index") {
      const item = v[step.index < 0 ? v.length + step.index : step.index]
      if (item !== undefined) out.push(item)
    } else if (step.kind === "all") out.push(...v)
    else {
      for (const item of v) {
        const equal = JSON.stringify(get(item, step.path)) === JSON.stringify(step.value)
        if (equal === (step.op === "==")) out.push(item)
      }
    }
  }
  return out
}

/** Every value `path` selects in `obj` (empty when none or when the path is not supported). */
export function evalJsonPath(obj: unknown, path: string): unknown[] {
  const steps = parseJsonPath(path)
  if (!steps) return []
  if (steps.every((s) => s.kind === "field")) {
    // The common case (`.spec.replicas`): a plain walk, no intermediate lists.
    const v = get(
      obj,
      steps.map((s) => (s as { name: string }).name),
    )
    return v === undefined ? [] : [v]
  }
  let values: unknown[] = [obj]
  for (const s of steps) values = apply(s, values)
  return values
}

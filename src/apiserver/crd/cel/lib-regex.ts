/**
 * Kubernetes' regex library: `<string>.find(<regex>)` and `<string>.findAll(<regex>[, <limit>])`.
 * Patterns are ECMAScript regular expressions (the library's `matches` uses them too), not RE2:
 * RE2's inline flags at the start of a pattern (`(?i)`) are taken as flags, other RE2-only
 * syntax is an error.
 */
import type { Environment } from "@marcbachmann/cel-js"

const CACHE = new Map<string, RegExp>()
const CACHE_MAX = 512

/** The compiled pattern (global, for iterating), or an error naming it as cel-go does. */
export function compileRegex(pattern: string): RegExp {
  let re = CACHE.get(pattern)
  if (re) return re
  const inline = /^\(\?([imsU]+)\)/.exec(pattern)
  const flags = new Set(["g", "u"])
  for (const f of inline?.[1] ?? "") if (f !== "U") flags.add(f)
  try {
    re = new RegExp(inline ? pattern.slice(inline[0].length) : pattern, [...flags].join(""))
  } catch (err) {
    throw new Error(`error parsing regexp: ${(err as Error).message}`)
  }
  if (CACHE.size >= CACHE_MAX) CACHE.clear()
  CACHE.set(pattern, re)
  return re
}

function findAll(s: string, pattern: string, limit: number): string[] {
  if (limit === 0) return []
  const out: string[] = []
  for (const m of s.matchAll(compileRegex(pattern))) {
    out.push(m[0])
    if (limit > 0 && out.length >= limit) break
  }
  return out
}

/** Adds find and findAll to `env`. */
export function registerRegex(env: Environment): void {
  env
    .registerFunction("string.find(string): string", (s: string, p: string) => findAll(s, p, 1)[0] ?? "")
    .registerFunction("string.findAll(string): list<string>", (s: string, p: string) => findAll(s, p, -1))
    .registerFunction("string.findAll(string, int): list<string>", (s: string, p: string, n: bigint) =>
      findAll(s, p, Number(n)),
    )
}

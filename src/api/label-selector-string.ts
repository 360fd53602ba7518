/**
 * Label selectors in their string form (`app=web,tier in (a,b),!canary`), as the API server
 * reads the labelSelector parameter and as the Scale subresource reports status.selector.
 */
import { badRequest } from "./errors.ts"

type Labels = Readonly<Record<string, string>>
/** A compiled selector. */
export type StringSelectorMatcher = (labels: Labels) => boolean

const KEY =
  /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/
const VALUE = /^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?$/

function splitTop(s: string): string[] {
  const out: string[] = []
  let depth = 0
  let cur = ""
  for (const ch of s) {
    if (ch === "(") depth++
    if (ch === ")") depth--
    if (ch === "," && depth === 0) {
      out.push(cur)
      cur = ""
    } else cur += ch
  }
  out.push(cur)
  return out.map((p) => p.trim())
}

function checkKey(key: string, raw: string): void {
  const name = key.includes("/") ? key.slice(key.indexOf("/") + 1) : key
  if (!KEY.test(key) || name.length > 63)
    throw badRequest(`unable to parse requirement: invalid label key "${key}" in "${raw}"`)
}

function checkValue(v: string, raw: string): void {
  if (!VALUE.test(v) || v.length > 63)
    throw badRequest(`unable to parse requirement: invalid label value "${v}" in "${raw}"`)
}

function requirement(raw: string): StringSelectorMatcher {
  let m = /^!\s*(\S+)$/.exec(raw)
  if (m) {
    const key = m[1] as string
    checkKey(key, raw)
    return (l) => !(key in l)
  }
  m = /^(\S+?)\s+(in|notin)\s*\((.*)\)$/.exec(raw)
  if (m) {
    const [, key = "", op, list = ""] = m
    checkKey(key, raw)
    const values = new Set(list.split(",").map((v) => v.trim()))
    for (const v of values) checkValue(v, raw)
    return op === "in"
      ? (l) => key in l && values.has(l[key] as string)
      : (l) => !(key in l) || !values.has(l[key] as string)
  }
  m = /^([^=!\s]+)\s*(==|=|!=)\s*(\S*)$/.exec(raw)
  if (m) {
    const [, key = "", op, value = ""] = m
    checkKey(key, raw)
    checkValue(value, raw)
    return op === "!=" ? (l) => l[key] !== value : (l) => l[key] === value
  }
  if (/^\S+$/.test(raw)) {
    checkKey(raw, raw)
    return (l) => raw in l
  }
  throw badRequest(`unable to parse requirement: "${raw}"`)
}

/** Compiles a label selector string; undefined for the empty selector (matches everything). */
export function parseLabelSelector(s: string): StringSelectorMatcher | undefined {
  if (!s.trim()) return undefined
  const reqs = splitTop(s).map(requirement)
  return (l) => reqs.every((r) => r(l))
}

/** The string form of a meta/v1 LabelSelector, as the Scale subresource reports it. */
export function labelSelectorAsString(sel: {
  matchLabels?: Record<string, string>
  matchExpressions?: { key: string; operator: string; values?: string[] }[]
}): string {
  const parts = Object.entries(sel.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`)
  for (const e of sel.matchExpressions ?? []) {
    const values = [...(e.values ?? [])].sort().join(",")
    if (e.operator === "In") parts.push(`${e.key} in (${values})`)
    else if (e.operator === "NotIn") parts.push(`${e.key} notin (${values})`)
    else if (e.operator === "Exists") parts.push(e.key)
    else if (e.operator === "DoesNotExist") parts.push(`!${e.key}`)
  }
  return parts.sort().join(",")
}

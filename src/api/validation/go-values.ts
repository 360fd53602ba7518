/**
 * Values quoted in field errors as upstream's (1.34 and later) prints them: a value that is not
 * a plain number, boolean or string is rendered by Go's json.Marshal (maps with sorted keys, a
 * struct's fields in declaration order without its omitempty zeros, nil as `null`, and <, >, &
 * escaped).
 */
import type { ScopeSelector } from "kubernetes-types/core/v1.js"
import type { LabelSelector } from "kubernetes-types/meta/v1.js"
import { goJsonString } from "../../util/index.ts"

/** `{"a":"1","b":"2"}` (keys sorted), `null` when absent. */
export function goStringMap(m: Readonly<Record<string, string>> | undefined | null): string {
  if (!m) return "null"
  const entries = Object.keys(m)
    .sort()
    .map((k) => `${goJsonString(k)}:${goJsonString(String(m[k]))}`)
  return `{${entries.join(",")}}`
}

/** `["a","b"]`, `null` when absent. */
export function goStrings(values: readonly string[] | undefined | null): string {
  if (!values) return "null"
  return `[${values.map(goJsonString).join(",")}]`
}

/** A meta/v1 LabelSelector as json.Marshal writes it (its fields omitempty), `null` when nil. */
export function goLabelSelector(sel: LabelSelector | undefined | null): string {
  if (!sel) return "null"
  const parts: string[] = []
  if (sel.matchLabels && Object.keys(sel.matchLabels).length > 0)
    parts.push(`"matchLabels":${goStringMap(sel.matchLabels)}`)
  if (sel.matchExpressions && sel.matchExpressions.length > 0) {
    const exprs = sel.matchExpressions.map((e) => {
      const values = e.values && e.values.length > 0 ? `,"values":${goStrings(e.values)}` : ""
      return `{"key":${goJsonString(e.key)},"operator":${goJsonString(e.operator)}${values}}`
    })
    parts.push(`"matchExpressions":[${exprs.join(",")}]`)
  }
  return `{${parts.join(",")}}`
}

/**
 * A quota's ScopeSelector as upstream's errors print it: its internal type, whose fields have
 * no JSON tags, so Go's field names and no omitempty.
 */
export function goScopeSelector(sel: ScopeSelector): string {
  const exprs = sel.matchExpressions
  if (!exprs) return `{"MatchExpressions":null}`
  const shown = exprs.map(
    (e) =>
      `{"ScopeName":${goJsonString(e.scopeName ?? "")},"Operator":${goJsonString(e.operator ?? "")},"Values":${goStrings(e.values)}}`,
  )
  return `{"MatchExpressions":[${shown.join(",")}]}`
}

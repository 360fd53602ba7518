/**
 * Values quoted in field errors as upstream's prints them: a Go value that is neither a scalar
 * nor a Stringer is printed with `%#v` (`map[string]string{"app":"web"}`,
 * `v1.LabelSelector{MatchLabels:..., MatchExpressions:...}`).
 */
import type { LabelSelector } from "kubernetes-types/meta/v1.js"

/** A `%#v` string: Go quotes as JSON does for the printable ASCII that labels use. */
function goString(s: string): string {
  return JSON.stringify(s)
}

/** `map[string]string{"a":"1", "b":"2"}` (keys sorted), `map[string]string(nil)` when absent. */
export function goStringMap(m: Readonly<Record<string, string>> | undefined | null): string {
  if (!m) return "map[string]string(nil)"
  const entries = Object.keys(m)
    .sort()
    .map((k) => `${goString(k)}:${goString(String(m[k]))}`)
  return `map[string]string{${entries.join(", ")}}`
}

/** `[]string{"a", "b"}`, `[]string(nil)` when absent. */
export function goStrings(values: readonly string[] | undefined | null): string {
  if (!values) return "[]string(nil)"
  return `[]string{${values.map(goString).join(", ")}}`
}

/** A meta/v1 LabelSelector as `%#v` prints it (a nil selector: `null`, as field errors show nil). */
export function goLabelSelector(sel: LabelSelector | undefined | null): string {
  if (!sel) return "null"
  const exprs = sel.matchExpressions
    ? `[]v1.LabelSelectorRequirement{${sel.matchExpressions
        .map(
          (e) =>
            `v1.LabelSelectorRequirement{Key:${goString(e.key)}, Operator:${goString(e.operator)}, Values:${goStrings(e.values)}}`,
        )
        .join(", ")}}`
    : "[]v1.LabelSelectorRequirement(nil)"
  return `v1.LabelSelector{MatchLabels:${goStringMap(sel.matchLabels)}, MatchExpressions:${exprs}}`
}

/**
 * Merging two lists of tolerations as upstream's tolerations.MergeTolerations does (for the
 * RuntimeClass admission plugin): the first list's then the second's, leaving out each one
 * another kept or later toleration already covers, so only the broadest of overlapping ones stay.
 */
import type { Toleration } from "kubernetes-types/core/v1.js"

function seconds(t: Toleration): number | undefined {
  return t.tolerationSeconds ?? undefined
}

/** Whether two tolerations are the same in every field (absent and empty strings alike). */
function sameToleration(a: Toleration, b: Toleration): boolean {
  return (
    (a.key ?? "") === (b.key ?? "") &&
    (a.operator ?? "") === (b.operator ?? "") &&
    (a.value ?? "") === (b.value ?? "") &&
    (a.effect ?? "") === (b.effect ?? "") &&
    seconds(a) === seconds(b)
  )
}

/** An empty key with Exists matches every key. */
function coversKey(wide: Toleration, t: Toleration): boolean {
  const key = wide.key ?? ""
  return (t.key ?? "") === key || (key === "" && wide.operator === "Exists")
}

/** An empty effect matches every effect. */
function coversEffect(wide: Toleration, t: Toleration): boolean {
  const effect = wide.effect ?? ""
  return (t.effect ?? "") === effect || effect === ""
}

/** A NoExecute toleration with a time covers only tolerations of that long or shorter. */
function coversSeconds(wide: Toleration, t: Toleration): boolean {
  const limit = seconds(wide)
  if (wide.effect !== "NoExecute" || limit === undefined) return true
  const ts = seconds(t)
  return ts !== undefined && ts <= limit
}

function coversValue(wide: Toleration, t: Toleration): boolean {
  switch (wide.operator ?? "") {
    case "Equal":
    case "": // an empty operator is Equal; upstream asks the narrower one for Equal literally
      return t.operator === "Equal" && (t.value ?? "") === (wide.value ?? "")
    case "Exists":
      return true
    default:
      return false
  }
}

/** Whether `wide` tolerates every taint `t` does (upstream's isSuperset). */
export function toleratesSuperset(wide: Toleration, t: Toleration): boolean {
  if (sameToleration(wide, t)) return true
  return coversKey(wide, t) && coversEffect(wide, t) && coversSeconds(wide, t) && coversValue(wide, t)
}

/** `first` and then `second`, without the tolerations a broader one of either covers. */
export function mergeTolerations(
  first: readonly Toleration[] | undefined,
  second: readonly Toleration[] | undefined,
): Toleration[] {
  const all = [...(first ?? []), ...(second ?? [])]
  const merged: Toleration[] = []
  all.forEach((t, i) => {
    if (merged.some((kept) => toleratesSuperset(kept, t))) return
    // Of two equal tolerations the first is kept; a broader later one replaces this one.
    if (all.slice(i + 1).some((later) => !sameToleration(t, later) && toleratesSuperset(later, t))) return
    merged.push(t)
  })
  return merged
}

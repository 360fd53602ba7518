/**
 * YAML request bodies decoded leniently for field validation: a repeated key keeps its last value
 * and is reported as upstream's YAML decoder reports it (`line 10: key "paused" already set in map`).
 */
import { isMap, isScalar, isSeq, LineCounter } from "yaml"
import { firstYamlDocument, GO_YAML, goYamlError } from "../util/index.ts"

/** A decoded YAML body and its repeated keys, or why the text is not YAML upstream reads (go-yaml's words). */
export function decodeYamlBody(
  text: string,
): { value: unknown; duplicates: string[] } | { readonly error: string } {
  const lines = new LineCounter()
  const doc = firstYamlDocument(text, { ...GO_YAML, uniqueKeys: false, lineCounter: lines })
  if (doc.errors.length > 0) return { error: goYamlError(doc.errors[0]) }
  const duplicates: string[] = []
  const walk = (node: unknown): void => {
    if (isSeq(node)) for (const item of node.items) walk(item)
    if (!isMap(node)) return
    const seen = new Set<string>()
    for (const pair of node.items) {
      const key = isScalar(pair.key) ? String(pair.key.value) : String(pair.key)
      if (seen.has(key)) {
        const at = isScalar(pair.key) && pair.key.range ? lines.linePos(pair.key.range[0]).line : 0
        duplicates.push(`line ${at}: key ${JSON.stringify(key)} already set in map`)
      }
      seen.add(key)
      walk(pair.value)
    }
  }
  walk(doc.contents)
  try {
    return { value: doc.toJS(GO_YAML), duplicates }
  } catch (err) {
    return { error: goYamlError(err) } // too many aliases
  }
}

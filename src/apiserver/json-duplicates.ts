/** Repeated keys in JSON text, found by a scan of the text (JSON.parse keeps the last silently). */

function child(path: string, key: string): string {
  return path ? `${path}.${key}` : key
}

/** Reads JSON text for its duplicate keys; the text must be valid JSON. */
class DuplicateScanner {
  readonly found: string[] = []
  #i = 0
  constructor(readonly text: string) {}

  #ws(): void {
    const t = this.text
    let c = t.charCodeAt(this.#i)
    while (c === 32 || c === 10 || c === 13 || c === 9) c = t.charCodeAt(++this.#i)
  }

  #string(): string {
    const t = this.text
    const start = this.#i
    let j = start + 1
    let escaped = false
    for (;;) {
      const c = t.charCodeAt(j)
      if (c === 92) {
        escaped = true
        j += 2
        continue
      }
      if (c === 34 || Number.isNaN(c)) break
      j++
    }
    this.#i = j + 1
    const raw = t.slice(start, j + 1)
    return escaped ? (JSON.parse(raw) as string) : raw.slice(1, -1)
  }

  value(path: string): void {
    this.#ws()
    const c = this.text.charCodeAt(this.#i)
    if (c === 123) this.#object(path)
    else if (c === 91) this.#array(path)
    else if (c === 34) this.#string()
    else {
      const t = this.text
      let d = t.charCodeAt(this.#i)
      while (this.#i < t.length && d !== 44 && d !== 93 && d !== 125 && d > 32) d = t.charCodeAt(++this.#i)
    }
  }

  #object(path: string): void {
    this.#i++
    const keys = new Set<string>()
    this.#ws()
    if (this.text.charCodeAt(this.#i) === 125) {
      this.#i++
      return
    }
    for (;;) {
      this.#ws()
      const key = this.#string()
      const p = child(path, key)
      if (keys.has(key)) this.found.push(p)
      keys.add(key)
      this.#ws()
      this.#i++ // ':'
      this.value(p)
      this.#ws()
      if (this.text.charCodeAt(this.#i++) !== 44) return // '}'
    }
  }

  #array(path: string): void {
    this.#i++
    this.#ws()
    if (this.text.charCodeAt(this.#i) === 93) {
      this.#i++
      return
    }
    for (let n = 0; ; n++) {
      this.value(`${path}[${n}]`)
      this.#ws()
      if (this.text.charCodeAt(this.#i++) !== 44) return // ']'
    }
  }
}

/** The paths of keys a JSON text repeats within one object, in document order. */
export function duplicateFields(text: string): string[] {
  const s = new DuplicateScanner(text)
  s.value("")
  return s.found
}

/** Repeated keys in JSON text, found by a scan of the text (JSON.parse keeps the last silently). */

/** A path as upstream prints it from its segments: keys joined by dots, list indexes in brackets. */
export function pathOf(segments: readonly (string | number)[]): string {
  let path = ""
  for (const seg of segments) {
    if (typeof seg === "number") path = `${path}[${seg}]`
    else path = path ? `${path}.${seg}` : seg
  }
  return path
}

/** Whether path `p` (as pathOf prints it) is one of `paths` or inside one of them. */
export function isUnder(p: string, paths: readonly string[]): boolean {
  return paths.some((u) => p === u || p.startsWith(`${u}.`) || p.startsWith(`${u}[`))
}

/** The keys seen in one object: a list while short (most objects have a few keys), then a Set. */
class KeySet {
  #list: string[] = []
  #set: Set<string> | undefined

  /** Adds `key`; true when it was there already. */
  addSeen(key: string): boolean {
    if (this.#set) {
      if (this.#set.has(key)) return true
      this.#set.add(key)
      return false
    }
    if (this.#list.includes(key)) return true
    this.#list.push(key)
    if (this.#list.length > 16) this.#set = new Set(this.#list)
    return false
  }
}

/** Reads JSON text for its duplicate keys; the text must be valid JSON. */
class DuplicateScanner {
  readonly found: string[] = []
  #i = 0
  /** The path of the value being read (only spelled out for a duplicate). */
  readonly #path: (string | number)[] = []
  constructor(readonly text: string) {}

  #ws(): void {
    const t = this.text
    let c = t.charCodeAt(this.#i)
    while (c === 32 || c === 10 || c === 13 || c === 9) c = t.charCodeAt(++this.#i)
  }

  /** Where the next backslash is at or after the last position asked (text length for none). */
  #backslash = -1

  /** Whether the text has a backslash in [from, to); `from` never goes back, so the text is searched once. */
  #hasBackslash(from: number, to: number): boolean {
    if (this.#backslash < from) {
      const b = this.text.indexOf("\\", from)
      this.#backslash = b < 0 ? this.text.length : b
    }
    return this.#backslash < to
  }

  /**
   * Moves past a string; true when it has escapes (the ranges searched for backslashes cover the
   * whole string but its quotes).
   */
  #skipString(): boolean {
    const t = this.text
    const start = this.#i + 1
    let j = start
    let escaped = false
    // Jump from quote to quote (a native search); a quote after an odd run of backslashes is escaped.
    for (;;) {
      const q = t.indexOf('"', j)
      if (q < 0) {
        escaped ||= this.#hasBackslash(j, t.length)
        j = t.length
        break
      }
      if (!this.#hasBackslash(j, q)) {
        j = q
        break
      }
      escaped = true
      let b = q - 1
      while (b >= start && t.charCodeAt(b) === 92) b--
      if ((q - 1 - b) % 2 === 0) {
        j = q
        break
      }
      j = q + 1
    }
    this.#i = j + 1
    return escaped
  }

  #string(): string {
    const start = this.#i
    return this.#skipString()
      ? (JSON.parse(this.text.slice(start, this.#i)) as string)
      : this.text.slice(start + 1, this.#i - 1)
  }

  value(): void {
    this.#ws()
    const c = this.text.charCodeAt(this.#i)
    if (c === 123) this.#object()
    else if (c === 91) this.#array()
    else if (c === 34) this.#skipString()
    else {
      const t = this.text
      let d = t.charCodeAt(this.#i)
      while (this.#i < t.length && d !== 44 && d !== 93 && d !== 125 && d > 32) d = t.charCodeAt(++this.#i)
    }
  }

  #object(): void {
    this.#i++
    const keys = new KeySet()
    this.#ws()
    if (this.text.charCodeAt(this.#i) === 125) {
      this.#i++
      return
    }
    for (;;) {
      this.#ws()
      const key = this.#string()
      this.#path.push(key)
      if (keys.addSeen(key)) this.found.push(pathOf(this.#path))
      this.#ws()
      this.#i++ // ':'
      this.value()
      this.#path.pop()
      this.#ws()
      if (this.text.charCodeAt(this.#i++) !== 44) return // '}'
    }
  }

  #array(): void {
    this.#i++
    this.#ws()
    if (this.text.charCodeAt(this.#i) === 93) {
      this.#i++
      return
    }
    for (let n = 0; ; n++) {
      this.#path.push(n)
      this.value()
      this.#path.pop()
      this.#ws()
      if (this.text.charCodeAt(this.#i++) !== 44) return // ']'
    }
  }
}

/** The paths of keys a JSON text repeats within one object, in document order. */
export function duplicateFields(text: string): string[] {
  const s = new DuplicateScanner(text)
  s.value()
  return s.found
}

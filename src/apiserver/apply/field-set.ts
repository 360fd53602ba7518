/**
 * A set of field paths, as server-side apply tracks ownership: a tree whose nodes are path
 * elements in upstream's FieldsV1 spelling (`f:<field>`, `k:<json keys>`, `v:<json value>`,
 * `i:<index>`), each node a member of the set or only on the way to members. Immutable
 * operations return new sets.
 */

/** One node: whether its own path is a member, and its children by path element. */
export class FieldSet {
  member = false
  /** Made on first use: most nodes are leaves. */
  #children: Map<string, FieldSet> | undefined

  /** The children by path element (to read or change). */
  get children(): Map<string, FieldSet> {
    return (this.#children ??= new Map())
  }

  /** The children to read only (a shared empty map for a leaf). */
  #kids(): ReadonlyMap<string, FieldSet> {
    return this.#children ?? NO_CHILDREN
  }

  /** True when the node has children. */
  hasChildren(): boolean {
    return this.#children !== undefined && this.#children.size > 0
  }

  /** The child at `pe`, created when missing. */
  child(pe: string): FieldSet {
    const children = this.children
    let c = children.get(pe)
    if (!c) {
      c = new FieldSet()
      children.set(pe, c)
    }
    return c
  }

  /** Adds a path (a list of path elements) as a member. */
  insert(path: readonly string[]): this {
    descend(this, path, true).member = true
    return this
  }

  /** True when no path is a member. */
  isEmpty(): boolean {
    if (this.member) return false
    for (const c of this.#kids().values()) if (!c.isEmpty()) return false
    return true
  }

  /** True when both sets have the same members. */
  equals(other: FieldSet): boolean {
    if (this === other) return true
    if (this.member !== other.member) return false
    const mine = this.#kids()
    const theirs = other.#kids()
    let size = 0
    for (const [pe, c] of mine) {
      const o = theirs.get(pe)
      if (c.isEmpty()) continue
      if (!o || !c.equals(o)) return false
      size++
    }
    let theirSize = 0
    for (const c of theirs.values()) if (!c.isEmpty()) theirSize++
    return size === theirSize
  }

  /** True when `path` is a member. */
  has(path: readonly string[]): boolean {
    return descend(this, path, false)?.member ?? false
  }

  /** The members of both sets. */
  union(other: FieldSet): FieldSet {
    const out = new FieldSet()
    out.member = this.member || other.member
    // Subtrees only one side has are shared, not copied: sets are not changed once built.
    const mine = this.#kids()
    const theirs = other.#kids()
    for (const [pe, c] of mine) {
      const o = theirs.get(pe)
      out.children.set(pe, o ? c.union(o) : c)
    }
    for (const [pe, c] of theirs) if (!mine.has(pe)) out.children.set(pe, c)
    return out.#pruned()
  }

  /** The members of this set that `other` lacks. */
  difference(other: FieldSet): FieldSet {
    const out = new FieldSet()
    out.member = this.member && !other.member
    const theirs = other.#kids()
    for (const [pe, c] of this.#kids()) {
      const o = theirs.get(pe)
      out.children.set(pe, o ? c.difference(o) : c)
    }
    return out.#pruned()
  }

  /** The members in both sets. */
  intersection(other: FieldSet): FieldSet {
    const out = new FieldSet()
    out.member = this.member && other.member
    const theirs = other.#kids()
    for (const [pe, c] of this.#kids()) {
      const o = theirs.get(pe)
      if (o) out.children.set(pe, c.intersection(o))
    }
    return out.#pruned()
  }

  /** True when some path is a member of both sets. */
  intersects(other: FieldSet): boolean {
    if (this.member && other.member) return true
    const theirs = other.#kids()
    if (theirs.size === 0) return false
    for (const [pe, c] of this.#kids()) {
      const o = theirs.get(pe)
      if (o && c.intersects(o)) return true
    }
    return false
  }

  #pruned(): this {
    const children = this.#children
    if (children) for (const [pe, c] of children) if (c.isEmpty()) children.delete(pe)
    return this
  }

  /** Every member path, children in sorted order, a node before its descendants. */
  paths(prefix: readonly string[] = []): string[][] {
    const out: string[][] = []
    if (this.member && prefix.length) out.push([...prefix])
    const kids = this.#kids()
    for (const pe of [...kids.keys()].sort()) {
      out.push(...(kids.get(pe) as FieldSet).paths([...prefix, pe]))
    }
    return out
  }

  /** The FieldsV1 JSON form: `{"f:spec": {"f:replicas": {}}}`, `".": {}` marking members with children. */
  toFieldsV1(): Record<string, unknown> {
    const out: Record<string, unknown> = {}
    const kids = this.#kids()
    if (this.member && kids.size) out["."] = {}
    if (isSorted(kids)) {
      for (const [pe, c] of kids) out[pe] = c.toFieldsV1()
    } else {
      for (const pe of sortedKeys(kids)) out[pe] = (kids.get(pe) as FieldSet).toFieldsV1()
    }
    return out
  }

  /** Reads the FieldsV1 JSON form. @throws TypeError when it is not an object of objects */
  static fromFieldsV1(json: unknown): FieldSet {
    const out = new FieldSet()
    readInto(out, json)
    out.member = false // the root is never a member
    return out
  }
}

/** The children of a set that has none. */
const NO_CHILDREN: ReadonlyMap<string, FieldSet> = new Map()

/** The map's keys sorted; a few by insertion (Array.prototype.sort allocates a work copy). */
function sortedKeys(children: ReadonlyMap<string, FieldSet>): string[] {
  const keys = [...children.keys()]
  if (keys.length > 16) return keys.sort()
  for (let i = 1; i < keys.length; i++) {
    const k = keys[i] as string
    let j = i - 1
    for (; j >= 0 && (keys[j] as string) > k; j--) keys[j + 1] = keys[j] as string
    keys[j + 1] = k
  }
  return keys
}

/** True when the map's keys come in sorted order already (as most sets are built). */
function isSorted(children: ReadonlyMap<string, FieldSet>): boolean {
  let prev: string | undefined
  for (const pe of children.keys()) {
    if (prev !== undefined && prev > pe) return false
    prev = pe
  }
  return true
}

function descend(root: FieldSet, path: readonly string[], create: true): FieldSet
function descend(root: FieldSet, path: readonly string[], create: false): FieldSet | undefined
function descend(root: FieldSet, path: readonly string[], create: boolean): FieldSet | undefined {
  let node: FieldSet | undefined = root
  for (const pe of path) {
    if (!node) return undefined
    node = create ? node.child(pe) : node.hasChildren() ? node.children.get(pe) : undefined
  }
  return node
}

function readInto(node: FieldSet, json: unknown): void {
  if (typeof json !== "object" || json === null || Array.isArray(json)) {
    throw new TypeError(`fieldsV1 must be an object of objects, not ${JSON.stringify(json)}`)
  }
  let hasChildren = false
  for (const [k, v] of Object.entries(json)) {
    if (k === ".") {
      node.member = true
      continue
    }
    if (!/^[fkvi]:/.test(k)) throw new TypeError(`unknown path element type in fieldsV1 key "${k}"`)
    hasChildren = true
    readInto(node.child(k), v)
  }
  // An object without children is a member (a leaf field).
  if (!hasChildren) node.member = true
}

/** A path element for a struct field or map key. */
export function fieldPE(name: string): string {
  return `f:${name}`
}

/** A path element for a list item identified by its key fields (sorted by name). */
export function keyPE(item: Record<string, unknown>, keys: readonly string[]): string {
  if (keys.length === 1) {
    // The usual single key (a container's name), spelled as JSON.stringify would.
    const k = keys[0] as string
    const v = item[k] === undefined ? undefined : JSON.stringify(item[k])
    return v === undefined ? "k:{}" : `k:{${JSON.stringify(k)}:${v}}`
  }
  const sorted: Record<string, unknown> = {}
  for (const k of [...keys].sort()) if (item[k] !== undefined) sorted[k] = item[k]
  return `k:${JSON.stringify(sorted)}`
}

/** A path element for a set item. */
export function valuePE(value: unknown): string {
  return `v:${JSON.stringify(value)}`
}

/** A path element for a list item identified by position. */
export function indexPE(i: number): string {
  return `i:${i}`
}

/** A path as upstream prints it: `.spec.template.spec.containers[name="web"].image`. */
export function pathString(path: readonly string[]): string {
  return path
    .map((pe) => {
      const body = pe.slice(2)
      switch (pe[0]) {
        case "f":
          return `.${body}`
        case "k": {
          const keys = JSON.parse(body) as Record<string, unknown>
          return `[${Object.entries(keys)
            .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
            .join(",")}]`
        }
        case "v":
          return `[=${body}]`
        default:
          return `[${body}]`
      }
    })
    .join("")
}

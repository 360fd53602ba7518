/**
 * List functions of Kubernetes' base CEL environment: its lists library (isSorted, sum, min,
 * max, indexOf, lastIndexOf), cel-go's lists extension as of version 3 (slice, flatten,
 * distinct, reverse, sort, first, last, lists.range) and its sets extension (sets.contains,
 * sets.equivalent, sets.intersects). sortBy, a macro, is left out.
 */
import { type Environment, Optional } from "@marcbachmann/cel-js"
import { Duration, UnsignedInt } from "@marcbachmann/cel-js/evaluator"
import { celEquals } from "./equality.ts"

/** The element types whose values order, as the lists library declares them. */
const COMPARABLE = [
  "int",
  "uint",
  "double",
  "bool",
  "string",
  "bytes",
  "google.protobuf.Duration",
  "google.protobuf.Timestamp",
] as const

const SUMMABLE = ["int", "uint", "double", "google.protobuf.Duration"] as const

const MAX_INT = (1n << 63n) - 1n
const MIN_INT = -(1n << 63n)

function durationNanos(d: Duration): bigint {
  return d.seconds * 1_000_000_000n + BigInt(d.nanos)
}

/** Orders two values of one comparable type: negative, zero or positive. */
export function compareValues(a: unknown, b: unknown): number {
  if (a instanceof Duration && b instanceof Duration) {
    const x = durationNanos(a)
    const y = durationNanos(b)
    return x < y ? -1 : x > y ? 1 : 0
  }
  if (a instanceof Date && b instanceof Date) return a.getTime() - b.getTime()
  if (a instanceof Uint8Array && b instanceof Uint8Array) return Buffer.compare(a, b)
  const x = a instanceof UnsignedInt ? a.valueOf() : (a as number | bigint | string | boolean)
  const y = b instanceof UnsignedInt ? b.valueOf() : (b as number | bigint | string | boolean)
  return x < y ? -1 : x > y ? 1 : 0
}

function sum(type: (typeof SUMMABLE)[number]): (list: unknown[]) => unknown {
  switch (type) {
    case "int":
      return (list) => {
        let total = 0n
        for (const v of list as bigint[]) {
          total += v
          if (total > MAX_INT || total < MIN_INT) throw new Error("integer overflow")
        }
        return total
      }
    case "uint":
      return (list) => new UnsignedInt((list as UnsignedInt[]).reduce((t, v) => t + v.valueOf(), 0n))
    case "double":
      return (list) => (list as number[]).reduce((t, v) => t + v, 0)
    case "google.protobuf.Duration":
      return (list) => {
        const nanos = (list as Duration[]).reduce((t, v) => t + durationNanos(v), 0n)
        return new Duration(nanos / 1_000_000_000n, Number(nanos % 1_000_000_000n))
      }
  }
}

function extreme(name: "min" | "max"): (list: unknown[]) => unknown {
  return (list) => {
    if (list.length === 0) throw new Error(`${name} called on empty list`)
    let best = list[0]
    for (const v of list) {
      const c = compareValues(v, best)
      if (name === "min" ? c < 0 : c > 0) best = v
    }
    return best
  }
}

function indexOf(list: unknown[], v: unknown): bigint {
  return BigInt(list.findIndex((e) => celEquals(e, v)))
}

function lastIndexOf(list: unknown[], v: unknown): bigint {
  return BigInt(list.findLastIndex((e) => celEquals(e, v)))
}

function slice(list: unknown[], start: bigint, end: bigint): unknown[] {
  const what = `cannot slice(${start}, ${end})`
  if (start < 0n || end < 0n) throw new Error(`${what}, negative indexes not supported`)
  if (start > end) throw new Error(`${what}, start index must be less than or equal to end index`)
  if (end > BigInt(list.length)) throw new Error(`${what}, list is length ${list.length}`)
  return list.slice(Number(start), Number(end))
}

function flatten(list: unknown[], depth: number): unknown[] {
  if (depth < 0) throw new Error("level must be non-negative")
  const out: unknown[] = []
  for (const v of list) {
    if (Array.isArray(v) && depth > 0) out.push(...flatten(v, depth - 1))
    else out.push(v)
  }
  return out
}

function distinct(list: unknown[]): unknown[] {
  const out: unknown[] = []
  for (const v of list) if (!out.some((e) => celEquals(e, v))) out.push(v)
  return out
}

function range(n: bigint): bigint[] {
  const out: bigint[] = []
  for (let i = 0n; i < n; i++) out.push(i)
  return out
}

function contains(list: unknown[], sub: unknown[]): boolean {
  return sub.every((v) => list.some((e) => celEquals(e, v)))
}

/** Namespaces of lists.range and the sets functions. */
class ListsNamespace {}
class SetsNamespace {}

/** Adds the list functions to `env`. */
export function registerLists(env: Environment): void {
  for (const t of COMPARABLE) {
    env
      .registerFunction(`list<${t}>.isSorted(): bool`, (l: unknown[]) =>
        l.every((v, i) => i === 0 || compareValues(l[i - 1], v) <= 0),
      )
      .registerFunction(`list<${t}>.min(): ${t}`, extreme("min"))
      .registerFunction(`list<${t}>.max(): ${t}`, extreme("max"))
      .registerFunction(`list<${t}>.sort(): list<${t}>`, (l: unknown[]) => [...l].sort(compareValues))
  }
  for (const t of SUMMABLE) env.registerFunction(`list<${t}>.sum(): ${t}`, sum(t))
  env
    .registerFunction("list<A>.indexOf(A): int", indexOf)
    .registerFunction("list<A>.lastIndexOf(A): int", lastIndexOf)
    .registerFunction("list<A>.slice(int, int): list<A>", slice)
    .registerFunction("list<list<A>>.flatten(): list<A>", (l: unknown[]) => flatten(l, 1))
    .registerFunction("list<dyn>.flatten(int): list<dyn>", (l: unknown[], n: bigint) => flatten(l, Number(n)))
    .registerFunction("list<A>.distinct(): list<A>", distinct)
    .registerFunction("list<A>.reverse(): list<A>", (l: unknown[]) => [...l].reverse())
    .registerFunction("list<A>.first(): optional<A>", (l: unknown[]) =>
      l.length ? Optional.of(l[0]) : Optional.none(),
    )
    .registerFunction("list<A>.last(): optional<A>", (l: unknown[]) =>
      l.length ? Optional.of(l[l.length - 1]) : Optional.none(),
    )
    .registerType("ListsNamespace", ListsNamespace)
    .registerConstant("lists", "ListsNamespace", new ListsNamespace())
    .registerFunction("ListsNamespace.range(int): list<int>", (_ns: ListsNamespace, n: bigint) => range(n))
    .registerType("SetsNamespace", SetsNamespace)
    .registerConstant("sets", "SetsNamespace", new SetsNamespace())
    .registerFunction(
      "SetsNamespace.contains(list<A>, list<A>): bool",
      (_ns: SetsNamespace, a: unknown[], b: unknown[]) => contains(a, b),
    )
    .registerFunction(
      "SetsNamespace.equivalent(list<A>, list<A>): bool",
      (_ns: SetsNamespace, a: unknown[], b: unknown[]) => contains(a, b) && contains(b, a),
    )
    .registerFunction(
      "SetsNamespace.intersects(list<A>, list<A>): bool",
      (_ns: SetsNamespace, a: unknown[], b: unknown[]) => b.some((v) => a.some((e) => celEquals(e, v))),
    )
}

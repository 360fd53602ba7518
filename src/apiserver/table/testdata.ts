/** Helpers shared by the printer tests: a fixed clock and metadata created some time before it. */
import assert from "node:assert/strict"
import { test } from "node:test"
import type { ObjectMeta } from "kubernetes-types/meta/v1.js"
import type { Printable, Printer } from "./types.ts"

/** The clock every printer test prints against. */
export const NOW = Date.parse("2026-01-01T12:00:00Z")

/** An RFC 3339 timestamp `ms` before NOW. */
export function ago(ms: number): string {
  return new Date(NOW - ms).toISOString()
}

/** Minutes and hours in ms. */
export const MIN = 60_000
export const HOUR = 60 * MIN

/** Metadata of an object named `name`, created five minutes before NOW. */
export function meta(name: string, extra: ObjectMeta = {}): ObjectMeta {
  return { name, namespace: "default", creationTimestamp: ago(5 * MIN), ...extra }
}

/** One table case: an object and the cells its printer must give at NOW. */
export interface PrinterCase<T> {
  readonly name: string
  readonly input: T
  readonly want: readonly (string | number | boolean)[]
}

/** Registers one test per case: cells as wanted, one per column. */
export function printerCases<T extends Printable>(
  label: string,
  p: Printer<T>,
  cases: readonly PrinterCase<T>[],
): void {
  for (const c of cases) {
    test(`${label}.cells() ${c.name}`, () => {
      const cells = p.cells(c.input, { now: NOW })
      assert.equal(cells.length, p.columns.length, "one cell per column")
      assert.deepEqual(cells, c.want)
    })
  }
}

/** The column names and priorities of a printer, `Name` or `Name*` (wide). */
export function headers(p: Printer<never>): string {
  return p.columns.map((c) => (c.priority ? `${c.name}*` : c.name)).join(" | ")
}

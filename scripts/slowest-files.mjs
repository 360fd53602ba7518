// A node:test reporter for scripts/test.mjs: after the run, the ten test files whose tests took
// longest (the sum of their top-level tests' durations), so a slow run's log says where the time went.
import { relative } from "node:path"

export default async function* slowestFiles(source) {
  const byFile = new Map()
  for await (const ev of source) {
    if ((ev.type !== "test:pass" && ev.type !== "test:fail") || ev.data.nesting !== 0) continue
    const file = ev.data.file ? relative(process.cwd(), ev.data.file) : "(unknown)"
    byFile.set(file, (byFile.get(file) ?? 0) + (ev.data.details?.duration_ms ?? 0))
  }
  const slowest = [...byFile].sort((a, b) => b[1] - a[1]).slice(0, 10)
  if (slowest.length === 0) return
  yield "\nslowest test files (seconds in their tests):\n"
  for (const [file, ms] of slowest) yield `  ${(ms / 1000).toFixed(1).padStart(7)}  ${file}\n`
}

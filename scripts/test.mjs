#!/usr/bin/env node
// The README's test command: typecheck, lint, import boundaries, format, then every test file
// under node's built-in test runner (TypeScript loaded through tsx).
//   node scripts/test.mjs                 everything
//   node scripts/test.mjs --only-unit     skip test/e2e
//   node scripts/test.mjs --no-checks     skip typecheck/lint/format (quick local loops)
//   node scripts/test.mjs src/storage     only test files under the given paths
import { spawnSync } from "node:child_process"
import { readdirSync, statSync } from "node:fs"
import { join } from "node:path"

const args = process.argv.slice(2)
const onlyUnit = args.includes("--only-unit")
const noChecks = args.includes("--no-checks")
const roots = args.filter((a) => !a.startsWith("--"))

function run(label, cmd, cmdArgs) {
  console.log(`\n== ${label}`)
  const r = spawnSync(cmd, cmdArgs, { stdio: "inherit" })
  if (r.status !== 0) {
    console.error(`\n${label} failed (exit ${r.status ?? r.signal})`)
    process.exit(r.status || 1)
  }
}

function testFiles(dir, out = []) {
  let st
  try {
    st = statSync(dir)
  } catch {
    return out
  }
  if (st.isFile()) {
    if (dir.endsWith(".test.ts")) out.push(dir)
    return out
  }
  for (const name of readdirSync(dir).sort()) {
    if (name === "node_modules" || name.startsWith(".")) continue
    testFiles(join(dir, name), out)
  }
  return out
}

if (!noChecks && roots.length === 0) {
  run("typecheck", "npx", ["tsc", "--noEmit", "-p", "."])
  run("lint", "npx", ["eslint", "--max-warnings", "0", "."])
  run("import boundaries", "npx", [
    "depcruise",
    "src",
    "cmd",
    "test",
    "bench",
    "--config",
    ".dependency-cruiser.cjs",
  ])
  run("format", "npx", ["prettier", "--check", "."])
}

const searchRoots = roots.length ? roots : onlyUnit ? ["src"] : ["src", "test"]
const files = searchRoots.flatMap((r) => testFiles(r))
if (files.length === 0) {
  console.error("No test files found")
  process.exit(1)
}
// Two files at a time: node's default on two cores is one, and most of a file's time is its
// process starting (tsx's loader) or waiting (servers, kubectl), not CPU. On these two-core machines
// the whole suite took 1,344 s one file at a time, 915 s two at a time. Tests that change the host's
// network hold a machine-wide lock (src/testing), so two such files take turns.
run(`tests (${files.length} files)`, process.execPath, [
  "--import",
  "tsx",
  "--test",
  "--test-concurrency=2",
  "--test-reporter=spec",
  "--test-reporter-destination=stdout",
  "--test-reporter=./scripts/slowest-files.mjs",
  "--test-reporter-destination=stdout",
  ...files,
])

#!/usr/bin/env node
// `npm run bench -- <name> [args]` runs bench/<name>.ts (or bench/<name>/index.ts), with the
// V8 flag `k8ts` itself runs with (see bin/k8ts.js).
import { spawn } from "node:child_process"
import { existsSync, readdirSync } from "node:fs"

const [name, ...rest] = process.argv.slice(2)
const file = [`bench/${name}.ts`, `bench/${name}/index.ts`].find((f) => name && existsSync(f))
if (!file) {
  const names = readdirSync("bench").map((f) => f.replace(/\.ts$/, ""))
  console.error(`Usage: npm run bench -- <name>; benchmarks: ${names.join(", ")}`)
  process.exit(2)
}
const child = spawn(
  process.execPath,
  ["--max-semi-space-size=64", "--expose-gc", "--import", "tsx", file, ...rest],
  { stdio: "inherit" },
)
// A stop of this wrapper (e.g. by `timeout`) reaches the benchmark, so it can stop what it started.
for (const sig of ["SIGTERM", "SIGINT", "SIGHUP"]) process.on(sig, () => child.kill(sig))
child.on("exit", (code, signal) => process.exit(code ?? (signal ? 128 : 1)))

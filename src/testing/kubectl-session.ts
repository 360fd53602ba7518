/**
 * The real kubectl pointed at one test cluster, with the few helpers every end-to-end test
 * wants: run it, run it and insist it succeeds, get objects as JSON, write a manifest file.
 */
import assert from "node:assert/strict"
import { writeFileSync } from "node:fs"
import { join } from "node:path"
import { type CommandResult, kubectlPath, run } from "./kubectl.ts"

/** Where kubectl talks to, read at each call (test clusters start in `before` hooks). */
export interface KubectlTarget {
  /** kubectl's environment (KUBECONFIG, HOME). */
  readonly env: NodeJS.ProcessEnv
  /** A scratch folder for manifests. */
  readonly dir: string
  /** Arguments before every command, such as `--kubeconfig <file>`. */
  readonly args?: readonly string[]
  readonly timeoutMs?: number
}

/** kubectl against one test cluster. */
export interface KubectlSession {
  /** Runs kubectl; never throws on a non-zero exit. */
  k(...args: string[]): Promise<CommandResult>
  /** Runs kubectl and returns its stdout. @throws AssertionError when it exits non-zero */
  ok(...args: string[]): Promise<string>
  /** `kubectl get <args> -o json`, parsed. */
  getJson(...args: string[]): Promise<any>
  /** Writes `text` to `name` in the scratch folder and returns its path. */
  file(name: string, text: string): string
}

/** A KubectlSession for the cluster `target()` describes. */
export function kubectlSession(target: () => KubectlTarget): KubectlSession {
  const kubectl = kubectlPath()
  const k = (...args: string[]) => {
    const t = target()
    return run(kubectl, [...(t.args ?? []), ...args], {
      env: t.env,
      ...(t.timeoutMs ? { timeoutMs: t.timeoutMs } : {}),
    })
  }
  const ok = async (...args: string[]) => {
    const r = await k(...args)
    assert.equal(r.code, 0, `kubectl ${args.join(" ")} failed: ${r.stdout}${r.stderr}`)
    return r.stdout
  }
  return {
    k,
    ok,
    getJson: async (...args) => JSON.parse(await ok("get", ...args, "-o", "json")),
    file: (name, text) => {
      const p = join(target().dir, name)
      writeFileSync(p, text)
      return p
    },
  }
}

/** The target of a `k8ts server` started with `--data-dir dir` (its admin kubeconfig). */
export function serverTarget(dir: string, timeoutMs?: number): KubectlTarget {
  return {
    env: { ...process.env, HOME: dir },
    dir,
    args: ["--kubeconfig", join(dir, "kubeconfig.yaml")],
    ...(timeoutMs ? { timeoutMs } : {}),
  }
}

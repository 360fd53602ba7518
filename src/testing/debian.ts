/**
 * Test dependencies from Debian packages: install them when we can, otherwise skip the tests
 * that need them with a visible reason, except under CI, where a missing dependency fails.
 */
import { execFileSync } from "node:child_process"
import { accessSync, constants, existsSync } from "node:fs"
import { delimiter, join } from "node:path"

const APT_GET = "/usr/bin/apt-get"

/**
 * Whether `probe` (an absolute path, or a command name looked up on PATH) exists, installing
 * the Debian package `pkg` with apt-get first when it does not and this process runs as root.
 * Returns false when the probe is still missing (no root, no apt-get, or the install failed).
 */
export function ensureDebianPackage(pkg: string, probe: string): boolean {
  if (probeExists(probe)) return true
  if (process.getuid?.() !== 0 || !existsSync(APT_GET)) return false
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" }
  const apt = (args: string[]) => execFileSync(APT_GET, args, { env, stdio: "ignore", timeout: 600_000 })
  try {
    apt(["install", "-y", "--no-install-recommends", pkg])
  } catch {
    // Often stale package lists (a fresh container): refresh them once and try again.
    try {
      apt(["update"])
      apt(["install", "-y", "--no-install-recommends", pkg])
    } catch {
      return false
    }
  }
  return probeExists(probe)
}

function probeExists(probe: string): boolean {
  if (probe.includes("/")) return existsSync(probe)
  for (const dir of (process.env.PATH ?? "").split(delimiter)) {
    if (!dir) continue
    try {
      accessSync(join(dir, probe), constants.X_OK)
      return true
    } catch {
      // Not in this directory.
    }
  }
  return false
}

/** Thrown by skipUnless under CI, where a missing test dependency is a failure, not a skip. */
export class MissingTestDependencyError extends Error {
  override name = "MissingTestDependencyError"
}

/** Whether the CI environment variable is set to something truthy. */
export function isCI(): boolean {
  const ci = process.env.CI?.trim().toLowerCase()
  return !!ci && ci !== "0" && ci !== "false"
}

/**
 * node:test options that skip a test or suite with the visible message `why` unless `cond` holds:
 * `describe("etcd", skipUnless(hasEtcd, "etcd is not installed"), () => …)`.
 * @throws MissingTestDependencyError when `cond` is false and CI is set: nothing may be skipped there
 */
export function skipUnless(cond: boolean, why: string): { skip?: string } {
  if (cond) return {}
  if (isCI()) {
    throw new MissingTestDependencyError(`Cannot run tests under CI: ${why} (CI never skips tests)`)
  }
  return { skip: why }
}

/**
 * haproxy as the proxy bench's baseline: TCP mode (the layer the service proxies work at),
 * roundrobin over the same backends, run in the foreground as a child of the bench with a
 * configuration file of its own. Installed from Debian's `haproxy` package when we are root.
 */
import { type ChildProcess, spawn } from "node:child_process"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { ensureDebianPackage } from "../src/testing/index.ts"
import { get } from "./_proxy-load.ts"

/** A running haproxy; stop() kills it (by PID), waits for it to exit and removes its configuration. */
export interface Haproxy {
  readonly child: ChildProcess
  stop(): Promise<void>
}

/** Kills `child` by PID and resolves once it exited (so it is reaped, not left a zombie). */
export function killChild(child: ChildProcess): Promise<void> {
  if (!child.pid || child.exitCode !== null || child.signalCode !== null) return Promise.resolve()
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()))
  process.kill(child.pid)
  return exited
}

/** haproxy's configuration: one TCP frontend on `listen`, balancing roundrobin over `backends` at `port`. */
export function haproxyConfig(listen: string, backends: readonly string[], port: number): string {
  return [
    "global",
    "  maxconn 4000",
    "defaults",
    "  mode tcp",
    "  timeout connect 5s",
    "  timeout client 30s",
    "  timeout server 30s",
    "frontend bench",
    `  bind ${listen}`,
    "  default_backend pods",
    "backend pods",
    "  balance roundrobin",
    ...backends.map((ip, i) => `  server pod${i} ${ip}:${port}`),
    "",
  ].join("\n")
}

/**
 * Starts haproxy on `host:listenPort` in front of `backends`, or resolves with why it cannot
 * (not installed, and not root to install it).
 */
export async function startHaproxy(
  host: string,
  listenPort: number,
  backends: readonly string[],
  port: number,
): Promise<Haproxy | string> {
  if (!ensureDebianPackage("haproxy", "haproxy")) {
    return "haproxy is not installed (apt-get install haproxy, or run the bench as root to have it installed)"
  }
  const dir = mkdtempSync(join(tmpdir(), "k8ts-bench-haproxy-"))
  const file = join(dir, "haproxy.cfg")
  writeFileSync(file, haproxyConfig(`${host}:${listenPort}`, backends, port))
  const child = spawn("haproxy", ["-db", "-f", file], { stdio: ["ignore", "ignore", "inherit"] })
  const stop = async () => {
    await killChild(child)
    rmSync(dir, { recursive: true, force: true })
  }
  for (let i = 0; i < 250; i++) {
    if (child.exitCode !== null) break
    if (await get(host, listenPort, 200).then(Boolean, () => false)) return { child, stop }
    await new Promise((r) => setTimeout(r, 20))
  }
  await stop()
  return `haproxy did not start (exit ${child.exitCode})`
}

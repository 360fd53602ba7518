/**
 * A throwaway etcd v3 server for tests: Debian's `/usr/bin/etcd` (package etcd-server) on free
 * loopback ports with its data in a temporary directory. Stopped by PID, never by name.
 */
import { type ChildProcess, spawn } from "node:child_process"
import { existsSync, mkdtempSync, rmSync } from "node:fs"
import { createServer, type Server } from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"

/** Where Debian's etcd-server package installs the server. */
export const ETCD_BINARY = "/usr/bin/etcd"

/** Options of startEtcd. */
export interface StartEtcdOptions {
  /**
   * The data directory. When given it is created if needed and kept by stop(), so a later
   * startEtcd on it finds the same data; by default a fresh temporary one is removed by stop().
   */
  readonly dir?: string
  /** The etcd binary. Default ETCD_BINARY. */
  readonly binary?: string
  /** How long to wait for the server to answer, in ms. Default 20 s. */
  readonly timeoutMs?: number
}

/** A running etcd server. */
export interface EtcdServer {
  /** Client endpoints, e.g. `["http://127.0.0.1:41234"]`. */
  readonly endpoints: string[]
  /** The datastore URL for openStore, e.g. `etcd://127.0.0.1:41234`. */
  readonly url: string
  readonly pid: number
  /** The data directory. */
  readonly dir: string
  /** Stops the server (SIGTERM, then SIGKILL) by its PID and removes a temporary data dir. */
  stop(): Promise<void>
}

const ATTEMPTS = 3
const STDERR_TAIL = 4096

/** Starts etcd on free loopback ports and resolves once it serves requests. */
export async function startEtcd(opts: StartEtcdOptions = {}): Promise<EtcdServer> {
  const binary = opts.binary ?? ETCD_BINARY
  if (!existsSync(binary)) {
    throw new Error(`Cannot start etcd: "${binary}" does not exist (install the Debian package etcd-server)`)
  }
  let lastError: unknown
  // A free port can be taken between probing and etcd binding it: retry with fresh ports.
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    try {
      return await startOnce(binary, opts)
    } catch (err) {
      lastError = err
      if (!(err instanceof EtcdExitedError && /address already in use/i.test(err.message))) throw err
    }
  }
  throw lastError
}

class EtcdExitedError extends Error {
  override name = "EtcdExitedError"
}

async function startOnce(binary: string, opts: StartEtcdOptions): Promise<EtcdServer> {
  const temporary = opts.dir === undefined
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), "k8ts-etcd-"))
  const [clientPort, peerPort] = await freePorts(2)
  const client = `http://127.0.0.1:${clientPort}`
  const peer = `http://127.0.0.1:${peerPort}`
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("ETCD_")))
  const child = spawn(
    binary,
    [
      "--name=k8ts-test",
      `--data-dir=${join(dir, "data")}`,
      `--listen-client-urls=${client}`,
      `--advertise-client-urls=${client}`,
      `--listen-peer-urls=${peer}`,
      `--initial-advertise-peer-urls=${peer}`,
      `--initial-cluster=k8ts-test=${peer}`,
      "--initial-cluster-state=new",
      "--logger=zap",
      "--log-outputs=stderr",
      "--log-level=warn",
    ],
    { env, stdio: ["ignore", "ignore", "pipe"] },
  )
  let stderr = ""
  child.stderr?.setEncoding("utf8")
  child.stderr?.on("data", (chunk: string) => {
    stderr = (stderr + chunk).slice(-STDERR_TAIL)
  })
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()))
  const removeDir = () => {
    if (temporary) rmSync(dir, { recursive: true, force: true })
  }
  // If the test process exits without stop(), take the server and its directory with it.
  const onExit = () => {
    if (isRunning(child)) killPid(child.pid, "SIGKILL")
    removeDir()
  }
  process.on("exit", onExit)
  const stop = async () => {
    process.off("exit", onExit)
    if (isRunning(child)) {
      killPid(child.pid, "SIGTERM")
      const timer = setTimeout(() => killPid(child.pid, "SIGKILL"), 5000)
      await exited
      clearTimeout(timer)
    }
    child.stderr?.destroy()
    removeDir()
  }
  try {
    if (child.pid === undefined) throw new EtcdExitedError(`Cannot start etcd "${binary}": spawn failed`)
    await waitHealthy(client, child, opts.timeoutMs ?? 20_000, () => stderr)
  } catch (err) {
    await stop()
    throw err
  }
  return { endpoints: [client], url: `etcd://127.0.0.1:${clientPort}`, pid: child.pid, dir, stop }
}

function isRunning(child: ChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null
}

function killPid(pid: number | undefined, signal: NodeJS.Signals): void {
  if (pid === undefined) return
  try {
    process.kill(pid, signal)
  } catch {
    // Already gone.
  }
}

async function waitHealthy(
  endpoint: string,
  child: ChildProcess,
  timeoutMs: number,
  stderr: () => string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs
  let spawnError: Error | undefined
  child.once("error", (err) => (spawnError = err))
  while (Date.now() < deadline) {
    if (spawnError || !isRunning(child)) {
      const why = spawnError?.message ?? `exit ${child.exitCode ?? child.signalCode}`
      throw new EtcdExitedError(`Cannot start etcd: it stopped (${why}): ${stderr().trim()}`)
    }
    try {
      const res = await fetch(`${endpoint}/health`, { signal: AbortSignal.timeout(1000) })
      const body = (await res.json()) as { health?: string }
      if (res.ok && body.health === "true") return
    } catch {
      // Not listening yet.
    }
    await new Promise((r) => setTimeout(r, 50))
  }
  throw new Error(`Cannot start etcd: no healthy answer from "${endpoint}" within ${timeoutMs} ms`)
}

/** `n` distinct free TCP ports on 127.0.0.1 (held open together so they differ). */
async function freePorts(n: number): Promise<number[]> {
  const servers: Server[] = []
  try {
    for (let i = 0; i < n; i++) {
      const server = createServer()
      servers.push(server)
      await new Promise<void>((resolve, reject) => {
        server.once("error", reject)
        server.listen(0, "127.0.0.1", () => resolve())
      })
    }
    return servers.map((s) => {
      const addr = s.address()
      if (!addr || typeof addr === "string") throw new Error("Cannot find a free port: no address")
      return addr.port
    })
  } finally {
    await Promise.all(servers.map((s) => new Promise((r) => s.close(() => r(undefined)))))
  }
}

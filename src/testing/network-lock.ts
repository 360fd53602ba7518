/**
 * The machine-wide lock of tests that change the host's network (bridges, network namespaces,
 * `unreachable` routes for the cluster ranges, nftables and iptables tables): two test runs at
 * once (two checkouts) would take the same names and ranges and undo each other's set-up. The
 * lock is a file holding its holder's PID and start time, made by link(2) (it appears with its
 * content, or not at all) and removed on release; a holder that died without releasing is
 * taken over, one whose PID now names another process included.
 */
import { linkSync, readFileSync, renameSync, unlinkSync, writeFileSync } from "node:fs"
import { after, before } from "node:test"
import { startTicks } from "../util/index.ts"

/** Where the lock lives (tmpfs: a reboot forgets it). */
export const NETWORK_LOCK = "/run/lock/k8ts-network-tests.lock"

/** Options of acquireNetworkLock. */
export interface NetworkLockOptions {
  /** The lock file (default NETWORK_LOCK). */
  readonly path?: string
  /** How long to wait for another holder (default 10 minutes). */
  readonly timeoutMs?: number
  /** How often to look again while waiting (default 200 ms). */
  readonly pollMs?: number
}

/** How many times this process holds each lock (acquire nests). */
const held = new Map<string, number>()

/** What this process writes into the lock. */
function ownMark(): string {
  return `${process.pid} ${startTicks(process.pid) ?? "?"}\n`
}

/** Whether the process a lock's content names still runs (the same one, not a later one with its PID). */
function holderAlive(mark: string): boolean {
  const [pid, start] = mark.trim().split(" ")
  return !!pid && /^\d+$/.test(pid) && startTicks(Number(pid)) === start
}

/** The command line of the process a lock's content names, for messages. */
function holderCommand(mark: string): string {
  const pid = mark.trim().split(" ")[0] ?? ""
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").join(" ").trim()
  } catch {
    return "?"
  }
}

function readMark(path: string): string | undefined {
  try {
    return readFileSync(path, "utf8")
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined
    throw err
  }
}

/** Makes the lock file with this process's mark; false when it exists. */
function tryCreate(path: string): boolean {
  const tmp = `${path}.${process.pid}.tmp`
  writeFileSync(tmp, ownMark())
  try {
    linkSync(tmp, path)
    return true
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "EEXIST") return false
    throw err
  } finally {
    unlinkSync(tmp)
  }
}

/**
 * Removes the lock of a dead holder whose content was `mark`. It is moved aside first (one
 * rename wins) and checked: if a live holder had taken it over meanwhile, it goes back.
 */
function takeOver(path: string, mark: string): void {
  const aside = `${path}.${process.pid}.stale`
  try {
    renameSync(path, aside)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return // another waiter took it over
    throw err
  }
  try {
    // EEXIST here would need a third taker within the same microseconds: then two would hold it.
    if (readMark(aside) !== mark) linkSync(aside, path)
  } finally {
    unlinkSync(aside)
  }
}

/**
 * Takes the machine-wide network test lock, waiting while another live process holds it.
 * Nests: a process that holds it already only counts one more release.
 * @returns the release, which removes the lock once every acquire is released
 * @throws Error naming the holder when it is not released within the timeout
 */
export async function acquireNetworkLock(opts: NetworkLockOptions = {}): Promise<() => void> {
  const { path = NETWORK_LOCK, timeoutMs = 600_000, pollMs = 200 } = opts
  const release = () => releaseLock(path)
  const deadline = Date.now() + timeoutMs
  for (;;) {
    // Also after a wait: another acquire of this process may have taken it meanwhile.
    const count = held.get(path)
    if (count) {
      held.set(path, count + 1)
      return release
    }
    if (tryCreate(path)) break
    const mark = readMark(path)
    if (mark === undefined) continue // released between the two calls
    if (!holderAlive(mark)) {
      takeOver(path, mark)
      continue
    }
    if (Date.now() >= deadline) {
      const pid = mark.trim().split(" ")[0]
      throw new Error(
        `Cannot take the network test lock ${path} within ${timeoutMs / 1000} s: ` +
          `process ${pid} (${holderCommand(mark)}) holds it. Another test run is changing this ` +
          `machine's network; wait for it to finish.`,
      )
    }
    await new Promise((r) => setTimeout(r, pollMs))
  }
  held.set(path, 1)
  return release
}

function releaseLock(path: string): void {
  const count = held.get(path) ?? 0
  if (count > 1) return void held.set(path, count - 1)
  if (count === 0) return
  held.delete(path)
  // Only this process's own lock goes (not one a waiter took over after this process was taken for dead).
  if (readMark(path) === ownMark()) unlinkSync(path)
}

// A process that ends without releasing (a test that threw) lets go on its way out.
process.on("exit", () => {
  for (const path of held.keys()) {
    held.set(path, 1)
    releaseLock(path)
  }
})

/**
 * Holds the network test lock for the whole test file: called at the file's top level (before
 * any other top-level hook), it is taken before every suite's set-up and let go after every
 * suite's clean-up, so the network work belongs in the suites' hooks. Does nothing unless `when`
 * (e.g. the tests need root and will run).
 */
export function lockNetworkTests(when = true): void {
  if (!when) return
  let release: (() => void) | undefined
  before(async () => {
    release = await acquireNetworkLock()
  })
  after(() => release?.())
}

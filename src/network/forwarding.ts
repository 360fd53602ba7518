/**
 * net.ipv4.ip_forward shared by every pod network on the machine (several nodes, or tests
 * running side by side): the first holder records the value the machine had, each holder
 * leaves a file with its pid, and the last to let go (dead holders do not count) restores it
 * and removes the meeting place, leaving /run as it found it.
 */
import { mkdir, readdir, readFile, rm, rmdir, stat, writeFile } from "node:fs/promises"
import { dirname, join } from "node:path"
import { isAlive } from "../util/index.ts"

const IP_FORWARD = "/proc/sys/net/ipv4/ip_forward"

/** Where holders meet: tmpfs, so a reboot forgets them with the sysctl itself. */
export const FORWARDING_DIR = "/run/k8ts/ip-forward"

/** Where forwarding state lives (tests point both elsewhere). */
export interface ForwardingOptions {
  /** Default /run/k8ts/ip-forward. */
  readonly dir?: string
  /** Default /proc/sys/net/ipv4/ip_forward. */
  readonly sysctl?: string
}

function holderFile(dir: string, holder: string): string {
  return join(dir, "holders", encodeURIComponent(holder))
}

/** A lock older than this is a crashed holder's: broken. */
const STALE_LOCK_MS = 10_000

/** Runs `fn` while holding the directory's lock (a mkdir), so holders never interleave. */
async function withLock<T>(dir: string, fn: () => Promise<T>): Promise<T> {
  const lock = join(dir, "lock")
  await mkdir(dir, { recursive: true })
  for (;;) {
    try {
      await mkdir(lock)
      break
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code
      // The last holder removed the folder between our mkdir and this one: make it again.
      if (code === "ENOENT") {
        await mkdir(dir, { recursive: true })
        continue
      }
      if (code !== "EEXIST") throw err
      const age = await stat(lock).then(
        (s) => Date.now() - s.mtimeMs,
        () => 0,
      )
      if (age > STALE_LOCK_MS) await rm(lock, { recursive: true, force: true })
      else await new Promise((r) => setTimeout(r, 5))
    }
  }
  try {
    return await fn()
  } finally {
    await rm(lock, { recursive: true, force: true })
  }
}

/** Turns forwarding on for `holder`, recording the machine's value if nobody holds it yet. */
export async function holdForwarding(holder: string, opts: ForwardingOptions = {}): Promise<void> {
  const { dir = FORWARDING_DIR, sysctl = IP_FORWARD } = opts
  await withLock(dir, () => hold(holder, dir, sysctl))
}

async function hold(holder: string, dir: string, sysctl: string): Promise<void> {
  await mkdir(join(dir, "holders"), { recursive: true })
  const now = (await readFile(sysctl, "utf8")).trim()
  // "wx": a recorded value stays (another holder's, or one a crash mid-release left) — it is the machine's.
  await writeFile(join(dir, "original"), now, { flag: "wx" }).catch((err: NodeJS.ErrnoException) => {
    if (err.code !== "EEXIST") throw err
  })
  await writeFile(holderFile(dir, holder), String(process.pid))
  if (now !== "1") await writeFile(sysctl, "1")
}

/** Lets go of forwarding for `holder`; the last live holder restores the recorded value. */
export async function releaseForwarding(holder: string, opts: ForwardingOptions = {}): Promise<void> {
  const { dir = FORWARDING_DIR, sysctl = IP_FORWARD } = opts
  if (!(await withLock(dir, () => release(holder, dir, sysctl)))) return
  // Nobody holds it: the empty folders go (they stay if someone came in meanwhile).
  await rmdir(dir).catch(() => undefined)
  if (dirname(dir) === dirname(FORWARDING_DIR)) await rmdir(dirname(dir)).catch(() => undefined)
}

/** Lets go; true when that was the last holder (the recorded value is back and no holder is left). */
async function release(holder: string, dir: string, sysctl: string): Promise<boolean> {
  await rm(holderFile(dir, holder), { force: true })
  for (const name of await readdir(join(dir, "holders")).catch(() => [] as string[])) {
    const pid = Number(await readFile(join(dir, "holders", name), "utf8").catch(() => "0"))
    if (pid > 0 && isAlive(pid)) return false
    await rm(join(dir, "holders", name), { force: true })
  }
  const original = await readFile(join(dir, "original"), "utf8").catch(() => undefined)
  if (original !== undefined) await writeFile(sysctl, original.trim())
  await rm(join(dir, "original"), { force: true })
  await rmdir(join(dir, "holders")).catch(() => undefined)
  return true
}

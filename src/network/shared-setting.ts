/**
 * A machine setting shared by every pod network on the machine (several nodes, or tests running
 * side by side): the first holder records the state the machine had, each holder leaves a file
 * with its pid, and the last to let go (dead holders do not count) puts the recorded state back
 * and removes the meeting place, leaving /run as it found it. What a setting is (a sysctl, a
 * table) is the caller's: it says how to read the machine's state, change it, and restore it.
 */
import { mkdir, readdir, readFile, rm, rmdir, stat, writeFile } from "node:fs/promises"
import { dirname, join } from "node:path"
import { isAlive } from "../util/index.ts"

/** Where the machine settings' meeting places live (tmpfs: a reboot forgets them with the settings). */
export const RUN_DIR = "/run/k8ts"

/** How to read, change and put back one machine setting. */
export interface SharedSetting {
  /** The machine's state now, as text (what the first holder records). */
  read(): Promise<string>
  /** Makes the setting what holders need, given its state now. */
  apply(now: string): Promise<void>
  /** Puts back the state the first holder recorded. */
  restore(original: string): Promise<void>
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

/** Holds the setting for `holder` (meeting in `dir`), recording the machine's state if nobody holds it yet. */
export async function holdSetting(holder: string, dir: string, setting: SharedSetting): Promise<void> {
  await withLock(dir, async () => {
    await mkdir(join(dir, "holders"), { recursive: true })
    const now = await setting.read()
    // "wx": a recorded state stays (another holder's, or one a crash mid-release left): it is the machine's.
    await writeFile(join(dir, "original"), now, { flag: "wx" }).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== "EEXIST") throw err
    })
    await writeFile(holderFile(dir, holder), String(process.pid))
    await setting.apply(now)
  })
}

/**
 * Lets go of the setting for `holder`; the last live holder restores the recorded state and
 * removes `dir` (and RUN_DIR, when `dir` is in it and it is then empty).
 */
export async function releaseSetting(holder: string, dir: string, setting: SharedSetting): Promise<void> {
  const last = await withLock(dir, async () => {
    await rm(holderFile(dir, holder), { force: true })
    for (const name of await readdir(join(dir, "holders")).catch(() => [] as string[])) {
      const pid = Number(await readFile(join(dir, "holders", name), "utf8").catch(() => "0"))
      if (pid > 0 && isAlive(pid)) return false
      await rm(join(dir, "holders", name), { force: true })
    }
    const original = await readFile(join(dir, "original"), "utf8").catch(() => undefined)
    if (original !== undefined) await setting.restore(original.trim())
    await rm(join(dir, "original"), { force: true })
    await rmdir(join(dir, "holders")).catch(() => undefined)
    return true
  })
  if (!last) return
  // Nobody holds it: the empty folders go (they stay if someone came in meanwhile).
  await rmdir(dir).catch(() => undefined)
  if (dirname(dir) === RUN_DIR) await rmdir(RUN_DIR).catch(() => undefined)
}

/**
 * The child process of crash.test.ts: opens a store and writes as fast as it can until it is
 * killed. Run as `node --import tsx _crash-writer.ts <backend> <target> <prefix>` where backend is
 * `sqlite` (target: the database file) or `etcd` (target: the datastore URL, `etcd://host:port`).
 *
 * Each of WORKERS loops owns the keys `i % WORKERS === w` of KEYS keys under `prefix`, so it knows
 * their state exactly: it creates a missing key, and updates or deletes a present one with the
 * revision it last saw. The loops run concurrently, so group commit batches their writes. Next to
 * some writes a loop sends one that must fail (a create of a present key, a stale update, a delete
 * of a missing key), in flight in the same batch, to check that failed writes consume no revision.
 *
 * Once the store is open it sends `{ ready: true, revision }` (its revision before any write) over
 * the IPC channel. Then, on stdout, one JSON object a line, written as soon as a promise settles:
 * - `{"k":key,"t":"put"|"delete","r":revision,"c":createRevision,"v":value}` per acknowledged write;
 * - `{"bug":message}` when a write that must fail succeeded;
 * - `{"err":message}` when a write that should succeed failed.
 * Values are `<key>|<worker>|<seq>|<padding>`; the values of writes that must fail contain `|bad|`.
 */
import { openEtcdStore } from "./etcd.ts"
import { openStore } from "./open.ts"
import { SqliteStore } from "./sqlite.ts"
import type { Entry, Store } from "./store.ts"

/** Keys the writer spreads its writes over. */
const CRASH_KEYS = 300
/** Concurrent write loops. */
const CRASH_WORKERS = 64

const PAD = "x".repeat(200)

/**
 * Writes one line. The parent points stdout at a file, where Node writes synchronously: a line
 * written is kept when the process is killed a moment later (a full pipe would leave it in a
 * userland buffer that dies with the process).
 */
function emit(obj: object): void {
  process.stdout.write(JSON.stringify(obj) + "\n")
}

async function openBackend(backend: string, target: string): Promise<Store> {
  if (backend === "sqlite") return SqliteStore.open(target, { compactIntervalMs: 0 })
  if (backend === "etcd") return openStore(target, { etcd: openEtcdStore })
  throw new TypeError(`Unknown backend "${backend}": use sqlite or etcd`)
}

/** A write that must fail against `key` whose state (owned by the caller) is `cur`. */
async function badWrite(store: Store, key: string, cur: Entry | undefined, value: string): Promise<void> {
  let p: Promise<Entry>
  const pick = Math.random()
  if (cur) {
    p = pick < 0.5 ? store.create(key, value) : store.update(key, value, cur.revision + 1_000_000)
  } else {
    p = pick < 0.5 ? store.update(key, value, 1) : store.delete(key)
  }
  try {
    const e = await p
    emit({ bug: `write that must fail succeeded: ${key} at ${e.revision}` })
  } catch {
    // expected
  }
}

async function worker(store: Store, w: number, keys: readonly string[]): Promise<never> {
  const state = new Map<string, Entry | undefined>()
  let seq = 0
  for (;;) {
    const i = Math.floor(Math.random() * keys.length)
    const key = keys[i] as string
    const cur = state.get(key)
    const value = `${key}|${w}|${seq++}|${PAD}`
    let bad: Promise<void> = Promise.resolve()
    if (keys.length > 1 && Math.random() < 0.1) {
      // Another key of ours, which nobody writes until both settle.
      const other = keys[(i + 1) % keys.length] as string
      bad = badWrite(store, other, state.get(other), `${other}|${w}|bad|${seq}`)
    }
    try {
      let e: Entry
      let type: "put" | "delete"
      if (!cur) {
        e = await store.create(key, value)
        type = "put"
      } else if (Math.random() < 0.25) {
        e = await store.delete(key, cur.revision)
        type = "delete"
      } else {
        e = await store.update(key, value, cur.revision)
        type = "put"
      }
      emit({ k: key, t: type, r: e.revision, c: e.createRevision, v: e.value })
      state.set(key, type === "delete" ? undefined : e)
    } catch (err) {
      emit({ err: `${key}: ${String(err)}` })
      state.set(key, await store.get(key))
    }
    await bad
  }
}

const [backend = "sqlite", target = "", prefix = "/crash/"] = process.argv.slice(2)
const store = await openBackend(backend, target)
process.send?.({ ready: true, revision: await store.revision() })
const owned: string[][] = Array.from({ length: CRASH_WORKERS }, () => [])
for (let i = 0; i < CRASH_KEYS; i++) owned[i % CRASH_WORKERS]?.push(`${prefix}k${String(i).padStart(4, "0")}`)
await Promise.all(owned.map((keys, w) => worker(store, w, keys)))

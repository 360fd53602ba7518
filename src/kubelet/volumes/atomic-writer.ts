/**
 * Upstream's atomic writer for API-data volumes (configMap, secret, downwardAPI, projected): the
 * files live in a timestamped directory, `..data` links to it, and each top-level name links
 * through `..data`. An update writes a new directory and swaps `..data` with one rename, so a
 * reader sees either the old files or the new ones, never a mix.
 */
import {
  chmodSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
  unlinkSync,
  writeFileSync,
} from "node:fs"
import { dirname, isAbsolute, join, normalize } from "node:path"

/** One file of a volume: its bytes and permission bits. */
export interface FileProjection {
  readonly data: Buffer
  readonly mode: number
}

/** A volume's files by relative path. */
export type Payload = Readonly<Record<string, FileProjection>>

const DATA = "..data"
const DATA_TMP = "..data_tmp"

/** Checks a payload path as upstream does. @throws Error with upstream's message */
function validatePath(path: string): void {
  if (path === "") throw new Error("invalid path: must not be empty")
  if (isAbsolute(path)) throw new Error(`invalid path: must be relative path: ${path}`)
  if (path.split("/").includes("..")) throw new Error(`invalid path: must not contain '..': ${path}`)
  if (path.startsWith("..")) throw new Error(`invalid path: must not start with '..': ${path}`)
}

/** The payload with each path cleaned (`a//b/` → `a/b`). */
function cleaned(payload: Payload): Map<string, FileProjection> {
  const out = new Map<string, FileProjection>()
  for (const [path, file] of Object.entries(payload)) {
    validatePath(path)
    out.set(normalize(path).replace(/\/+$/, ""), file)
  }
  return out
}

/** The files under `dir`, by path relative to it. */
function filesUnder(dir: string, prefix = ""): Map<string, FileProjection> {
  const out = new Map<string, FileProjection>()
  for (const entry of readdirSync(join(dir, prefix), { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${entry.name}` : entry.name
    if (entry.isDirectory()) for (const [k, v] of filesUnder(dir, rel)) out.set(k, v)
    else {
      const full = join(dir, rel)
      out.set(rel, { data: readFileSync(full), mode: statSync(full).mode & 0o7777 })
    }
  }
  return out
}

function samePayload(a: Map<string, FileProjection>, b: Map<string, FileProjection>): boolean {
  if (a.size !== b.size) return false
  for (const [path, file] of a) {
    const other = b.get(path)
    if (!other || other.mode !== file.mode || !other.data.equals(file.data)) return false
  }
  return true
}

/** `..2006_01_02_15_04_05.` as upstream names the data directories (a random suffix follows). */
function stampPrefix(now: Date): string {
  const p = (n: number) => String(n).padStart(2, "0")
  const d = `${now.getUTCFullYear()}_${p(now.getUTCMonth() + 1)}_${p(now.getUTCDate())}`
  return `..${d}_${p(now.getUTCHours())}_${p(now.getUTCMinutes())}_${p(now.getUTCSeconds())}.`
}

function topLevel(path: string): string {
  return path.split("/")[0] as string
}

function isPresent(path: string): boolean {
  try {
    lstatSync(path)
    return true
  } catch {
    return false
  }
}

/**
 * Makes `dir` hold exactly `payload`, atomically. Returns false when it already did (nothing
 * written). @throws Error when a path is absolute or contains `..`, or on I/O failure
 */
export function writeAtomically(dir: string, payload: Payload, now: Date = new Date()): boolean {
  const files = cleaned(payload)
  mkdirSync(dir, { recursive: true })
  const dataLink = join(dir, DATA)
  const old = isPresent(dataLink) ? readlinkSync(dataLink) : undefined
  const oldFiles = old && existsSync(join(dir, old)) ? filesUnder(join(dir, old)) : undefined
  if (oldFiles && samePayload(files, oldFiles)) return false
  const stamped = mkdtempSync(join(dir, stampPrefix(now)))
  chmodSync(stamped, 0o755)
  for (const [path, file] of files) {
    const full = join(stamped, path)
    mkdirSync(dirname(full), { recursive: true, mode: 0o755 })
    writeFileSync(full, file.data)
    chmodSync(full, file.mode)
  }
  const tmp = join(dir, DATA_TMP)
  rmSync(tmp, { force: true })
  symlinkSync(stamped.slice(dir.length + 1), tmp)
  renameSync(tmp, dataLink)
  const visible = new Set([...files.keys()].map(topLevel))
  for (const name of visible) {
    if (!isPresent(join(dir, name))) symlinkSync(join(DATA, name), join(dir, name))
  }
  for (const name of new Set([...(oldFiles?.keys() ?? [])].map(topLevel))) {
    if (!visible.has(name)) unlinkSync(join(dir, name))
  }
  if (old) rmSync(join(dir, old), { recursive: true, force: true })
  return true
}

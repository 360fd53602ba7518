/**
 * The hostPath volume's type check, as upstream's checkType: DirectoryOrCreate and FileOrCreate
 * create what is missing, the other types require an existing path of that kind.
 */
import { closeSync, mkdirSync, openSync, statSync, type Stats } from "node:fs"

function statOf(path: string): Stats | undefined {
  try {
    return statSync(path)
  } catch {
    return undefined
  }
}

const KINDS: Readonly<Record<string, { readonly is: (s: Stats) => boolean; readonly noun: string }>> = {
  Directory: { is: (s) => s.isDirectory(), noun: "a directory" },
  File: { is: (s) => s.isFile(), noun: "a file" },
  Socket: { is: (s) => s.isSocket(), noun: "a socket file" },
  CharDevice: { is: (s) => s.isCharacterDevice(), noun: "a character device" },
  BlockDevice: { is: (s) => s.isBlockDevice(), noun: "a block device" },
}

/**
 * Checks (and for the *OrCreate types makes) `path` as hostPath `type` asks.
 * @throws Error with upstream's message, e.g. `hostPath type check failed: /x is not a directory`
 */
export function checkHostPathType(path: string, type: string | undefined): void {
  if (!type) return
  let kind = type
  if (type === "DirectoryOrCreate" || type === "FileOrCreate") {
    kind = type.slice(0, -"OrCreate".length)
    if (!statOf(path)) {
      if (kind === "Directory") mkdirSync(path, { recursive: true, mode: 0o755 })
      else closeSync(openSync(path, "a", 0o644))
      return
    }
  }
  const check = KINDS[kind]
  if (!check) throw new Error(`${type} is an invalid volume type`)
  const st = statOf(path)
  if (!st || !check.is(st)) throw new Error(`hostPath type check failed: ${path} is not ${check.noun}`)
}

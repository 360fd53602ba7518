/**
 * Runs the host's `nft` and `ip` commands: an nftables script applied as one transaction (all
 * or nothing), and the listings and link/route/sysctl edits around it. Knows nothing about
 * what the rules mean.
 */
import { execFile, spawn } from "node:child_process"
import { readFile, writeFile } from "node:fs/promises"

/** A command that exited non-zero, with what it wrote to stderr. */
export class CommandError extends Error {
  override name = "CommandError"
}

/**
 * Applies `script` with `nft -f -`: the kernel commits every statement in it or none.
 * @throws CommandError with nft's message (and the failing line) when the script is rejected
 */
export function runNft(script: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn("nft", ["-f", "-"], { stdio: ["pipe", "ignore", "pipe"] })
    let err = ""
    child.stderr.on("data", (d: Buffer) => (err += d.toString()))
    child.on("error", (e) => reject(new CommandError(`Cannot run nft: ${e.message}`)))
    child.on("close", (code) =>
      code === 0
        ? resolve()
        : reject(new CommandError(`Cannot apply the nftables script: ${err.trim() || `exit ${code}`}`)),
    )
    child.stdin.end(script)
  })
}

/** Runs a command and resolves with its stdout. @throws CommandError when it fails */
export function runCommand(file: string, args: readonly string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err)
        reject(new CommandError(`Cannot run "${[file, ...args].join(" ")}": ${stderr.trim() || err.message}`))
      else resolve(stdout)
    })
  })
}

/** The nftables tables as "family name" strings (e.g. "ip k8ts-proxy"). */
export async function listNftTables(): Promise<string[]> {
  const out = await runCommand("nft", ["list", "tables"])
  return out
    .split("\n")
    .map((l) => l.replace(/^table\s+/, "").trim())
    .filter(Boolean)
}

/** Deletes table `name` of `family` if it exists. */
export async function deleteNftTable(family: string, name: string): Promise<void> {
  // Adding first makes the delete succeed whether or not the table was there.
  await runNft(`add table ${family} ${name}\ndelete table ${family} ${name}\n`)
}

/** Reads an IPv4 interface sysctl (e.g. route_localnet of "k8ts0"), undefined when the interface is absent. */
export async function readInterfaceSysctl(iface: string, key: string): Promise<string | undefined> {
  return readFile(`/proc/sys/net/ipv4/conf/${iface}/${key}`, "utf8").then(
    (v) => v.trim(),
    () => undefined,
  )
}

/** Writes an IPv4 interface sysctl. */
export async function writeInterfaceSysctl(iface: string, key: string, value: string): Promise<void> {
  await writeFile(`/proc/sys/net/ipv4/conf/${iface}/${key}`, value)
}

/**
 * Runs the host's `nft` and `ip` commands: an nftables script applied as one transaction (all
 * or nothing), and the listings and link/route/sysctl edits around it. Knows nothing about
 * what the rules mean.
 */
import { readFile, writeFile } from "node:fs/promises"
import { run } from "./exec.ts"

/**
 * Applies `script` with `nft -f -`: the kernel commits every statement in it or none.
 * @throws CommandError with nft's message (and the failing line) when the script is rejected
 */
export async function runNft(script: string): Promise<void> {
  await run(["nft", "-f", "-"], { input: script })
}

/** The nftables tables as "family name" strings (e.g. "ip k8ts-proxy"). */
export async function listNftTables(): Promise<string[]> {
  const out = await run(["nft", "list", "tables"])
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

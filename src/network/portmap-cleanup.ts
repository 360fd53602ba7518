/**
 * Removes what CNI's portmap plugin leaves in iptables once no pod maps a port: its top-level
 * CNI-HOSTPORT-* chains and the jumps to them. While any pod's chain still hangs off
 * CNI-HOSTPORT-DNAT, nothing is touched. The nat tables the plugin's rules live in are held like
 * a machine setting (shared-setting.ts): the last pod network to let go deletes a table the
 * machine did not have before the first one came, once nothing but built-in chains is left in it;
 * a table the machine had stays, empty or not.
 */
import { run } from "./exec.ts"
import { holdSetting, releaseSetting, RUN_DIR, type SharedSetting } from "./shared-setting.ts"

/** Where holders of the nat tables meet (tmpfs, like the tables themselves). */
export const NAT_TABLES_DIR = `${RUN_DIR}/nat-tables`

const CHAINS = ["CNI-HOSTPORT-DNAT", "CNI-HOSTPORT-SETMARK", "CNI-HOSTPORT-MASQ"]

const FAMILIES = [
  { family: "ip", tool: "iptables" },
  { family: "ip6", tool: "ip6tables" },
] as const

/** Splits an `iptables -S` line into arguments (double quotes group). */
function splitRule(line: string): string[] {
  return [...line.matchAll(/"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2] ?? "")
}

async function cleanFamily(tool: "iptables" | "ip6tables"): Promise<void> {
  const rules = (await run([tool, "-w", "-t", "nat", "-S"]).catch(() => "")).split("\n").filter(Boolean)
  if (rules.some((r) => r.startsWith("-A CNI-HOSTPORT-DNAT "))) return // a pod still maps a port
  for (const rule of rules) {
    const args = splitRule(rule)
    const target = args[args.indexOf("-j") + 1] ?? ""
    if (args[0] === "-A" && CHAINS.includes(target) && !CHAINS.includes(args[1] ?? "")) {
      await run([tool, "-w", "-t", "nat", "-D", ...args.slice(1)])
    }
  }
  for (const chain of CHAINS) {
    if (!rules.includes(`-N ${chain}`)) continue
    await run([tool, "-w", "-t", "nat", "-F", chain])
    await run([tool, "-w", "-t", "nat", "-X", chain])
  }
}

/** Removes portmap's leftovers for IPv4 and IPv6. */
export async function removePortmapChains(): Promise<void> {
  for (const { tool } of FAMILIES) await cleanFamily(tool)
}

async function hasTable(family: string): Promise<boolean> {
  return run(["nft", "list", "table", family, "nat"]).then(
    () => true,
    () => false,
  )
}

/** The nat tables as a shared setting: its state is the families whose table the machine lacked. */
const natTables: SharedSetting = {
  read: async () => {
    const absent: string[] = []
    for (const { family } of FAMILIES) if (!(await hasTable(family))) absent.push(family)
    return absent.join(" ")
  },
  apply: async () => undefined, // portmap makes the tables as it needs them
  restore: async (original) => {
    const absent = original.split(" ").filter(Boolean)
    for (const { family, tool } of FAMILIES) {
      if (!absent.includes(family) || !(await hasTable(family))) continue
      const left = await run([tool, "-w", "-t", "nat", "-S"]).catch(() => undefined)
      // Only the built-in chains' policies left: the table is nobody's now.
      if (left?.split("\n").every((l) => l === "" || l.startsWith("-P "))) {
        await run(["nft", "delete", "table", family, "nat"]).catch(() => undefined)
      }
    }
  },
}

/** Records, if no pod network did yet, which nat tables the machine has before portmap adds any. */
export async function holdNatTables(holder: string, dir = NAT_TABLES_DIR): Promise<void> {
  await holdSetting(holder, dir, natTables)
}

/** Lets go of the nat tables; the last holder deletes the empty ones the machine did not have. */
export async function releaseNatTables(holder: string, dir = NAT_TABLES_DIR): Promise<void> {
  await releaseSetting(holder, dir, natTables)
}

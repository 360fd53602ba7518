/**
 * Removes what CNI's portmap plugin leaves in iptables once no pod maps a port: its top-level
 * CNI-HOSTPORT-* chains and the jumps to them, then the nat table itself when nothing else is in it.
 * While any pod's chain still hangs off CNI-HOSTPORT-DNAT, nothing is touched.
 */
import { run } from "./exec.ts"

const CHAINS = ["CNI-HOSTPORT-DNAT", "CNI-HOSTPORT-SETMARK", "CNI-HOSTPORT-MASQ"]

/** Splits an `iptables -S` line into arguments (double quotes group). */
function splitRule(line: string): string[] {
  return [...line.matchAll(/"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2] ?? "")
}

async function cleanFamily(tool: "iptables" | "ip6tables", family: "ip" | "ip6"): Promise<void> {
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
  const left = (await run([tool, "-w", "-t", "nat", "-S"]).catch(() => "")).split("\n")
  // Only the built-in chains' policies left: the table is nobody's now.
  if (left.every((l) => l === "" || l.startsWith("-P "))) {
    await run(["nft", "delete", "table", family, "nat"]).catch(() => undefined)
  }
}

/** Removes portmap's leftovers for IPv4 and IPv6. */
export async function removePortmapChains(): Promise<void> {
  await cleanFamily("iptables", "ip")
  await cleanFamily("ip6tables", "ip6")
}

/**
 * net.ipv4.ip_forward (and other 0/1 sysctls a pod network turns on) shared by every pod network
 * on the machine: the first holder records the value the machine had and the last to let go
 * restores it (shared-setting.ts).
 */
import { readFile, writeFile } from "node:fs/promises"
import { holdSetting, releaseSetting, RUN_DIR, type SharedSetting } from "./shared-setting.ts"

const IP_FORWARD = "/proc/sys/net/ipv4/ip_forward"

/** Where holders meet: tmpfs, so a reboot forgets them with the sysctl itself. */
export const FORWARDING_DIR = `${RUN_DIR}/ip-forward`

/** Where forwarding state lives (tests point both elsewhere). */
export interface ForwardingOptions {
  /** Default /run/k8ts/ip-forward. */
  readonly dir?: string
  /** Default /proc/sys/net/ipv4/ip_forward. */
  readonly sysctl?: string
}

/** The sysctl as a shared setting: on while held, its value from before restored after. */
function sysctlSetting(sysctl: string): SharedSetting {
  return {
    read: async () => (await readFile(sysctl, "utf8")).trim(),
    apply: async (now) => {
      if (now !== "1") await writeFile(sysctl, "1")
    },
    restore: (original) => writeFile(sysctl, original),
  }
}

/** Turns forwarding on for `holder`, recording the machine's value if nobody holds it yet. */
export async function holdForwarding(holder: string, opts: ForwardingOptions = {}): Promise<void> {
  const { dir = FORWARDING_DIR, sysctl = IP_FORWARD } = opts
  await holdSetting(holder, dir, sysctlSetting(sysctl))
}

/** Lets go of forwarding for `holder`; the last live holder restores the recorded value. */
export async function releaseForwarding(holder: string, opts: ForwardingOptions = {}): Promise<void> {
  const { dir = FORWARDING_DIR, sysctl = IP_FORWARD } = opts
  await releaseSetting(holder, dir, sysctlSetting(sysctl))
}

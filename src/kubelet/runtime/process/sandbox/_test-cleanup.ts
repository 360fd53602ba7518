/** Tests' clean-up of sandboxes, whatever state a failed test left them in. */
import { rm } from "node:fs/promises"
import { Cgroups } from "./cgroups.ts"
import { unmountUnder } from "./mounts.ts"

/**
 * Removes what sandbox tests made: the processes and cgroups under the test's own top-level
 * cgroup `cgroupTop` (in every hierarchy), then the mounts and files under its folder `dir`.
 * Safe after a clean close (nothing is left to remove) and after a test that failed midway.
 */
export async function removeSandboxTestState(dir: string, cgroupTop: string): Promise<void> {
  if (cgroupTop.includes("/")) throw new Error(`Cannot clean up "${cgroupTop}": not a top-level cgroup`)
  await new Cgroups(cgroupTop).remove("")
  await unmountUnder(dir)
  await rm(dir, { recursive: true, force: true })
}

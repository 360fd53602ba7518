/**
 * The kubelet's directory layout, upstream's: `<root>/pods/<uid>/volumes/kubernetes.io~<plugin>/
 * <name>` for volumes, `<root>/pods/<uid>/etc-hosts`, and `<root>/pods/<uid>/containers/<name>/`
 * for termination-message files.
 */
import { join } from "node:path"

/** The directory of one pod. */
export function podDir(root: string, uid: string): string {
  return join(root, "pods", uid)
}

/** The directory of a volume made by `plugin` (e.g. "kubernetes.io~configmap"). */
export function volumeDir(root: string, uid: string, plugin: string, name: string): string {
  return join(podDir(root, uid), "volumes", plugin, name)
}

/** The directory holding one container's termination-message files. */
export function podContainerDir(root: string, uid: string, container: string): string {
  return join(podDir(root, uid), "containers", container)
}

/**
 * How a pod's volume fails, as upstream tells the cases apart: a volume that cannot be
 * processed (its claim is not bound, no plugin handles it) is a VolumeProcessError; any other
 * error of a plugin is a set-up failure (its ConfigMap is missing, a hostPath has the wrong type).
 */

/** A volume that cannot be turned into something to mount ("failed to process volumes"). */
export class VolumeProcessError extends Error {
  override name = "VolumeProcessError"
}

/** Upstream's aggregate of several errors: the one message, or `[a, b]`. */
export function aggregate(messages: readonly string[]): string {
  return messages.length === 1 ? (messages[0] as string) : `[${messages.join(", ")}]`
}

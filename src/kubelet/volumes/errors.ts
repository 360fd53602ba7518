/**
 * The two ways a pod's volume fails, as upstream tells them apart: a volume that cannot be
 * processed (its claim is not bound, no plugin handles it) and a volume whose set-up failed
 * (its ConfigMap is missing, a hostPath has the wrong type).
 */

/** A volume that cannot be turned into something to mount ("failed to process volumes"). */
export class VolumeProcessError extends Error {
  override name = "VolumeProcessError"
}

/** A volume whose set-up failed ("MountVolume.SetUp failed for volume ..."). */
export class VolumeSetUpError extends Error {
  override name = "VolumeSetUpError"
}

/** Upstream's aggregate of several errors: the one message, or `[a, b]`. */
export function aggregate(messages: readonly string[]): string {
  return messages.length === 1 ? (messages[0] as string) : `[${messages.join(", ")}]`
}

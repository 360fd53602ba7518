/**
 * The image pull policy upstream picks for a container without one: Always for a `latest`
 * (or missing) tag, IfNotPresent otherwise, including digests and unparseable references.
 */

const COMPONENT = "[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*"
const DOMAIN =
  "(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*(?::[0-9]+)?|\\[[0-9a-fA-F:]+\\](?::[0-9]+)?)"
const TAG = "[\\w][\\w.-]{0,127}"
const DIGEST = "[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9A-Fa-f]{32,}"
const REFERENCE = new RegExp(`^(?:${DOMAIN}/)?${COMPONENT}(?:/${COMPONENT})*(?::(${TAG}))?(?:@(${DIGEST}))?$`)

/** The tag upstream sees in an image reference: the explicit one, `latest`, or "" for digests and errors. */
export function imageTag(image: string): string {
  const m = REFERENCE.exec(image)
  if (!m) return ""
  const [, tag, digest] = m
  if (tag) return tag
  return digest ? "" : "latest"
}

/** The default imagePullPolicy for an image. */
export function defaultPullPolicy(image: string | undefined): "Always" | "IfNotPresent" {
  return imageTag(image ?? "") === "latest" ? "Always" : "IfNotPresent"
}

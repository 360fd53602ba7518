/** Go's path package where Kubernetes cleans a path. */

/**
 * Go's path.Clean of `p` made rooted (path.Join("/", p)): no empty, `.` or `..` elements (a `..`
 * at the root stays there), no trailing slash.
 */
export function goCleanRooted(p: string): string {
  const out: string[] = []
  for (const seg of p.split("/")) {
    if (seg === "" || seg === ".") continue
    if (seg === "..") out.pop()
    else out.push(seg)
  }
  return `/${out.join("/")}`
}

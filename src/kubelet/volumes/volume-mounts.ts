/**
 * A container's volumeMounts as runtime mounts, as upstream's makeMounts resolves them: the
 * volume's node path, the subPath (or subPathExpr expanded from the container's environment)
 * joined to it and created when missing, never escaping the volume (checked after resolving
 * symlinks), and read-only when the mount or the volume says so.
 */
import type { Container, VolumeMount } from "kubernetes-types/core/v1.js"
import { existsSync, mkdirSync, realpathSync, statSync } from "node:fs"
import { isAbsolute, join, sep } from "node:path"
import { ContainerConfigError } from "../env.ts"
import type { Mount } from "../runtime/runtime.ts"

/** A volume set up on the node. */
export interface MountedVolume {
  /** Its node path. */
  readonly path: string
  /** Always mounted read-only (configMap, secret, downwardAPI, projected; read-only claims). */
  readonly readOnly: boolean
}

/**
 * Upstream's subPathExpr expansion: `$(VAR)` from the environment, `$$` for `$`.
 * @throws ContainerConfigError `missing value for A, B` naming unset or empty variables
 */
export function expandSubPathExpr(expr: string, env: Readonly<Record<string, string>>): string {
  const missing = new Set<string>()
  const out = expr.replace(/\$\$|\$\(([^)]*)\)/g, (m, name: string | undefined) => {
    if (name === undefined) return "$"
    const v = env[name]
    if (!v) missing.add(name)
    return v ?? ""
  })
  if (missing.size) throw new ContainerConfigError(`missing value for ${[...missing].sort().join(", ")}`)
  return out
}

function subPathOf(m: VolumeMount, env: Readonly<Record<string, string>>): string {
  return m.subPathExpr ? expandSubPathExpr(m.subPathExpr, env) : (m.subPath ?? "")
}

/** The node path of `subPath` in `volume`, created when missing. @throws ContainerConfigError */
function subPathHost(volume: string, subPath: string, m: VolumeMount, c: Container): string {
  if (isAbsolute(subPath))
    throw new ContainerConfigError(`error SubPath \`${subPath}\` must not be an absolute path`)
  if (subPath.split(/[\\/]/).includes(".."))
    throw new ContainerConfigError(`unable to provision SubPath \`${subPath}\`: must not contain '..'`)
  const host = join(volume, subPath)
  const what = `volumeMount "${m.name}" of container "${c.name}"`
  try {
    if (!existsSync(host)) mkdirSync(host, { recursive: true, mode: statSync(volume).mode & 0o7777 })
  } catch {
    // Details stay out of the message: they would describe the node's filesystem.
    throw new ContainerConfigError(`failed to create subPath directory for ${what}`)
  }
  let real: string
  try {
    const root = realpathSync(volume)
    real = realpathSync(host)
    if (real !== root && !real.startsWith(root + sep)) throw new Error("outside the volume")
  } catch {
    throw new ContainerConfigError(`failed to prepare subPath for ${what}`)
  }
  return real
}

/**
 * The mounts of container `c`'s volumeMounts.
 * @throws ContainerConfigError for an unknown volume or a bad subPath (upstream's messages)
 */
export function volumeMounts(
  c: Container,
  opts: {
    readonly volumes: ReadonlyMap<string, MountedVolume>
    readonly env: Readonly<Record<string, string>>
  },
): Mount[] {
  const out: Mount[] = []
  for (const m of c.volumeMounts ?? []) {
    const v = opts.volumes.get(m.name)
    if (!v)
      throw new ContainerConfigError(`cannot find volume "${m.name}" to mount into container "${c.name}"`)
    const subPath = subPathOf(m, opts.env)
    const hostPath = subPath ? subPathHost(v.path, subPath, m, c) : v.path
    out.push({ hostPath, containerPath: m.mountPath, readOnly: m.readOnly === true || v.readOnly })
  }
  return out
}

/**
 * The process runtime's image catalogue. There is no registry: an image is recognised by its
 * repository's last path component, whatever the registry and tag (`nginx`,
 * `docker.io/library/busybox:1.36`, `registry.k8s.io/e2e-test-images/agnhost:2.53`), and runs an
 * equivalent built into k8ts or found on the host. Any other image runs its command on the host.
 */
import { accessSync, constants, statSync } from "node:fs"
import { delimiter, join } from "node:path"
import { fileURLToPath } from "node:url"
import { ContainerCreateError } from "../runtime.ts"
import { StartFailure } from "./shim.ts"

const BUILTIN = fileURLToPath(new URL("./builtin/", import.meta.url))

/** How to start a container's process. */
export interface Launch {
  /** The executable (absolute) and its arguments. */
  readonly argv: readonly string[]
  /** Extra environment the image's program reads (document roots, listen addresses). */
  readonly env?: Readonly<Record<string, string>>
}

/** `registry.k8s.io/e2e-test-images/agnhost:2.53@sha256:...` → `agnhost`. */
export function imageName(image: string): string {
  const noDigest = image.split("@")[0] as string
  const last = noDigest.slice(noDigest.lastIndexOf("/") + 1)
  const colon = last.indexOf(":")
  return colon < 0 ? last : last.slice(0, colon)
}

/** A file (not a folder) this process may execute. */
function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK)
    return !statSync(path).isDirectory()
  } catch {
    return false
  }
}

/** Finds `cmd` on the host PATH (or as given when it has a slash). */
export function which(cmd: string): string | undefined {
  if (cmd.includes("/")) return isExecutable(cmd) ? cmd : undefined
  for (const dir of (process.env.PATH ?? "/usr/local/bin:/usr/bin:/bin").split(delimiter)) {
    const p = join(dir, cmd)
    if (dir && isExecutable(p)) return p
  }
  return undefined
}

function node(script: string, args: readonly string[]): Launch {
  return { argv: [process.execPath, join(BUILTIN, script), ...args] }
}

/**
 * Busybox: Debian's busybox-static when installed, else the host's tools: bash for `sh` (scripts
 * use `[[`), with --norc, as busybox's sh reads no ~/.bashrc (the node's), interactive or not.
 */
function busybox(cmd: readonly string[]): Launch {
  const argv = cmd.length ? cmd : ["sh"]
  const bb = which("busybox")
  if (bb) return { argv: [bb, ...argv.map((a, i) => (i === 0 ? a.replace(/^\/bin\//, "") : a))] }
  const [first, ...rest] = argv as [string, ...string[]]
  return host(first === "sh" || first === "/bin/sh" ? ["bash", "--norc", ...rest] : argv)
}

/**
 * Why `cmd` cannot be run, in the words of Go's exec.LookPath, which runc reports: not found on
 * the PATH (a bare name), the stat error of a path, or "permission denied" for a path that is a
 * folder or not executable.
 */
export function notExecutable(cmd: string): string {
  if (!cmd.includes("/")) return `exec: "${cmd}": executable file not found in $PATH`
  try {
    statSync(cmd)
  } catch (err) {
    // Node's "ENOENT: no such file or directory, stat '/x'": Go's text is the part between.
    const text = /^[A-Z]+: ([^,]+)/.exec((err as Error).message)?.[1] ?? (err as Error).message
    return `exec: "${cmd}": stat ${cmd}: ${text}`
  }
  return `exec: "${cmd}": permission denied`
}

function host(argv: readonly string[]): Launch {
  const exe = which(argv[0] as string)
  if (!exe) throw new StartFailure(notExecutable(argv[0] as string))
  return { argv: [exe, ...argv.slice(1)] }
}

/** agnhost's entrypoint is its subcommand list; `/agnhost` as the command is the binary itself. */
function agnhost(cmd: readonly string[]): Launch {
  const args = cmd[0] === "/agnhost" || cmd[0] === "agnhost" ? cmd.slice(1) : cmd
  return node("agnhost.mjs", args.length ? args : ["pause"])
}

/**
 * How to run `image` with the pod's `command` and `args` (Kubernetes' entrypoint rules: command
 * replaces the entrypoint, args the image's default arguments).
 * @throws ContainerCreateError when the image is unknown and there is nothing to run,
 * StartFailure when its program is not there
 */
export function launchOf(image: string, command: readonly string[], args: readonly string[]): Launch {
  const name = imageName(image)
  if (!name)
    throw new ContainerCreateError(
      "InvalidImageName",
      `Failed to apply default image tag "${image}": couldn't parse image name "${image}": invalid reference format`,
    )
  const cmd = command.length ? [...command, ...args] : args
  switch (name) {
    case "pause":
      return command.length ? host(cmd) : { argv: [which("sleep") ?? "/bin/sleep", "infinity"] }
    case "busybox":
    case "alpine":
    case "debian":
    case "ubuntu":
      return command.length ? busybox(cmd) : busybox(args.length ? args : ["sh"])
    case "agnhost":
      return command.length ? agnhost(cmd) : agnhost(args)
    case "nginx":
    case "httpd":
      if (command.length) return host(cmd)
      return { ...node("webserver.mjs", []), env: { K8TS_WEB_FLAVOUR: name } }
  }
  if (!command.length) {
    throw new ContainerCreateError(
      "ErrImagePull",
      `Failed to pull image "${image}": the process runtime has no registry and does not know this image; give the container a command to run on the host`,
    )
  }
  return host(cmd)
}

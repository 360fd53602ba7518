/**
 * podstart's `--sandbox` parts: a bridge pod network on ranges of its own (10.252.<n>.0/22,
 * bridge and nftables table named for the run), the baseline of bare `unshare` + veth set-up per
 * pod, the cost of starting one container in a sandbox against the loopback mode, and the CPU
 * time a pod start costs (cgroup v1 cpuacct), which a busy machine inflates far less than the
 * wall-clock figures.
 */
import { execFile } from "node:child_process"
import { subscribe, unsubscribe } from "node:diagnostics_channel"
import { randomBytes } from "node:crypto"
import { existsSync, mkdirSync, readFileSync, rmdirSync, rmSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import {
  type ContainerConfig,
  type ContainerRuntime,
  SANDBOX_TRACE,
  type SandboxStage,
} from "../src/kubelet/index.ts"
import { BridgeNetwork } from "../src/network/index.ts"

function run(file: string, args: readonly string[], input?: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const c = execFile(file, args, (err, _o, stderr) =>
      err ? reject(new Error(`${file}: ${stderr}`)) : resolve(),
    )
    if (input !== undefined) c.stdin?.end(input)
  })
}

/** A bridge network on ranges no default uses. */
export function benchNetwork(stateDir: string): { network: BridgeNetwork; base: string } {
  const third = 4 * Math.floor(Math.random() * 60)
  const tag = randomBytes(3).toString("hex")
  const podCIDR = `10.252.${third}.0/22`
  const network = new BridgeNetwork({
    bridge: `k8tsb${tag}`,
    nftTable: `k8ts-bench-${tag}`,
    podCIDR,
    clusterCIDR: podCIDR,
    serviceCIDR: `10.253.${third}.0/24`,
    stateDir,
  })
  return { network, base: `10.252.${third + 3}` }
}

/**
 * Sets up `n` bare pod namespaces at once: `unshare` of the namespaces a pod has (network, IPC,
 * UTS, with its hostname) and a veth with an address; ms for each.
 */
export async function bareSandboxes(n: number, dir: string, base: string): Promise<number[]> {
  mkdirSync(dir, { recursive: true })
  const times: number[] = []
  const one = async (i: number) => {
    const t = performance.now()
    const ns = join(dir, `net${i}`)
    const files = ["net", "ipc", "uts"].map((k) => join(dir, `${k}${i}`))
    for (const f of files) writeFileSync(f, "")
    const [net, ipc, uts] = files
    await run("unshare", [`--net=${net}`, `--ipc=${ipc}`, `--uts=${uts}`, "hostname", `bare${i}`])
    const veth = `vkb${i}`
    await run(
      "ip",
      ["-batch", "-"],
      `link add ${veth} type veth peer name eth0 netns ${ns}\nlink set ${veth} up\n`,
    )
    const addr = `${base}.${1 + (i % 250)}`
    await run(
      "nsenter",
      [`--net=${ns}`, "ip", "-batch", "-"],
      `link set lo up\naddr add ${addr}/32 dev eth0\nlink set eth0 up\n`,
    )
    times.push(performance.now() - t)
  }
  await Promise.all(Array.from({ length: n }, (_, i) => one(i)))
  await Promise.all(
    Array.from({ length: n }, async (_, i) => {
      await run("ip", ["link", "del", `vkb${i}`]).catch(() => undefined)
      const files = ["net", "ipc", "uts"].map((k) => join(dir, `${k}${i}`)).filter((f) => existsSync(f))
      if (files.length) await run("umount", files).catch(() => undefined)
    }),
  )
  rmSync(dir, { recursive: true, force: true })
  return times.sort((a, b) => a - b)
}

/**
 * Starts `n` containers one after another in one sandbox; ms from start() until the program
 * runs (its process has exec'd `sleep`), then stops and removes each.
 */
export async function containerStarts(runtime: ContainerRuntime, n: number): Promise<number[]> {
  const sb = await runtime.runSandbox({
    podUid: `cost-${randomBytes(4).toString("hex")}`,
    namespace: "b",
    name: "cost",
    hostname: "cost",
  })
  const times: number[] = []
  for (let i = 0; i < n; i++) {
    const c: ContainerConfig = { name: `c${i}`, image: "pause", command: [], args: [], env: {}, attempt: 0 }
    const t = performance.now()
    const info = await runtime.start(sb, c)
    while (!sleeping(info.pid as number)) await new Promise((r) => setTimeout(r, 1))
    times.push(performance.now() - t)
    await runtime.remove(info.id)
  }
  await runtime.removeSandbox(sb.id)
  return times.sort((a, b) => a - b)
}

/** Whether `sleep` runs at or under `pid` (the program, past its launcher), from /proc. */
function sleeping(pid: number): boolean {
  const todo = [pid]
  for (let p = todo.pop(); p !== undefined; p = todo.pop()) {
    try {
      if (readFileSync(`/proc/${p}/comm`, "utf8") === "sleep\n") return true
      const kids = readFileSync(`/proc/${p}/task/${p}/children`, "utf8").trim()
      if (kids) todo.push(...kids.split(" ").map(Number))
    } catch {
      // gone
    }
  }
  return false
}

/** Records the sandbox stages pods pass from now on; the returned function stops and gives them. */
export function recordTimeline(): () => SandboxStage[] {
  const stages: SandboxStage[] = []
  const listener = (m: unknown) => void stages.push(m as SandboxStage)
  subscribe(SANDBOX_TRACE, listener)
  return () => {
    unsubscribe(SANDBOX_TRACE, listener)
    return stages
  }
}

/**
 * Prints each stage's p50 and p99 after the pod's create, and the p50 and p99 of the step from
 * the stage before it (stages in the order pods pass them first).
 */
export function printTimeline(stages: readonly SandboxStage[], created: ReadonlyMap<string, number>): void {
  const byPod = new Map<string, Map<string, number>>()
  const order: string[] = []
  for (const s of stages) {
    if (!created.has(s.pod)) continue
    if (!order.includes(s.stage)) order.push(s.stage)
    const m = byPod.get(s.pod) ?? new Map<string, number>()
    if (!m.has(s.stage)) m.set(s.stage, s.at)
    byPod.set(s.pod, m)
  }
  const pct = (v: number[], p: number) => {
    const s = [...v].sort((a, b) => a - b)
    return (s[Math.min(s.length - 1, Math.floor((s.length * p) / 100))] ?? 0).toFixed(0)
  }
  console.log(`per-pod timeline (${byPod.size} pods; ms): stage  since create p50/p99  step p50/p99`)
  for (const [i, stage] of order.entries()) {
    const since: number[] = []
    const step: number[] = []
    for (const [pod, m] of byPod) {
      const at = m.get(stage)
      if (at === undefined) continue
      since.push(at - (created.get(pod) ?? at))
      const prev = i === 0 ? created.get(pod) : m.get(order[i - 1] as string)
      if (prev !== undefined) step.push(at - prev)
    }
    const name = stage.padEnd(20)
    console.log(
      `  ${name} ${pct(since, 50).padStart(6)} ${pct(since, 99).padStart(6)}   ${pct(step, 50).padStart(6)} ${pct(step, 99).padStart(6)}`,
    )
  }
}

const CPUACCT = "/sys/fs/cgroup/cpuacct"

/** CPU time (ms) of a cpuacct cgroup and its children; 0 when there is none. */
function cpuacctMs(rel: string): number {
  try {
    return Number(readFileSync(join(CPUACCT, rel, "cpuacct.usage"), "utf8")) / 1e6
  } catch {
    return 0
  }
}

/** CPU time (ms) a pod start cost: this process, the spawner and its forks before they join their pods' cgroups, and those cgroups. */
export interface StartCpu {
  readonly node: number
  readonly spawner: number
  readonly pods: number
}

/**
 * Moves this process into a cpuacct cgroup of its own (cgroup v1 only: elsewhere the figures are
 * 0), so the spawner and what it forks are counted with it until they join their pods' cgroups
 * (under `podsParent`). Returns a meter: `mark()` starts a measure and returns its end, and
 * `close()` moves this process back and removes the cgroup.
 */
export function startCpuMeter(podsParent: string): { mark(): () => StartCpu; close(): void } {
  const own = `k8ts-bench-${process.pid}`
  const before = /^\d+:cpuacct(?:,[^:]*)?:(.*)$/m.exec(readFileSync("/proc/self/cgroup", "utf8"))?.[1]
  let moved = false
  if (before !== undefined && existsSync(CPUACCT)) {
    try {
      mkdirSync(join(CPUACCT, own))
      writeFileSync(join(CPUACCT, own, "cgroup.procs"), String(process.pid))
      moved = true
    } catch {
      // no cpuacct cgroup of our own: the spawner's figure is 0
    }
  }
  return {
    mark() {
      const cpu = process.cpuUsage()
      const self = moved ? cpuacctMs(own) : 0
      const pods = cpuacctMs(podsParent)
      return () => {
        const used = process.cpuUsage(cpu)
        const node = (used.user + used.system) / 1000
        const all = moved ? cpuacctMs(own) - self : node
        return { node, spawner: Math.max(0, all - node), pods: cpuacctMs(podsParent) - pods }
      }
    },
    close() {
      if (!moved) return
      writeFileSync(join(CPUACCT, before as string, "cgroup.procs"), String(process.pid))
      // The spawner and the shims may still be on their way out: for seconds on a busy machine
      // (5 s were too few at load average 12-16, which left the empty cgroup behind).
      for (let i = 0; i < 1500; i++) {
        try {
          return rmdirSync(join(CPUACCT, own))
        } catch {
          Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20)
        }
      }
      console.error(`podstart: cannot remove the cgroup ${join(CPUACCT, own)}; remove it once it is empty`)
    },
  }
}

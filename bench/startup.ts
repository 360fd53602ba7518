/**
 * `npm run bench -- startup`: seconds from process start to a ready cluster (the kubeconfig
 * answers an authenticated request), and idle RSS 30 s later, for `k8ts server` on an empty data
 * dir. Baseline: a bare `node -e` process start and its RSS on this machine.
 * Last line: value = seconds to ready, ratio = idle RSS MB / 150.
 */
import { spawn, spawnSync } from "node:child_process"
import { mkdtempSync, readFileSync, rmSync } from "node:fs"
import { request } from "node:https"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { parse } from "yaml"

const ROOT = join(import.meta.dirname, "..")
const IDLE_MS = Number(process.env.BENCH_IDLE_MS ?? 30_000)

function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8")
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024
}

function authedGet(kubeconfigPath: string, path: string): Promise<number> {
  const kc = parse(readFileSync(kubeconfigPath, "utf8")) as any
  const cluster = kc.clusters[0].cluster
  const user = kc.users[0].user
  const b = (s: string) => Buffer.from(s, "base64").toString("utf8")
  return new Promise((resolve, reject) => {
    request(
      `${cluster.server}${path}`,
      {
        ca: b(cluster["certificate-authority-data"]),
        cert: b(user["client-certificate-data"]),
        key: b(user["client-key-data"]),
      },
      (res) => {
        res.resume()
        resolve(res.statusCode ?? 0)
      },
    )
      .on("error", reject)
      .end()
  })
}

const t0 = performance.now()
spawnSync(process.execPath, ["-e", "0"])
const bareStartMs = performance.now() - t0

const dir = mkdtempSync(join(tmpdir(), "k8ts-bench-startup-"))
const start = performance.now()
const child = spawn(
  process.execPath,
  ["--max-semi-space-size=64", join(ROOT, "bin", "k8ts.js"), "server", "--data-dir", dir, "--port", "0"],
  {
    stdio: ["ignore", "pipe", "pipe"],
  },
)
try {
  let log = ""
  await new Promise<void>((resolve, reject) => {
    const onData = (c: Buffer) => {
      log += String(c)
      if (log.includes("Cluster ready")) resolve()
    }
    child.stdout.on("data", onData)
    child.stderr.on("data", onData)
    child.once("exit", (code) => reject(new Error(`server exited with ${code}:\n${log}`)))
  })
  const status = await authedGet(join(dir, "kubeconfig.yaml"), "/api/v1/nodes")
  if (status !== 200) throw new Error(`GET /api/v1/nodes answered ${status}`)
  const readyS = (performance.now() - start) / 1000
  await new Promise((r) => setTimeout(r, IDLE_MS))
  const rss = rssMb(child.pid as number)
  console.log(`node process start (baseline)      ${bareStartMs.toFixed(0)} ms`)
  console.log(`k8ts server start to ready         ${(readyS * 1000).toFixed(0)} ms   target < 2000 ms`)
  console.log(`idle RSS after ${IDLE_MS / 1000} s            ${rss.toFixed(1)} MB   target < 150 MB`)
  console.log(
    JSON.stringify({
      bench: "startup",
      value: Number(readyS.toFixed(3)),
      unit: "s",
      ratio: Number((rss / 150).toFixed(3)),
      idle_rss_mb: Number(rss.toFixed(1)),
      node_start_ms: Math.round(bareStartMs),
    }),
  )
} finally {
  child.kill("SIGKILL")
  rmSync(dir, { recursive: true, force: true })
}

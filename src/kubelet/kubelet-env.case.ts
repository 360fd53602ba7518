/**
 * The kubelet's own tests: a Kubelet with the process runtime (and, when asked, its node API)
 * against an in-process API server in a temp dir (wait for what it does with src/testing's
 * `until`, `untilPod` and `untilPhase`).
 */
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { InProcessClient, type InProcessHandler } from "../client/index.ts"
import { type ClientEnv, startClientEnv } from "../testing/index.ts"
import { Kubelet, type KubeletOptions } from "./kubelet.ts"
import { ProcessRuntime, type ProcessRuntimeOptions } from "./runtime/process/process-runtime.ts"
import { KubeletServer } from "./server.ts"
import { StatsProvider } from "./stats/stats-provider.ts"

/** What startKubeletEnv is asked for. */
export interface KubeletEnvOptions {
  /** The temp dir's name prefix. */
  readonly prefix: string
  readonly nodeName: string
  /** The loopback range of its pods (distinct per test file: files run side by side). */
  readonly podRange: string
  /** A runtime of the test's own (default: the process runtime). */
  readonly runtime?: (opts: ProcessRuntimeOptions) => ProcessRuntime
  /** Also serve the node API (records, metrics), its port given to the kubelet. */
  readonly server?: boolean
  /** Wraps the API server's handler the kubelet's requests go to (to see or delay them). */
  readonly handler?: (api: InProcessHandler) => InProcessHandler
  /** More kubelet options. */
  readonly kubelet?: Partial<Omit<KubeletOptions, "client" | "nodeName" | "address" | "runtime" | "dataDir">>
}

/** A running kubelet test environment. */
export interface KubeletEnv {
  readonly env: ClientEnv
  readonly dir: string
  readonly runtime: ProcessRuntime
  /** `http://127.0.0.1:<port>` of the node API, when asked for. */
  readonly base?: string
  /** Stops the kubelet, the node API and the API server, and removes the temp dir. */
  stop(): Promise<void>
}

/** Starts a kubelet on node `nodeName` against a fresh in-process API server. */
export async function startKubeletEnv(o: KubeletEnvOptions): Promise<KubeletEnv> {
  const dir = mkdtempSync(join(tmpdir(), o.prefix))
  const env = await startClientEnv()
  const runtimeOpts = { root: join(dir, "runtime"), podRange: o.podRange }
  const runtime = o.runtime ? o.runtime(runtimeOpts) : new ProcessRuntime(runtimeOpts)
  const holder: { kubelet?: Kubelet } = {}
  const stats = new StatsProvider({ runtime })
  const server = o.server
    ? new KubeletServer({
        records: (ns, name) => holder.kubelet?.record(ns, name),
        runtime,
        summary: () => stats.summary(o.nodeName, holder.kubelet?.pods() ?? []),
        pods: () =>
          (holder.kubelet?.pods() ?? []).flatMap((p) => holder.kubelet?.pod(p.namespace, p.name) ?? []),
        metrics: () => holder.kubelet?.metrics,
        configz: () => holder.kubelet?.configuration(),
        host: "127.0.0.1",
        port: 0,
      })
    : undefined
  const port = server ? await server.listen() : undefined
  const kubelet = (holder.kubelet = new Kubelet({
    client: o.handler ? new InProcessClient(o.handler(env.api.handle)) : env.inProcess,
    nodeName: o.nodeName,
    address: "127.0.0.1",
    runtime,
    dataDir: dir,
    ...(port !== undefined ? { kubeletPort: port } : {}),
    ...o.kubelet,
  }))
  const stop = new AbortController()
  const running = kubelet.run(stop.signal)
  return {
    env,
    dir,
    runtime,
    ...(port !== undefined ? { base: `http://127.0.0.1:${port}` } : {}),
    async stop() {
      stop.abort()
      await running
      await server?.close()
      await env.stop()
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

/**
 * A test harness for the lifecycle controllers (imported only by tests): an in-process API
 * server on a FakeClock, shared informers, and the given controllers running on them.
 */
import { Namespaces } from "../api/index.ts"
import { type ControllerSpec, type InProcessClient, runController, SharedInformers } from "../client/index.ts"
import { type ClientEnv, settleUntil, startClientEnv } from "../testing/index.ts"
import { createLogger, FakeClock, silentLogger } from "../util/index.ts"

/** A running API server with controllers on it. */
export interface LifecycleEnv {
  readonly env: ClientEnv
  readonly client: InProcessClient
  readonly clock: FakeClock
  readonly informers: SharedInformers
  /** Creates a namespace and returns its name. */
  namespace(name: string): Promise<string>
  /** Lets in-process work (watch events, reconciles) run for a while: no clock moves. */
  settle(): Promise<void>
  /** Polls `probe` (an API read) until it returns true. */
  until(probe: () => Promise<boolean>, what: string): Promise<void>
  stop(): Promise<void>
}

/**
 * Starts an API server and runs `controllers` on it until stop(); `seed` writes what is to exist
 * before they start.
 */
export async function startLifecycleEnv(
  controllers: readonly ControllerSpec[],
  seed?: (client: InProcessClient) => Promise<void>,
): Promise<LifecycleEnv> {
  const clock = new FakeClock()
  const env = await startClientEnv({ clock })
  const client = env.inProcess
  await seed?.(client)
  const informers = new SharedInformers(client, { clock })
  const ac = new AbortController()
  const deps = {
    client,
    informers,
    clock,
    log: process.env.K8TS_TEST_LOG ? createLogger({ level: "debug" }) : silentLogger(),
  }
  const running = Promise.all([
    informers.run(ac.signal),
    ...controllers.map((c) => runController(c, deps, ac.signal)),
  ])
  return {
    env,
    client,
    clock,
    informers,
    async namespace(name) {
      await client.resource(Namespaces).create({ apiVersion: "v1", kind: "Namespace", metadata: { name } })
      return name
    },
    async settle() {
      for (let i = 0; i < 200; i++) await new Promise((r) => setImmediate(r))
    },
    async until(probe, what) {
      let done = false
      let busy = false
      await settleUntil(() => {
        if (!busy && !done) {
          busy = true
          void probe()
            .then((ok) => (done = ok))
            .finally(() => (busy = false))
        }
        return done
      }, what)
    },
    async stop() {
      ac.abort()
      await running
      await env.stop()
    },
  }
}

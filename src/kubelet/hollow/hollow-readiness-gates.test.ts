/** Readiness gates (KEP-580) on a hollow node. */
import { after, before } from "node:test"
import { type ClientEnv, nodePod, startClientEnv } from "../../testing/index.ts"
import { silentLogger } from "../../util/index.ts"
import { readinessGateTests } from "../readiness-gates.case.ts"
import { HollowNodes } from "./hollow-nodes.ts"

let env: ClientEnv
const stop = new AbortController()
let running: Promise<void>

before(async () => {
  env = await startClientEnv()
  const nodes = new HollowNodes({
    client: env.inProcess,
    nodes: [{ name: "hollow-gates", address: "127.0.0.30", podCIDR: "10.244.30.0/24" }],
    log: silentLogger(),
  })
  running = nodes.run(stop.signal)
  await nodes.settled()
})

after(async () => {
  stop.abort()
  await running
  await env.stop()
})

readinessGateTests(() => ({
  client: env.inProcess,
  pod: (name, gates) =>
    nodePod("hollow-gates", name, {
      readinessGates: gates.map((conditionType) => ({ conditionType })),
      containers: [{ name: "app", image: "nginx" }],
    }),
}))

/** Readiness gates (KEP-580) on a hollow node. */
import { after, before } from "node:test"
import { type ClientEnv, nodePod, startClientEnv } from "../../testing/index.ts"
import { silentLogger } from "../../util/index.ts"
import { InProcessClient } from "../../client/index.ts"
import { RacingWrite, racingGateTests, readinessGateTests } from "../readiness-gates.case.ts"
import { HollowNodes } from "./hollow-nodes.ts"

let env: ClientEnv
const stop = new AbortController()
let running: Promise<void>
const race = new RacingWrite()

before(async () => {
  env = await startClientEnv()
  const nodes = new HollowNodes({
    client: new InProcessClient(race.wrap(env.api.handle)),
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

const gateEnv = () => ({
  client: env.inProcess,
  race,
  pod: (name: string, gates: readonly string[]) =>
    nodePod("hollow-gates", name, {
      readinessGates: gates.map((conditionType) => ({ conditionType })),
      containers: [{ name: "app", image: "nginx" }],
    }),
})

readinessGateTests(gateEnv)
racingGateTests(gateEnv)

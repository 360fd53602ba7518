/** Readiness gates (KEP-580) on a real kubelet with the process runtime. */
import { after, before } from "node:test"
import { nodePod } from "../testing/index.ts"
import { type KubeletEnv, startKubeletEnv } from "./kubelet-env.case.ts"
import { RacingWrite, racingGateTests, readinessGateTests } from "./readiness-gates.case.ts"

let k: KubeletEnv
const race = new RacingWrite()

before(async () => {
  k = await startKubeletEnv({
    prefix: "k8ts-kubelet-gates-",
    nodeName: "node-gates",
    podRange: "127.245.15.0/24",
    handler: (api) => race.wrap(api),
  })
})

after(() => k.stop())

const env = () => ({
  client: k.env.inProcess,
  race,
  pod: (name: string, gates: readonly string[]) =>
    nodePod("node-gates", name, {
      readinessGates: gates.map((conditionType) => ({ conditionType })),
      containers: [{ name: "app", image: "busybox", command: ["sleep", "3600"] }],
    }),
})

readinessGateTests(env)
racingGateTests(env)

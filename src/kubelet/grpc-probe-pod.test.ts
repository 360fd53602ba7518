import assert from "node:assert/strict"
import { after, before, test } from "node:test"
import type { Pod } from "kubernetes-types/core/v1.js"
import { type ApiObject, Pods } from "../api/index.ts"
import { type ClientEnv, untilPod } from "../testing/index.ts"
import { type KubeletEnv, startKubeletEnv } from "./kubelet-env.case.ts"

let k: KubeletEnv
let env: ClientEnv

before(async () => {
  k = await startKubeletEnv({ prefix: "k8ts-grpc-probe-", nodeName: "node-g", podRange: "127.248.0.0/24" })
  env = k.env
})

after(() => k.stop())

test("a grpc readiness probe against agnhost grpc-health-checking follows the served status", async () => {
  const pods = env.inProcess.resource(Pods)
  await pods.create({
    metadata: { name: "grpc", namespace: "default" },
    spec: {
      nodeName: "node-g",
      terminationGracePeriodSeconds: 1,
      containers: [
        {
          name: "health",
          image: "registry.k8s.io/e2e-test-images/agnhost:2.53",
          args: ["grpc-health-checking", "--service", "app"],
          readinessProbe: { grpc: { port: 5000, service: "app" }, periodSeconds: 1, failureThreshold: 1 },
        },
      ],
    },
  } as Pod & ApiObject)
  const ready = (want: boolean) =>
    untilPod(
      env.inProcess,
      "grpc",
      (p) => p.status?.containerStatuses?.[0]?.ready === want,
      `ready ${want}`,
      15_000,
    )
  const p = await ready(true)
  const res = await fetch(`http://${p.status?.podIP}:8080/make-not-serving`)
  assert.equal(res.status, 200)
  await ready(false)
})

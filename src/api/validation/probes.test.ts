import assert from "node:assert/strict"
import { test } from "node:test"
import type { Lifecycle, Probe } from "kubernetes-types/core/v1.js"
import { printed } from "./_fixtures.ts"
import { validateLifecycle, validateProbe } from "./probes.ts"

const probe = (p: Partial<Probe>): Probe => ({
  timeoutSeconds: 1,
  periodSeconds: 10,
  successThreshold: 1,
  failureThreshold: 3,
  ...p,
})

const cases: { name: string; input: () => string[]; want: string[] }[] = [
  {
    name: "validateProbe() accepts a TCP probe",
    input: () => printed(validateProbe(probe({ tcpSocket: { port: "http" } }), 30, "p", "liveness")),
    want: [],
  },
  {
    name: "validateProbe() allows one handler",
    input: () =>
      printed(
        validateProbe(probe({ exec: { command: ["true"] }, grpc: { port: 9000 } }), 30, "p", "liveness"),
      ),
    want: ["p.grpc: Forbidden: may not specify more than 1 handler type"],
  },
  {
    name: "validateProbe() needs an exec command",
    input: () => printed(validateProbe(probe({ exec: {} }), 30, "p", "startup")),
    want: ["p.exec.command: Required value"],
  },
  {
    name: "validateProbe() checks the HTTP scheme",
    input: () =>
      printed(
        validateProbe(probe({ httpGet: { path: "/", port: 80, scheme: "FTP" } }), 30, "p", "readiness"),
      ),
    want: ['p.httpGet.scheme: Unsupported value: "FTP": supported values: "HTTP", "HTTPS"'],
  },
  {
    name: "validateProbe() forbids a grace period on readiness probes",
    input: () =>
      printed(
        validateProbe(
          probe({ tcpSocket: { port: 80 }, terminationGracePeriodSeconds: 5 }),
          30,
          "p",
          "readiness",
        ),
      ),
    want: ["p.terminationGracePeriodSeconds: Invalid value: 5: must not be set for readinessProbes"],
  },
  {
    name: "validateLifecycle() keeps sleeps within the grace period",
    input: () => printed(validateLifecycle({ preStop: { sleep: { seconds: 40 } } } as Lifecycle, 30, "lc")),
    want: [
      "lc.preStop.sleep: Invalid value: 40: must be non-negative and less than terminationGracePeriodSeconds (30)",
    ],
  },
]

for (const c of cases) {
  test(c.name, () => {
    assert.deepEqual(c.input(), c.want)
  })
}

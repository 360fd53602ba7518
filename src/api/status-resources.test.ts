import assert from "node:assert/strict"
import { test } from "node:test"
import type { Container, ContainerStatus } from "kubernetes-types/core/v1.js"
import { limitsWithStatus, requestsWithStatus } from "./status-resources.ts"

const c: Container = { name: "a", resources: { requests: { cpu: "500m" }, limits: { cpu: "1" } } }
const status = (applied: string, allocated: string): ContainerStatus => ({
  ...{ name: "a", image: "x", imageID: "", ready: true, restartCount: 0 },
  resources: { requests: { cpu: applied }, limits: { cpu: applied } },
  allocatedResources: { cpu: allocated },
})

const cases: { name: string; status?: ContainerStatus; infeasible?: boolean; want: [unknown, unknown] }[] = [
  { name: "no status: the spec's", want: [{ cpu: "500m" }, { cpu: "1" }] },
  {
    name: "the largest of spec, applied and allocated",
    status: status("200m", "700m"),
    want: [{ cpu: "700m" }, { cpu: "1" }],
  },
  { name: "applied above the spec", status: status("2", "2"), want: [{ cpu: "2" }, { cpu: "2" }] },
  {
    name: "Infeasible: the status's alone",
    status: status("200m", "300m"),
    infeasible: true,
    want: [{ cpu: "300m" }, { cpu: "200m" }],
  },
]
for (const tc of cases) {
  test(`requestsWithStatus() and limitsWithStatus(): ${tc.name}`, () => {
    const got = [
      requestsWithStatus(c, tc.status, !!tc.infeasible),
      limitsWithStatus(c, tc.status, !!tc.infeasible),
    ]
    assert.deepEqual(got, tc.want)
  })
}

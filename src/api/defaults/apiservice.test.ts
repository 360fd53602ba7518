import assert from "node:assert/strict"
import { test } from "node:test"
import type { APIService } from "../apiservice.ts"
import { defaultAPIService } from "./apiservice.ts"

const cases: { name: string; input: APIService; want: APIService["spec"] }[] = [
  {
    name: "defaultAPIService() gives a service port 443",
    input: {
      spec: {
        service: { namespace: "kube-system", name: "metrics-server" },
        groupPriorityMinimum: 100,
        versionPriority: 100,
      },
    },
    want: {
      service: { namespace: "kube-system", name: "metrics-server", port: 443 },
      groupPriorityMinimum: 100,
      versionPriority: 100,
    },
  },
  {
    name: "defaultAPIService() keeps a port that is set",
    input: {
      spec: {
        service: { namespace: "a", name: "b", port: 6443 },
        groupPriorityMinimum: 1,
        versionPriority: 1,
      },
    },
    want: { service: { namespace: "a", name: "b", port: 6443 }, groupPriorityMinimum: 1, versionPriority: 1 },
  },
  {
    name: "defaultAPIService() leaves a local APIService without a service",
    input: { spec: { group: "apps", version: "v1", groupPriorityMinimum: 17800, versionPriority: 15 } },
    want: { group: "apps", version: "v1", groupPriorityMinimum: 17800, versionPriority: 15 },
  },
]

for (const c of cases)
  test(c.name, () => {
    const svc = structuredClone(c.input)
    defaultAPIService(svc)
    assert.deepEqual(svc.spec, c.want)
  })

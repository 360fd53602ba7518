import assert from "node:assert/strict"
import { describe, test } from "node:test"
import type { ApiServer } from "./server.ts"
import { apiCall, memoryApiServer, readWatchEvents } from "../testing/index.ts"

// Kinds whose create keeps the status written (Node, ServiceCIDR) read back, created without
// one, with the zero status upstream's Go struct holds and its JSON writes: in the create's
// answer, a read, a list and a watch.

const NODE_STATUS = {
  daemonEndpoints: { kubeletEndpoint: { Port: 0 } },
  nodeInfo: {
    machineID: "",
    systemUUID: "",
    bootID: "",
    kernelVersion: "",
    osImage: "",
    containerRuntimeVersion: "",
    kubeletVersion: "",
    kubeProxyVersion: "",
    operatingSystem: "",
    architecture: "",
  },
}

const cases = [
  { kind: "Node", path: "/api/v1/nodes", body: {}, want: NODE_STATUS },
  {
    kind: "ServiceCIDR",
    path: "/apis/networking.k8s.io/v1/servicecidrs",
    body: { spec: { cidrs: ["10.100.0.0/16"] } },
    want: {},
  },
]

describe("the zero status of kinds created with the status written", () => {
  let api: ApiServer
  memoryApiServer((a) => (api = a))

  for (const c of cases) {
    test(`a ${c.kind} created without status reads back its zero status`, async () => {
      const created = await apiCall(api, "POST", c.path, { metadata: { name: "zero" }, ...c.body })
      assert.equal(created.status, 201, created.text)
      assert.deepEqual(created.json.status, c.want)
      assert.deepEqual((await apiCall(api, "GET", `${c.path}/zero`)).json.status, c.want)
      const list = await apiCall(api, "GET", `${c.path}?fieldSelector=metadata.name=zero`)
      assert.deepEqual(list.json.items[0].status, c.want)
      const [added] = await readWatchEvents(api, `${c.path}?watch=true&fieldSelector=metadata.name=zero`, 1)
      assert.deepEqual(added?.object.status, c.want)
    })
  }
})

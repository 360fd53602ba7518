import assert from "node:assert/strict"
import { test } from "node:test"
import type { Node } from "kubernetes-types/core/v1.js"
import { nodePrinter } from "./node.ts"
import { headers, meta, printerCases } from "./testdata.ts"

const info = {
  architecture: "amd64",
  bootID: "",
  containerRuntimeVersion: "containerd://2.0.0",
  kernelVersion: "6.8.0",
  kubeProxyVersion: "",
  kubeletVersion: "v1.35.0",
  machineID: "",
  operatingSystem: "linux",
  osImage: "Debian GNU/Linux 13",
  systemUUID: "",
}

printerCases<Node>("nodePrinter", nodePrinter, [
  {
    name: "ready control plane with addresses",
    input: {
      metadata: meta("n1", {
        labels: { "node-role.kubernetes.io/control-plane": "", "kubernetes.io/role": "master" },
      }),
      status: {
        conditions: [{ type: "Ready", status: "True" }],
        addresses: [
          { type: "Hostname", address: "n1" },
          { type: "InternalIP", address: "192.168.1.10" },
        ],
        nodeInfo: info,
      },
    },
    want: [
      "n1",
      "Ready",
      "control-plane,master",
      "5m",
      "v1.35.0",
      "192.168.1.10",
      "<none>",
      "Debian GNU/Linux 13",
      "6.8.0",
      "containerd://2.0.0",
    ],
  },
  {
    name: "not ready and cordoned",
    input: {
      metadata: meta("n2"),
      spec: { unschedulable: true },
      status: {
        conditions: [{ type: "Ready", status: "Unknown" }],
        addresses: [{ type: "ExternalIP", address: "1.2.3.4" }],
      },
    },
    want: [
      "n2",
      "NotReady,SchedulingDisabled",
      "<none>",
      "5m",
      "",
      "<none>",
      "1.2.3.4",
      "<unknown>",
      "<unknown>",
      "<unknown>",
    ],
  },
  {
    name: "no conditions yet",
    input: { metadata: meta("n3", { labels: { "node-role.kubernetes.io/": "" } }) },
    want: ["n3", "Unknown", "<none>", "5m", "", "<none>", "<none>", "<unknown>", "<unknown>", "<unknown>"],
  },
])

test("nodePrinter has upstream's headers", () => {
  assert.equal(
    headers(nodePrinter),
    "Name | Status | Roles | Age | Version | Internal-IP* | External-IP* | OS-Image* | Kernel-Version* | Container-Runtime*",
  )
})

import assert from "node:assert/strict"
import { test } from "node:test"
import type { Pod } from "kubernetes-types/core/v1.js"
import { containerResources, podResources, sandboxConfig } from "./sandbox-config.ts"

test("container resources are in cgroup units; an unset CPU request is the limit", () => {
  assert.deepEqual(
    containerResources({ name: "a", resources: { limits: { cpu: "500m", memory: "32Mi" } } }),
    { cpuRequestMilli: 500, cpuLimitMilli: 500, memoryLimitBytes: 32 * 1024 * 1024 },
  )
  assert.deepEqual(containerResources({ name: "a", resources: { requests: { cpu: "1" } } }), {
    cpuRequestMilli: 1000,
  })
  assert.equal(containerResources({ name: "a" }), undefined)
})

test("the pod cgroup is limited only when every app container is, never below an init container", () => {
  const pod = (memories: (string | undefined)[], init?: string): Pod => ({
    spec: {
      containers: memories.map((m, i) => ({
        name: `c${i}`,
        ...(m ? { resources: { limits: { memory: m } } } : {}),
      })),
      ...(init ? { initContainers: [{ name: "i", resources: { limits: { memory: init } } }] } : {}),
    },
  })
  assert.equal(podResources(pod(["1Mi", "2Mi"]))?.memoryLimitBytes, 3 * 1024 * 1024)
  assert.equal(podResources(pod(["1Mi", undefined])), undefined)
  assert.equal(podResources(pod(["1Mi"], "5Mi"))?.memoryLimitBytes, 5 * 1024 * 1024)
})

test("the sandbox asks for host namespaces and the containers' hostPorts", () => {
  const cfg = sandboxConfig(
    {
      metadata: { name: "web", namespace: "ns" },
      spec: {
        hostname: "h",
        hostPID: true,
        shareProcessNamespace: true,
        containers: [{ name: "c", ports: [{ containerPort: 80, hostPort: 8080 }, { containerPort: 81 }] }],
      },
    },
    "uid",
  )
  assert.deepEqual(cfg, {
    podUid: "uid",
    namespace: "ns",
    name: "web",
    hostname: "h",
    hostPID: true,
    shareProcessNamespace: true,
    portMappings: [{ containerPort: 80, hostPort: 8080, protocol: "TCP" }],
  })
})

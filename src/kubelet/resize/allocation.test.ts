import assert from "node:assert/strict"
import { test } from "node:test"
import type { Pod } from "kubernetes-types/core/v1.js"
import { allocatedPod, allocationOf, resizeRequested, sameResources, statusAllocation } from "./allocation.ts"

const pod = (cpu: string, sidecarCpu = "50m"): Pod => ({
  metadata: { name: "p", generation: 1 },
  spec: {
    initContainers: [
      { name: "setup", image: "x", resources: { requests: { cpu: "1" } } },
      { name: "proxy", image: "x", restartPolicy: "Always", resources: { requests: { cpu: sidecarCpu } } },
    ],
    containers: [{ name: "app", image: "x", resources: { requests: { cpu } } }],
  },
})

test("allocationOf() holds the containers' and sidecars' resources, not other init containers'", () => {
  assert.deepEqual(
    [...allocationOf(pod("100m")).entries()],
    [
      ["proxy", { requests: { cpu: "50m" } }],
      ["app", { requests: { cpu: "100m" } }],
    ],
  )
})

test("allocatedPod() is the pod itself while its spec is allocated, else the allocated resources", () => {
  const allocation = allocationOf(pod("100m"))
  const same = pod("0.1")
  assert.equal(allocatedPod(same, allocation), same, "1 is 1000m: nothing to allocate")
  assert.equal(resizeRequested(same, allocation), false)
  const resized = pod("200m", "60m")
  assert.equal(resizeRequested(resized, allocation), true)
  const got = allocatedPod(resized, allocation)
  assert.deepEqual(got.spec?.containers[0]?.resources, { requests: { cpu: "100m" } })
  assert.deepEqual(got.spec?.initContainers?.[1]?.resources, { requests: { cpu: "50m" } })
  assert.deepEqual(
    resized.spec?.containers[0]?.resources,
    { requests: { cpu: "200m" } },
    "the pod is not changed",
  )
  assert.equal(allocatedPod(resized, undefined), resized)
})

test("sameResources() compares quantities by value, an empty list as none", () => {
  assert.equal(
    sameResources({ limits: { memory: "1Gi" } }, { limits: { memory: "1024Mi" }, requests: {} }),
    true,
  )
  assert.equal(sameResources({ limits: { memory: "1Gi" } }, { limits: { memory: "1G" } }), false)
  assert.equal(sameResources(undefined, {}), true)
})

test("statusAllocation() takes the status's allocatedResources and limits where it reports them, else the spec's", () => {
  const p = pod("200m")
  assert.deepEqual(statusAllocation(p).get("app"), { requests: { cpu: "200m" } })
  const status = (s: object) => ({ name: "app", image: "x", imageID: "", ready: true, restartCount: 0, ...s })
  const reported: Pod = {
    ...p,
    status: {
      containerStatuses: [
        status({
          // The applied cpu request may differ while a resize is applied: the allocated one counts.
          resources: { requests: { cpu: "90m" }, limits: { cpu: "300m", memory: "64Mi" } },
          allocatedResources: { cpu: "100m" },
        }),
      ],
    },
  }
  assert.deepEqual(statusAllocation(reported).get("app"), {
    requests: { cpu: "100m" },
    limits: { cpu: "300m", memory: "64Mi" },
  })
  // The sidecar's status reports nothing: its spec's.
  assert.deepEqual(statusAllocation(reported).get("proxy"), { requests: { cpu: "50m" } })
  assert.equal(resizeRequested(p, statusAllocation(reported)), true)
  const older: Pod = { ...p, status: { containerStatuses: [status({})] } }
  assert.deepEqual(statusAllocation(older).get("app"), { requests: { cpu: "200m" } })
})

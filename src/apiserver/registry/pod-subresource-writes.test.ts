import assert from "node:assert/strict"
import { test } from "node:test"
import { onlyEphemeralContainers, onlyResize } from "./pod-subresource-writes.ts"

const stored = () => ({
  metadata: {
    name: "p",
    uid: "u-1",
    labels: { a: "1" },
    resourceVersion: "5",
    managedFields: [{ manager: "old" }],
  },
  spec: {
    nodeName: "n1",
    containers: [
      { name: "a", image: "nginx", resources: { requests: { cpu: "100m" } } },
      { name: "b", image: "nginx", resources: { requests: { cpu: "100m" } } },
    ],
    initContainers: [{ name: "side", image: "envoy", restartPolicy: "Always" }],
  },
  status: { phase: "Running", qosClass: "Burstable" },
})

const cases: { name: string; written: (s: any) => any; want: (s: any) => any }[] = [
  {
    name: "takes the containers' resources and resizePolicy",
    written: (s) => {
      s.spec.containers[1].resources = { requests: { cpu: "200m" } }
      s.spec.containers[1].resizePolicy = [{ resourceName: "cpu", restartPolicy: "RestartContainer" }]
      s.spec.initContainers[0].resources = { requests: { cpu: "50m" } }
      return s
    },
    want: (s) => {
      s.spec.containers[1].resources = { requests: { cpu: "200m" } }
      s.spec.containers[1].resizePolicy = [{ resourceName: "cpu", restartPolicy: "RestartContainer" }]
      s.spec.initContainers[0].resources = { requests: { cpu: "50m" } }
      return s
    },
  },
  {
    name: "keeps the rest of the spec, the status and the metadata as stored",
    written: (s) => {
      s.spec.containers[0].image = "other"
      s.spec.nodeName = "n2"
      s.metadata.labels = { a: "2" }
      s.status.phase = "Failed"
      s.metadata.managedFields = [{ manager: "kubectl", subresource: "resize" }]
      return s
    },
    want: (s) => {
      s.metadata.managedFields = [{ manager: "kubectl", subresource: "resize" }]
      return s
    },
  },
  {
    name: "a removed resources field is removed",
    written: (s) => {
      delete s.spec.containers[0].resources
      return s
    },
    want: (s) => {
      delete s.spec.containers[0].resources
      return s
    },
  },
  {
    name: "reordered containers are kept as written, for validation to refuse",
    written: (s) => {
      s.spec.containers.reverse()
      return s
    },
    want: (s) => {
      s.spec.containers.reverse()
      return s
    },
  },
  {
    name: "managedFields are the written ones (the field manager's), none when none are written",
    written: (s) => {
      delete s.metadata.managedFields
      return s
    },
    want: (s) => {
      delete s.metadata.managedFields
      return s
    },
  },
  {
    name: "the uid written stays, to be checked against the stored one",
    written: (s) => {
      s.metadata.uid = "u-2"
      return s
    },
    want: (s) => {
      s.metadata.uid = "u-2"
      return s
    },
  },
]

for (const c of cases) {
  test(`onlyResize() ${c.name}`, () => {
    const old = stored()
    const got = onlyResize(c.written(stored()), () => old)
    assert.deepEqual(got, c.want(stored()))
    assert.deepEqual(old, stored(), "the stored object is not changed")
  })
}

test("onlyEphemeralContainers() takes spec.ephemeralContainers only", () => {
  const written: any = stored()
  written.spec.ephemeralContainers = [{ name: "debugger", image: "busybox" }]
  written.spec.containers[0].resources = { requests: { cpu: "1" } }
  const got = onlyEphemeralContainers(written, stored)
  const want: any = stored()
  want.spec.ephemeralContainers = [{ name: "debugger", image: "busybox" }]
  assert.deepEqual(got, want)
})

import assert from "node:assert/strict"
import { test } from "node:test"
import { decodeProtobuf, rootOf } from "./protobuf.ts"

/** Encodes a message the way client-go does: magic, Unknown envelope, object bytes. */
function envelope(apiVersion: string, kind: string, type: string, message: object): Buffer {
  const root = rootOf()
  const t = root.lookupType(type)
  const raw = t.encode(t.fromObject(message)).finish()
  const unknown = root.lookupType("io.k8s.apimachinery.pkg.runtime.Unknown")
  const body = unknown.encode(unknown.fromObject({ typeMeta: { apiVersion, kind }, raw })).finish()
  return Buffer.concat([Buffer.from("k8s\0", "binary"), body])
}

test("a Deployment decodes with replicas 0, times, int-or-string, quantities and no empty strings", () => {
  const obj = decodeProtobuf(
    envelope("apps/v1", "Deployment", "io.k8s.api.apps.v1.Deployment", {
      metadata: { name: "web", namespace: "", creationTimestamp: {}, labels: { app: "web" } },
      spec: {
        replicas: 0,
        selector: { matchLabels: { app: "web" } },
        strategy: {
          type: "RollingUpdate",
          rollingUpdate: { maxSurge: { type: 1, strVal: "25%" }, maxUnavailable: { type: 0, intVal: 1 } },
        },
        template: {
          metadata: { labels: { app: "web" } },
          spec: {
            containers: [{ name: "c", image: "nginx", resources: { requests: { cpu: { string: "250m" } } } }],
            volumes: [{ name: "v", volumeSource: { emptyDir: {} } }],
          },
        },
      },
    }),
  ) as any
  assert.equal(obj.apiVersion, "apps/v1")
  assert.equal(obj.kind, "Deployment")
  assert.deepEqual(obj.metadata, { name: "web", labels: { app: "web" } })
  assert.equal(obj.spec.replicas, 0)
  assert.deepEqual(obj.spec.strategy.rollingUpdate, { maxSurge: "25%", maxUnavailable: 1 })
  assert.equal(obj.spec.template.spec.containers[0].resources.requests.cpu, "250m")
  assert.deepEqual(obj.spec.template.spec.volumes, [{ name: "v", emptyDir: {} }])
})

test("times, secret bytes, raw extensions and meta kinds", () => {
  const secret = decodeProtobuf(
    envelope("v1", "Secret", "io.k8s.api.core.v1.Secret", {
      metadata: { name: "s", creationTimestamp: { seconds: 1767323045, nanos: 0 } },
      data: { k: Buffer.from("hunter2") },
      type: "Opaque",
    }),
  ) as any
  assert.equal(secret.metadata.creationTimestamp, "2026-01-02T03:04:05Z")
  assert.equal(Buffer.from(secret.data.k, "base64").toString(), "hunter2")
  const del = decodeProtobuf(
    envelope("v1", "DeleteOptions", "io.k8s.apimachinery.pkg.apis.meta.v1.DeleteOptions", {
      propagationPolicy: "Foreground",
      gracePeriodSeconds: 0,
    }),
  ) as any
  assert.deepEqual(del, {
    apiVersion: "v1",
    kind: "DeleteOptions",
    propagationPolicy: "Foreground",
    gracePeriodSeconds: 0,
  })
})

test("garbage, unknown kinds and encodings are refused with a Status", () => {
  assert.throws(() => decodeProtobuf(Buffer.from("{}")), { reason: "BadRequest" })
  assert.throws(() => decodeProtobuf(Buffer.from("k8s\0\xff\xff\xff", "binary")), { reason: "BadRequest" })
  assert.throws(
    () => decodeProtobuf(envelope("example.com/v1", "Widget", "io.k8s.api.core.v1.ConfigMap", {})),
    { reason: "UnsupportedMediaType" },
  )
})

test("zeros of Go's plain omitempty fields are dropped as its JSON drops them; pointer zeros stay", () => {
  const obj = decodeProtobuf(
    envelope("apps/v1", "Deployment", "io.k8s.api.apps.v1.Deployment", {
      metadata: { name: "web", generation: 0 },
      spec: {
        replicas: 0,
        minReadySeconds: 0,
        paused: false,
        selector: { matchLabels: { app: "web" } },
        template: {
          metadata: { labels: { app: "web" }, generation: 0 },
          spec: {
            hostNetwork: false,
            hostPID: false,
            hostIPC: false,
            terminationGracePeriodSeconds: 0,
            containers: [
              {
                name: "c",
                image: "nginx",
                stdin: false,
                stdinOnce: false,
                tty: false,
                ports: [{ containerPort: 80, hostPort: 0 }],
                securityContext: { privileged: false, runAsUser: 0 },
              },
            ],
          },
        },
      },
    }),
  ) as any
  assert.deepEqual(obj.metadata, { name: "web" })
  assert.deepEqual(Object.keys(obj.spec).sort(), ["replicas", "selector", "template"])
  assert.equal(obj.spec.replicas, 0)
  const spec = obj.spec.template.spec
  assert.deepEqual(obj.spec.template.metadata, { labels: { app: "web" } })
  assert.equal(spec.terminationGracePeriodSeconds, 0)
  assert.equal(spec.hostNetwork, undefined)
  assert.deepEqual(spec.containers[0], {
    name: "c",
    image: "nginx",
    ports: [{ containerPort: 80 }],
    securityContext: { privileged: false, runAsUser: 0 },
  })
})

test("a ResourceSlice and a ResourceClaim decode with attributes, quantities and opaque parameters", () => {
  const slice = decodeProtobuf(
    envelope("resource.k8s.io/v1", "ResourceSlice", "io.k8s.api.resource.v1.ResourceSlice", {
      metadata: { name: "node-a-gpu" },
      spec: {
        driver: "gpu.example.com",
        nodeName: "node-a",
        pool: { name: "node-a", generation: 0, resourceSliceCount: 1 },
        devices: [
          {
            name: "gpu-0",
            attributes: { cores: { int: 8 }, model: { string: "a100" } },
            capacity: { memory: { value: { string: "40Gi" } } },
          },
        ],
      },
    }),
  ) as any
  assert.deepEqual(slice.spec.pool, { name: "node-a", generation: 0, resourceSliceCount: 1 })
  assert.deepEqual(slice.spec.devices[0].attributes, { cores: { int: 8 }, model: { string: "a100" } })
  assert.deepEqual(slice.spec.devices[0].capacity, { memory: { value: "40Gi" } })
  const claim = decodeProtobuf(
    envelope("resource.k8s.io/v1", "ResourceClaim", "io.k8s.api.resource.v1.ResourceClaim", {
      metadata: { name: "c", namespace: "default" },
      spec: {
        devices: {
          requests: [
            {
              name: "gpu",
              exactly: { deviceClassName: "gpu.example.com", allocationMode: "ExactCount", count: 1 },
            },
          ],
          config: [
            {
              requests: ["gpu"],
              deviceConfiguration: {
                opaque: {
                  driver: "gpu.example.com",
                  parameters: { raw: Buffer.from('{"sharing":"time-slicing"}') },
                },
              },
            },
          ],
        },
      },
    }),
  ) as any
  assert.deepEqual(claim.spec.devices.requests[0].exactly, {
    deviceClassName: "gpu.example.com",
    allocationMode: "ExactCount",
    count: 1,
  })
  assert.deepEqual(claim.spec.devices.config[0], {
    requests: ["gpu"],
    opaque: { driver: "gpu.example.com", parameters: { sharing: "time-slicing" } },
  })
})

import assert from "node:assert/strict"
import { test } from "node:test"
import type { ApiObject } from "../meta.ts"
import { validateObject } from "../validation/index.ts"
import { applyDefaults, type DefaultsRef, generateJobSelector } from "./index.ts"

const kinds: {
  name: string
  input: {
    ref: DefaultsRef & { namespaced: boolean }
    obj: ApiObject
    /** What the registry's strategy does on create, after the defaults. */
    prepare?: (obj: ApiObject) => void
  }
  want: string[]
}[] = [
  {
    name: "applyDefaults() makes a minimal Pod valid",
    input: {
      ref: { group: "", version: "v1", kind: "Pod", namespaced: true },
      obj: {
        metadata: { name: "p", namespace: "default" },
        spec: { containers: [{ name: "c", image: "nginx" }] },
      },
    },
    want: [],
  },
  {
    name: "applyDefaults() makes a minimal Deployment valid",
    input: {
      ref: { group: "apps", version: "v1", kind: "Deployment", namespaced: true },
      obj: {
        metadata: { name: "web", namespace: "default" },
        spec: {
          selector: { matchLabels: { app: "web" } },
          template: {
            metadata: { labels: { app: "web" } },
            spec: { containers: [{ name: "c", image: "nginx" }] },
          },
        },
      },
    },
    want: [],
  },
  {
    name: "applyDefaults() makes a minimal Service valid",
    input: {
      ref: { group: "", version: "v1", kind: "Service", namespaced: true },
      obj: {
        metadata: { name: "web", namespace: "default" },
        spec: { selector: { app: "web" }, ports: [{ port: 80 }] },
      },
    },
    want: [],
  },
  {
    name: "applyDefaults() makes a minimal Job valid once the registry generated its selector",
    input: {
      ref: { group: "batch", version: "v1", kind: "Job", namespaced: true },
      obj: {
        metadata: { name: "pi", namespace: "default", uid: "u-1" },
        spec: { template: { spec: { restartPolicy: "Never", containers: [{ name: "c", image: "perl" }] } } },
      },
      prepare: (obj) => generateJobSelector(obj as never),
    },
    want: [],
  },
  {
    name: "applyDefaults() makes a minimal StatefulSet valid",
    input: {
      ref: { group: "apps", version: "v1", kind: "StatefulSet", namespaced: true },
      obj: {
        metadata: { name: "db", namespace: "default" },
        spec: {
          serviceName: "db",
          selector: { matchLabels: { app: "db" } },
          template: {
            metadata: { labels: { app: "db" } },
            spec: { containers: [{ name: "c", image: "x" }] },
          },
        },
      },
    },
    want: [],
  },
  {
    name: "applyDefaults() makes a minimal DaemonSet valid",
    input: {
      ref: { group: "apps", version: "v1", kind: "DaemonSet", namespaced: true },
      obj: {
        metadata: { name: "agent", namespace: "default" },
        spec: {
          selector: { matchLabels: { app: "a" } },
          template: { metadata: { labels: { app: "a" } }, spec: { containers: [{ name: "c", image: "x" }] } },
        },
      },
    },
    want: [],
  },
  {
    name: "applyDefaults() makes a minimal CronJob valid",
    input: {
      ref: { group: "batch", version: "v1", kind: "CronJob", namespaced: true },
      obj: {
        metadata: { name: "tick", namespace: "default" },
        spec: {
          schedule: "@hourly",
          jobTemplate: {
            spec: {
              template: { spec: { restartPolicy: "OnFailure", containers: [{ name: "c", image: "x" }] } },
            },
          },
        },
      },
    },
    want: [],
  },
  {
    name: "applyDefaults() makes a Namespace valid",
    input: {
      ref: { group: "", version: "v1", kind: "Namespace", namespaced: false },
      obj: { metadata: { name: "team" } },
    },
    want: [],
  },
]

for (const c of kinds) {
  test(c.name, () => {
    const obj = structuredClone(c.input.obj)
    applyDefaults(c.input.ref, obj)
    c.input.prepare?.(obj)
    assert.deepEqual(
      validateObject(c.input.ref, obj).map((e) => `${e.field}: ${e.message}`),
      c.want,
    )
  })
}

test("applyDefaults() ignores kinds it has no defaults for", () => {
  const obj: ApiObject = { metadata: { name: "x" }, data: {} }
  applyDefaults({ group: "", version: "v1", kind: "ConfigMap" }, obj)
  assert.deepEqual(obj, { metadata: { name: "x" }, data: {} })
})

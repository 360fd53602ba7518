import assert from "node:assert/strict"
import { test } from "node:test"
import type { CSIDriver } from "kubernetes-types/storage/v1.js"
import { defaultCSIDriver } from "./storage.ts"

const cases: { name: string; input: () => unknown; want: unknown }[] = [
  {
    name: "defaultCSIDriver() fills every switch",
    input: () => {
      const d: CSIDriver = { metadata: { name: "csi.example.com" }, spec: {} }
      defaultCSIDriver(d)
      return d.spec
    },
    want: {
      attachRequired: true,
      podInfoOnMount: false,
      storageCapacity: false,
      fsGroupPolicy: "ReadWriteOnceWithFSType",
      volumeLifecycleModes: ["Persistent"],
      requiresRepublish: false,
      seLinuxMount: false,
    },
  },
  {
    name: "defaultCSIDriver() keeps what is set",
    input: () => {
      const d: CSIDriver = {
        metadata: { name: "csi.example.com" },
        spec: { attachRequired: false, volumeLifecycleModes: ["Ephemeral"], fsGroupPolicy: "File" },
      }
      defaultCSIDriver(d)
      return [d.spec.attachRequired, d.spec.volumeLifecycleModes, d.spec.fsGroupPolicy]
    },
    want: [false, ["Ephemeral"], "File"],
  },
]

for (const c of cases) test(c.name, () => assert.deepEqual(c.input(), c.want))

import assert from "node:assert/strict"
import { test } from "node:test"
import type { CSIDriver, VolumeAttachment } from "kubernetes-types/storage/v1.js"
import { printed } from "./_fixtures.ts"
import {
  validateCSIDriver,
  validateCSINode,
  validateCSIStorageCapacity,
  validateVolumeAttachment,
  validateVolumeAttributesClass,
} from "./csi.ts"
import { validateRuntimeClass } from "./runtime-class.ts"

const rv = (name: string) => ({
  name,
  resourceVersion: "1",
  uid: "u",
  creationTimestamp: "2026-01-01T00:00:00Z",
})

const driver: CSIDriver = {
  metadata: rv("csi.example.com"),
  spec: {
    attachRequired: true,
    podInfoOnMount: false,
    storageCapacity: false,
    requiresRepublish: false,
    fsGroupPolicy: "ReadWriteOnceWithFSType",
    volumeLifecycleModes: ["Persistent"],
    seLinuxMount: false,
  } as CSIDriver["spec"],
}

const attachment: VolumeAttachment = {
  metadata: rv("va"),
  spec: { attacher: "csi.example.com", nodeName: "n1", source: { persistentVolumeName: "pv1" } },
}

const cases: { name: string; input: () => string[]; want: string[] }[] = [
  {
    name: "CSIDriver: accepts a defaulted driver",
    input: () => printed(validateCSIDriver({ ...driver, metadata: { name: "csi.example.com" } })),
    want: [],
  },
  {
    name: "CSIDriver: wants the switches and known modes",
    input: () =>
      printed(
        validateCSIDriver({
          metadata: { name: "d" },
          spec: {
            fsGroupPolicy: "Sometimes",
            volumeLifecycleModes: ["Forever"],
            tokenRequests: [{ audience: "a", expirationSeconds: 60 }],
          },
        }),
      ),
    want: [
      "spec.attachedRequired: Required value",
      "spec.podInfoOnMount: Required value",
      "spec.storageCapacity: Required value",
      'spec.fsGroupPolicy: Unsupported value: "Sometimes": supported values: "File", "None", "ReadWriteOnceWithFSType"',
      "spec.tokenRequests[0].expirationSeconds: Invalid value: 60: may not specify a duration less than 10 minutes",
      'spec.volumeLifecycleModes: Unsupported value: "Forever": supported values: "Persistent", "Ephemeral"',
      "spec.seLinuxMount: Required value",
    ],
  },
  {
    name: "CSIDriver: attachRequired and modes are immutable, podInfoOnMount is not",
    input: () =>
      printed(
        validateCSIDriver(
          {
            ...driver,
            spec: {
              ...driver.spec,
              attachRequired: false,
              podInfoOnMount: true,
              volumeLifecycleModes: ["Ephemeral"],
            },
          },
          driver,
        ),
      ),
    want: [
      "spec.attachedRequired: Invalid value: false: field is immutable",
      'spec.volumeLifecycleModes: Invalid value: []storage.VolumeLifecycleMode{"Ephemeral"}: field is immutable',
    ],
  },
  {
    name: "CSINode: drivers once each, with a node ID",
    input: () =>
      printed(
        validateCSINode({
          metadata: { name: "n1" },
          spec: {
            drivers: [
              { name: "csi.example.com", nodeID: "n1" },
              { name: "csi.example.com", nodeID: "" },
            ],
          },
        }),
      ),
    want: [
      "spec.drivers[1].nodeID: Required value",
      'spec.drivers[1].name: Duplicate value: "csi.example.com"',
    ],
  },
  {
    name: "CSIStorageCapacity: a class name, a non-negative capacity; the class never changes",
    input: () => {
      const old = {
        metadata: { ...rv("c"), namespace: "default" },
        storageClassName: "fast",
        capacity: "1Gi",
      }
      return printed(validateCSIStorageCapacity({ ...old, storageClassName: "slow", capacity: "-1Gi" }, old))
    },
    want: [
      'capacity: Invalid value: "-1Gi": must be greater than or equal to 0',
      'storageClassName: Invalid value: "slow": field is immutable',
    ],
  },
  {
    name: "VolumeAttachment: accepts a complete attachment",
    input: () => printed(validateVolumeAttachment({ ...attachment, metadata: { name: "va" } })),
    want: [],
  },
  {
    name: "VolumeAttachment: wants an attacher and exactly one source",
    input: () =>
      printed(
        validateVolumeAttachment({
          metadata: { name: "va" },
          spec: { attacher: "", nodeName: "n1", source: {} },
        }),
      ),
    want: [
      "spec.attacher: Required value",
      "spec.source: Required value: must specify exactly one of inlineVolumeSpec and persistentVolumeName",
      // v1's own attacher check repeats the first (validateObject drops repeats)
      "spec.attacher: Required value",
      `spec.attacher: Invalid value: "": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')`,
    ],
  },
  {
    name: "VolumeAttachment: the spec is immutable, the status is not",
    input: () => [
      ...printed(
        validateVolumeAttachment({ ...attachment, spec: { ...attachment.spec, nodeName: "n2" } }, attachment),
      ),
      ...printed(validateVolumeAttachment({ ...attachment, status: { attached: true } }, attachment)),
    ],
    want: ["spec: Invalid value: storage.VolumeAttachmentSpec{...}: field is immutable"],
  },
  {
    name: "VolumeAttributesClass: a driver and parameters that never change",
    input: () => {
      const old = { metadata: rv("gold"), driverName: "csi.example.com", parameters: { iops: "100" } }
      return [
        ...printed(validateVolumeAttributesClass({ metadata: { name: "x" }, driverName: "" })),
        ...printed(
          validateVolumeAttributesClass(
            { ...old, driverName: "other.example.com", parameters: { iops: "200" } },
            old,
          ),
        ),
      ]
    },
    want: [
      "driverName: Required value",
      "parameters: Required value: must contain at least one key/value pair",
      "driverName: Forbidden: updates to driverName are forbidden.",
      "parameters: Forbidden: updates to parameters are forbidden.",
    ],
  },
  {
    name: "RuntimeClass: a DNS-label handler that never changes",
    input: () => {
      const old = { metadata: rv("gvisor"), handler: "runsc" }
      return [
        ...printed(validateRuntimeClass({ metadata: { name: "x" }, handler: "Run_SC" })),
        ...printed(validateRuntimeClass({ ...old, handler: "runc" }, old)),
      ]
    },
    want: [
      `handler: Invalid value: "Run_SC": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')`,
      'handler: Invalid value: "runc": field is immutable',
    ],
  },
]

for (const c of cases)
  test(`storage and node validation: ${c.name}`, () => assert.deepEqual(c.input(), c.want))

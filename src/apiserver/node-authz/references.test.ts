/**
 * The secrets a persistent volume lets the kubelet read, table-driven after upstream's
 * VisitPVSecretNames; when two pods' extended resource claim statuses are equal.
 */
import assert from "node:assert/strict"
import { describe, test } from "node:test"
import type { PersistentVolume, Pod } from "kubernetes-types/core/v1.js"
import { pvKubeletSecrets, sameExtendedResourceClaimStatus } from "./references.ts"

function pv(spec: Record<string, unknown>): PersistentVolume {
  return { metadata: { name: "pv" }, spec: { claimRef: { namespace: "claims", name: "c" }, ...spec } }
}

const CASES: { name: string; pv: PersistentVolume; want: string[] }[] = [
  {
    name: "an AzureFile secret without a namespace is in the claim's",
    pv: pv({ azureFile: { shareName: "s", secretName: "az" } }),
    want: ["claims/az"],
  },
  {
    name: "an AzureFile secret in its own namespace",
    pv: pv({ azureFile: { shareName: "s", secretName: "az", secretNamespace: "other" } }),
    want: ["other/az"],
  },
  {
    name: "a CephFS ref without a namespace",
    pv: pv({ cephfs: { monitors: [], secretRef: { name: "ceph" } } }),
    want: ["claims/ceph"],
  },
  {
    name: "a FlexVolume ref without a namespace",
    pv: pv({ flexVolume: { driver: "d", secretRef: { name: "flex" } } }),
    want: ["claims/flex"],
  },
  {
    name: "an RBD ref without a namespace",
    pv: pv({ rbd: { monitors: [], image: "i", secretRef: { name: "rbd" } } }),
    want: ["claims/rbd"],
  },
  {
    name: "a ScaleIO ref without a namespace",
    pv: pv({ scaleIO: { gateway: "g", system: "s", secretRef: { name: "sio" } } }),
    want: ["claims/sio"],
  },
  {
    name: "an iSCSI ref without a namespace",
    pv: pv({ iscsi: { targetPortal: "t", iqn: "q", lun: 0, secretRef: { name: "chap" } } }),
    want: ["claims/chap"],
  },
  {
    name: "a Cinder ref without a namespace stays without",
    pv: pv({ cinder: { volumeID: "v", secretRef: { name: "cin" } } }),
    want: ["/cin"],
  },
  {
    name: "a StorageOS ref without a namespace stays without",
    pv: pv({ storageos: { secretRef: { name: "sos" } } }),
    want: ["/sos"],
  },
  {
    name: "CSI node refs without a namespace stay without; controller refs are not the kubelet's",
    pv: pv({
      csi: {
        driver: "d",
        volumeHandle: "h",
        nodePublishSecretRef: { name: "pub" },
        nodeStageSecretRef: { name: "stage", namespace: "ns" },
        nodeExpandSecretRef: { name: "expand", namespace: "ns" },
        controllerPublishSecretRef: { name: "ctl", namespace: "ns" },
        controllerExpandSecretRef: { name: "ctl-expand", namespace: "ns" },
      },
    }),
    want: ["/pub", "ns/stage", "ns/expand"],
  },
  {
    name: "only the first source of a kind with secrets counts",
    pv: pv({
      azureFile: { shareName: "s", secretName: "az" },
      csi: { driver: "d", volumeHandle: "h", nodePublishSecretRef: { name: "pub", namespace: "ns" } },
    }),
    want: ["claims/az"],
  },
  { name: "a volume without secrets", pv: pv({ nfs: { server: "s", path: "/" } }), want: [] },
]

describe("pvKubeletSecrets()", () => {
  for (const c of CASES) {
    test(c.name, () => {
      assert.deepEqual([...pvKubeletSecrets(c.pv)], c.want)
    })
  }
})

describe("sameExtendedResourceClaimStatus()", () => {
  const withStatus = (status: Record<string, unknown> | undefined): Pod =>
    ({ metadata: { name: "p" }, status: { extendedResourceClaimStatus: status } }) as Pod
  const mapping = (m: Record<string, string>) => withStatus({ resourceClaimName: "c", requestMappings: [m] })

  test("an absent mapping field equals an empty one (a plain string upstream)", () => {
    const full = mapping({ containerName: "", resourceName: "example.com/gpu", requestName: "" })
    const sparse = mapping({ resourceName: "example.com/gpu" })
    assert.equal(sameExtendedResourceClaimStatus(full, sparse), true)
  })

  test("another request name differs", () => {
    const a = mapping({ containerName: "c", resourceName: "example.com/gpu", requestName: "r1" })
    const b = mapping({ containerName: "c", resourceName: "example.com/gpu", requestName: "r2" })
    assert.equal(sameExtendedResourceClaimStatus(a, b), false)
  })

  test("a status differs from none", () => {
    assert.equal(
      sameExtendedResourceClaimStatus(withStatus({ resourceClaimName: "c" }), withStatus(undefined)),
      false,
    )
  })
})

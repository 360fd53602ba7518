/** The audiences a node may ask tokens for, table-driven after upstream's noderestriction cases. */
import assert from "node:assert/strict"
import { describe, test } from "node:test"
import type { PersistentVolume, PersistentVolumeClaim, Pod, Volume } from "kubernetes-types/core/v1.js"
import type { CSIDriver, TokenRequest } from "kubernetes-types/storage/v1.js"
import type { AuthorizationAttributes } from "../authz.ts"
import type { AdmissionRequest } from "../registry/context.ts"
import { type AudienceLookups, audienceRefusal } from "./token-audience.ts"

const NODE1 = { name: "system:node:node1", groups: ["system:nodes"] }
const REQ = { namespace: "ns", name: "sa", user: NODE1 } as unknown as AdmissionRequest

const claims: Record<string, PersistentVolumeClaim> = {
  "ns/bound": { metadata: { name: "bound" }, spec: { volumeName: "csi-pv" } },
  "ns/p-eph": { metadata: { name: "p-eph" }, spec: { volumeName: "csi-pv" } },
  "ns/azure": { metadata: { name: "azure" }, spec: { volumeName: "azure-pv" } },
  "ns/lost": { metadata: { name: "lost" }, spec: { volumeName: "gone" } },
  "ns/unbound": { metadata: { name: "unbound" }, spec: {} },
}
const volumes: Record<string, PersistentVolume> = {
  "csi-pv": { metadata: { name: "csi-pv" }, spec: { csi: { driver: "my.csi", volumeHandle: "h" } } },
  "azure-pv": {
    metadata: { name: "azure-pv" },
    spec: { azureFile: { shareName: "s", secretName: "x" } },
  },
}
const drivers: Record<string, CSIDriver> = {
  "my.csi": { metadata: { name: "my.csi" }, spec: { tokenRequests: [{ audience: "foo" }] } },
  "file.csi.azure.com": {
    metadata: { name: "file.csi.azure.com" },
    spec: { tokenRequests: [{ audience: "az" }] },
  },
  // A token request without an audience (the field is a plain string upstream: "").
  "blank.csi": { metadata: { name: "blank.csi" }, spec: { tokenRequests: [{} as TokenRequest] } },
}

function lookups(asked: AuthorizationAttributes[] = [], allow = false): AudienceLookups {
  return {
    pvc: (ns, name) => claims[`${ns}/${name}`],
    pv: (name) => volumes[name],
    csiDriver: (name) => drivers[name],
    authorize: (a) => {
      asked.push(a)
      return { decision: allow ? "Allow" : "NoOpinion", reason: "" }
    },
  }
}

function pod(...vols: Volume[]): Pod {
  return {
    metadata: { name: "p", namespace: "ns" },
    spec: { nodeName: "node1", containers: [], volumes: vols },
  }
}

const projected = (audience?: string): Volume => ({
  name: "t",
  projected: { sources: [{ serviceAccountToken: { path: "t", ...(audience ? { audience } : {}) } }] },
})
const notUsed = (a: string) =>
  `audience "${a}" not found in pod spec volume, system:node:node1 is not authorized to request tokens for this audience`

const CASES: { name: string; pod: Pod; audiences: string[]; want: string | undefined }[] = [
  { name: "a projected token's audience", pod: pod(projected("foo")), audiences: ["foo"], want: undefined },
  {
    name: "no audience, as a projected token without one",
    pod: pod(projected()),
    audiences: [],
    want: undefined,
  },
  { name: "no audience, no projected token", pod: pod(), audiences: [], want: notUsed("") },
  {
    name: "two audiences",
    pod: pod(projected("foo")),
    audiences: ["foo", "bar"],
    want: "node may only request 0 or 1 audiences",
  },
  {
    name: "an audience no volume uses",
    pod: pod(projected("foo")),
    audiences: ["bar"],
    want: notUsed("bar"),
  },
  {
    name: "an inline CSI volume's driver's audience",
    pod: pod({ name: "c", csi: { driver: "my.csi" } }),
    audiences: ["foo"],
    want: undefined,
  },
  {
    name: "an audience the inline driver does not request",
    pod: pod({ name: "c", csi: { driver: "my.csi" } }),
    audiences: ["bar"],
    want: notUsed("bar"),
  },
  {
    name: "an inline driver that is not registered",
    pod: pod({ name: "c", csi: { driver: "other.csi" } }),
    audiences: ["foo"],
    want: 'error validating audience "foo": csidriver.storage.k8s.io "other.csi" not found',
  },
  {
    name: "a claim's volume's driver's audience",
    pod: pod({ name: "v", persistentVolumeClaim: { claimName: "bound" } }),
    audiences: ["foo"],
    want: undefined,
  },
  {
    name: "an ephemeral volume's claim's driver's audience",
    pod: pod({ name: "eph", ephemeral: { volumeClaimTemplate: { spec: {} } } }),
    audiences: ["foo"],
    want: undefined,
  },
  {
    name: "a claim that does not exist",
    pod: pod({ name: "v", persistentVolumeClaim: { claimName: "nope" } }),
    audiences: ["foo"],
    want: 'error validating audience "foo": persistentvolumeclaim "nope" not found',
  },
  {
    name: "a claim whose volume does not exist",
    pod: pod({ name: "v", persistentVolumeClaim: { claimName: "lost" } }),
    audiences: ["foo"],
    want: 'error validating audience "foo": persistentvolume "gone" not found',
  },
  {
    name: 'an unbound claim (its volume is "", which is not found)',
    pod: pod({ name: "v", persistentVolumeClaim: { claimName: "unbound" } }),
    audiences: ["x"],
    want: 'error validating audience "x": persistentvolume "" not found',
  },
  {
    name: "the same missing claim twice (one message, as upstream's aggregate)",
    pod: pod(
      { name: "v", persistentVolumeClaim: { claimName: "nope" } },
      { name: "w", persistentVolumeClaim: { claimName: "nope" } },
    ),
    audiences: ["foo"],
    want: 'error validating audience "foo": persistentvolumeclaim "nope" not found',
  },
  {
    name: "two missing claims, one of them twice",
    pod: pod(
      { name: "v", persistentVolumeClaim: { claimName: "nope" } },
      { name: "w", persistentVolumeClaim: { claimName: "lost" } },
      { name: "x", persistentVolumeClaim: { claimName: "nope" } },
    ),
    audiences: ["foo"],
    want:
      'error validating audience "foo": [persistentvolumeclaim "nope" not found, ' +
      'persistentvolume "gone" not found]',
  },
  {
    name: "no audience, as a driver's token request without one",
    pod: pod({ name: "c", csi: { driver: "blank.csi" } }),
    audiences: [],
    want: undefined,
  },
  {
    name: "a missing claim, then a CSI volume that uses the audience",
    pod: pod(
      { name: "v", persistentVolumeClaim: { claimName: "nope" } },
      { name: "c", csi: { driver: "my.csi" } },
    ),
    audiences: ["foo"],
    want: undefined,
  },
  {
    name: "an in-tree inline volume migrated to CSI",
    pod: pod({ name: "a", azureFile: { shareName: "s", secretName: "x" } }),
    audiences: ["az"],
    want: undefined,
  },
  {
    name: "an in-tree persistent volume migrated to CSI",
    pod: pod({ name: "v", persistentVolumeClaim: { claimName: "azure" } }),
    audiences: ["az"],
    want: undefined,
  },
]

describe("audienceRefusal()", () => {
  for (const c of CASES) {
    test(c.name, async () => {
      assert.equal(
        await audienceRefusal(REQ, { pod: c.pod, audiences: c.audiences, lookups: lookups() }),
        c.want,
      )
    })
  }

  test("does not ask the authorizer when a volume cannot be followed", async () => {
    const asked: AuthorizationAttributes[] = []
    const got = await audienceRefusal(REQ, {
      pod: pod({ name: "v", persistentVolumeClaim: { claimName: "unbound" } }),
      audiences: ["x"],
      lookups: lookups(asked, true),
    })
    assert.equal(got, 'error validating audience "x": persistentvolume "" not found')
    assert.deepEqual(asked, [])
  })

  test("an authorizer that fails refuses with its error, as upstream's", async () => {
    const failing: AudienceLookups = {
      ...lookups(),
      authorize: () => {
        throw new Error("webhook unreachable")
      },
    }
    const got = await audienceRefusal(REQ, { pod: pod(), audiences: ["vault"], lookups: failing })
    assert.equal(
      got,
      'audience "vault" not found in pod spec volume, error authorizing system:node:node1 to request ' +
        "tokens for this audience: webhook unreachable",
    )
  })

  test("asks the authorizer for the audience as a resource of the service account", async () => {
    const asked: AuthorizationAttributes[] = []
    const got = await audienceRefusal(REQ, {
      pod: pod(),
      audiences: ["vault"],
      lookups: lookups(asked, true),
    })
    assert.equal(got, undefined)
    assert.deepEqual(asked, [
      {
        user: NODE1,
        verb: "request-serviceaccounts-token-audience",
        resourceRequest: true,
        apiGroup: "",
        apiVersion: "v1",
        resource: "vault",
        namespace: "ns",
        name: "sa",
      },
    ])
  })
})

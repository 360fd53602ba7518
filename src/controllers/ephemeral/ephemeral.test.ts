import assert from "node:assert/strict"
import { after, before, describe, test } from "node:test"
import type { Pod } from "kubernetes-types/core/v1.js"
import { type ApiObject, Events, PersistentVolumeClaims, Pods } from "../../api/index.ts"
import { startHarness, type Harness } from "../_harness.case.ts"
import { pvcProtectionController } from "../volume/index.ts"
import { ephemeralVolumeController } from "./ephemeral.ts"

function podWithScratch(ns: string, name: string): Pod & ApiObject {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace: ns },
    spec: {
      containers: [{ name: "c", image: "busybox" }],
      volumes: [
        { name: "cache", emptyDir: {} },
        {
          name: "scratch",
          ephemeral: {
            volumeClaimTemplate: {
              metadata: { labels: { type: "scratch" }, annotations: { "example.com/a": "b" } },
              spec: {
                accessModes: ["ReadWriteOnce"],
                storageClassName: "local-path",
                resources: { requests: { storage: "1Gi" } },
              },
            },
          },
        },
      ],
    },
  }
}

describe("ephemeral-volume controller", () => {
  let h: Harness
  before(async () => {
    h = await startHarness([ephemeralVolumeController(), pvcProtectionController()])
  })
  after(() => h.stop())

  const getClaim = (name: string) =>
    h.client
      .resource(PersistentVolumeClaims)
      .get({ namespace: h.ns, name })
      .catch(() => undefined)

  test("creates <pod>-<volume> from the template, controlled by the pod", async () => {
    const pod = await h.client.resource(Pods).create(podWithScratch(h.ns, "web"))
    await h.until(async () => (await getClaim("web-scratch")) !== undefined, "the claim web-scratch")
    const pvc = await getClaim("web-scratch")
    assert.deepEqual(pvc?.metadata?.labels, { type: "scratch" })
    assert.equal(pvc?.metadata?.annotations?.["example.com/a"], "b")
    assert.deepEqual(pvc?.spec?.resources?.requests, { storage: "1Gi" })
    assert.equal(pvc?.spec?.storageClassName, "local-path")
    assert.deepEqual(pvc?.metadata?.ownerReferences, [
      {
        apiVersion: "v1",
        kind: "Pod",
        name: "web",
        uid: pod.metadata?.uid,
        controller: true,
        blockOwnerDeletion: true,
      },
    ])
    assert.equal(await getClaim("web-cache"), undefined, "no claim for an emptyDir")
  })

  test("a deleted claim is created again while its pod lives", async () => {
    await h.client.resource(PersistentVolumeClaims).delete({ namespace: h.ns, name: "web-scratch" })
    await h.until(async () => {
      const pvc = await getClaim("web-scratch")
      return !!pvc && !pvc.metadata?.deletionTimestamp
    }, "the claim created again")
  })

  test("a claim of that name the pod does not own: a FailedBinding event, no takeover", async () => {
    await h.client.resource(PersistentVolumeClaims).create({
      apiVersion: "v1",
      kind: "PersistentVolumeClaim",
      metadata: { name: "db-scratch", namespace: h.ns },
      spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "2Gi" } } },
    })
    await h.client.resource(Pods).create(podWithScratch(h.ns, "db"))
    const want = `ephemeral volume scratch: PVC ${h.ns}/db-scratch was not created for pod ${h.ns}/db (pod is not owner)`
    await h.until(async () => {
      const events = (await h.client.resource(Events).list({ namespace: h.ns })).items
      return events.some(
        (e) => e.involvedObject?.name === "db" && e.reason === "FailedBinding" && e.message === want,
      )
    }, "the FailedBinding event")
    const pvc = await getClaim("db-scratch")
    assert.equal(pvc?.metadata?.ownerReferences, undefined)
    assert.deepEqual(pvc?.spec?.resources?.requests, { storage: "2Gi" })
  })
})

import assert from "node:assert/strict"
import { existsSync, mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { after, before, describe, test } from "node:test"
import type { PersistentVolume, PersistentVolumeClaim, Pod } from "kubernetes-types/core/v1.js"
import {
  type ApiObject,
  PersistentVolumeClaims,
  PersistentVolumes,
  Pods,
  StorageClasses,
} from "../../../api/index.ts"
import { runController, SharedInformers } from "../../../client/index.ts"
import {
  ephemeralVolumeController,
  localPathProvisionerController,
  persistentVolumeBinderController,
} from "../../../controllers/index.ts"
import { HollowNodes } from "../../../kubelet/index.ts"
import { startClientEnv, type ClientEnv } from "../../../testing/index.ts"
import { FakeClock, silentLogger } from "../../../util/index.ts"
import { Scheduler } from "../../scheduler.ts"

const cap = { cpu: "8", memory: "16Gi", pods: "110", "ephemeral-storage": "100Gi" }

function podWithClaims(name: string, ...claims: string[]): Pod & ApiObject {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace: "default" },
    spec: {
      containers: [{ name: "c", image: "busybox" }],
      volumes: claims.map((c) => ({ name: c, persistentVolumeClaim: { claimName: c } })),
    },
  }
}

function claim(name: string, storageClassName: string): PersistentVolumeClaim & ApiObject {
  return {
    apiVersion: "v1",
    kind: "PersistentVolumeClaim",
    metadata: { name, namespace: "default" },
    spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "1Gi" } }, storageClassName },
  }
}

function localVolume(name: string, node: string, storageClassName: string): PersistentVolume & ApiObject {
  return {
    apiVersion: "v1",
    kind: "PersistentVolume",
    metadata: { name },
    spec: {
      capacity: { storage: "5Gi" },
      accessModes: ["ReadWriteOnce"],
      storageClassName,
      local: { path: `/mnt/${name}` },
      nodeAffinity: {
        required: {
          nodeSelectorTerms: [
            { matchExpressions: [{ key: "kubernetes.io/hostname", operator: "In", values: [node] }] },
          ],
        },
      },
    },
  }
}

describe("VolumeBinding with the binder and the local-path provisioner", () => {
  let env: ClientEnv
  let clock: FakeClock
  let base: string
  const stop = new AbortController()
  let running: Promise<unknown>
  before(async () => {
    base = mkdtempSync(join(tmpdir(), "k8ts-volume-binding-"))
    clock = new FakeClock(Date.UTC(2026, 10, 30, 9))
    env = await startClientEnv({ clock })
    const log = silentLogger()
    const client = env.inProcess
    const hollow = new HollowNodes({
      client,
      clock,
      log,
      nodes: ["node-a", "node-b", "node-c"].map((name, i) => ({
        name,
        address: `127.0.0.${31 + i}`,
        capacity: cap,
      })),
    })
    await hollow.register()
    const informers = new SharedInformers(client, { clock })
    const deps = { client, informers, clock, log }
    running = Promise.all([
      hollow.run(stop.signal),
      new Scheduler({ client, clock, log }).run(stop.signal),
      informers.run(stop.signal),
      runController(persistentVolumeBinderController(), deps, stop.signal),
      runController(ephemeralVolumeController(), deps, stop.signal),
      runController(localPathProvisionerController({ baseDir: join(base, "storage") }), deps, stop.signal),
    ])
    await client.resource(StorageClasses).create({
      apiVersion: "storage.k8s.io/v1",
      kind: "StorageClass",
      metadata: { name: "local-static" },
      provisioner: "kubernetes.io/no-provisioner",
      volumeBindingMode: "WaitForFirstConsumer",
    })
  })
  after(async () => {
    stop.abort()
    await running
    await env.stop()
    rmSync(base, { recursive: true, force: true })
  })

  /** Polls `fn`, moving the fake clock a little per try, until it returns a value. */
  async function waitFor<T>(fn: () => Promise<T | undefined>, what: string): Promise<T> {
    for (let i = 0; i < 1000; i++) {
      const v = await fn().catch(() => undefined)
      if (v !== undefined) return v
      await new Promise((r) => setTimeout(r, 2))
      await clock.advance(100)
    }
    throw new Error(`Timed out waiting for ${what}`)
  }
  const nodeOf = (name: string) =>
    waitFor(
      async () => (await env.inProcess.resource(Pods).get({ namespace: "default", name })).spec?.nodeName,
      `pod ${name} bound`,
    )
  const getClaim = (name: string) =>
    env.inProcess.resource(PersistentVolumeClaims).get({ namespace: "default", name })

  test("a WaitForFirstConsumer claim is provisioned on the pod's node before the pod binds", async () => {
    await waitFor(
      () => env.inProcess.resource(StorageClasses).get({ name: "local-path" }),
      "the local-path StorageClass",
    )
    await env.inProcess.resource(PersistentVolumeClaims).create(claim("data", "local-path"))
    await env.inProcess.resource(Pods).create(podWithClaims("web", "data"))
    const node = await nodeOf("web")
    const pvc = await getClaim("data")
    assert.equal(pvc.metadata?.annotations?.["volume.kubernetes.io/selected-node"], node)
    assert.equal(pvc.status?.phase, "Bound")
    const pv = await env.inProcess.resource(PersistentVolumes).get({ name: pvc.spec?.volumeName ?? "" })
    assert.deepEqual(pv.spec?.nodeAffinity?.required?.nodeSelectorTerms?.[0]?.matchExpressions?.[0]?.values, [
      node,
    ])
    assert.ok(existsSync(pv.spec?.hostPath?.path ?? "/nonexistent"))
  })

  test("a static local volume is bound by the scheduler on the node it lives on", async () => {
    await env.inProcess.resource(PersistentVolumes).create(localVolume("disk-b", "node-b", "local-static"))
    await env.inProcess.resource(PersistentVolumeClaims).create(claim("static", "local-static"))
    await env.inProcess.resource(Pods).create(podWithClaims("db", "static"))
    assert.equal(await nodeOf("db"), "node-b")
    const pvc = await getClaim("static")
    assert.deepEqual([pvc.spec?.volumeName, pvc.status?.phase], ["disk-b", "Bound"])
    const pv = await env.inProcess.resource(PersistentVolumes).get({ name: "disk-b" })
    assert.equal(pv.spec?.claimRef?.name, "static")
  })

  test("a pod using a bound volume goes where the volume's node affinity allows", async () => {
    // Another pod using the same claim follows the volume to node-b.
    await env.inProcess.resource(Pods).create(podWithClaims("db-2", "static"))
    assert.equal(await nodeOf("db-2"), "node-b")
  })

  test("a pod whose claim cannot be satisfied anywhere stays pending", async () => {
    await env.inProcess.resource(PersistentVolumeClaims).create(claim("nowhere", "local-static"))
    await env.inProcess.resource(Pods).create(podWithClaims("stuck", "nowhere"))
    const msg = await waitFor(async () => {
      const p = await env.inProcess.resource(Pods).get({ namespace: "default", name: "stuck" })
      return p.status?.conditions?.find((c) => c.type === "PodScheduled" && c.status === "False")?.message
    }, "PodScheduled=False")
    assert.match(msg, /node\(s\) didn't find available persistent volumes to bind/)
  })

  const ephemeralPod = (name: string): Pod & ApiObject => ({
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace: "default" },
    spec: {
      containers: [{ name: "c", image: "busybox" }],
      volumes: [
        {
          name: "scratch",
          ephemeral: {
            volumeClaimTemplate: {
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
  })

  test("an ephemeral volume's claim is created, provisioned on the pod's node and bound", async () => {
    await env.inProcess.resource(Pods).create(ephemeralPod("tmp"))
    const node = await nodeOf("tmp")
    const pvc = await getClaim("tmp-scratch")
    assert.equal(pvc.status?.phase, "Bound")
    assert.equal(pvc.metadata?.annotations?.["volume.kubernetes.io/selected-node"], node)
    assert.equal(pvc.metadata?.ownerReferences?.[0]?.name, "tmp")
  })

  test("a pod whose ephemeral claim name is taken by another claim stays pending", async () => {
    await env.inProcess.resource(PersistentVolumeClaims).create(claim("taken-scratch", "local-path"))
    await env.inProcess.resource(Pods).create(ephemeralPod("taken"))
    const msg = await waitFor(async () => {
      const p = await env.inProcess.resource(Pods).get({ namespace: "default", name: "taken" })
      return p.status?.conditions?.find((c) => c.type === "PodScheduled" && c.status === "False")?.message
    }, "PodScheduled=False")
    assert.match(
      msg,
      /PVC default\/taken-scratch was not created for pod default\/taken \(pod is not owner\)/,
    )
  })
})

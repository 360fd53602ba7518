/**
 * Builders and a polling helper shared by the volume controllers' tests: PersistentVolumes,
 * claims and classes as a user writes them, and `eventually`, which lets retries on the
 * FakeClock run while it waits.
 */
import type { PersistentVolumeSpec } from "kubernetes-types/core/v1.js"
import { Events, PersistentVolumeClaims, PersistentVolumes, StorageClasses } from "../../api/index.ts"
import type { Harness } from "../_harness.case.ts"
import type { Pv, Pvc, Sc } from "./helpers.ts"

/** A hostPath volume of `size` with ReadWriteOnce, Retain by default. */
export function volume(name: string, size: string, spec: Partial<PersistentVolumeSpec> = {}): Pv {
  return {
    apiVersion: "v1",
    kind: "PersistentVolume",
    metadata: { name },
    spec: {
      capacity: { storage: size },
      accessModes: ["ReadWriteOnce"],
      hostPath: { path: `/tmp/k8ts-test-${name}` },
      ...spec,
    },
  }
}

/** A claim of `size` with ReadWriteOnce and no class unless given. */
export function claim(ns: string, name: string, size: string, spec: Partial<Pvc["spec"]> = {}): Pvc {
  return {
    apiVersion: "v1",
    kind: "PersistentVolumeClaim",
    metadata: { name, namespace: ns },
    spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: size } }, ...spec },
  }
}

/** A StorageClass of `provisioner`. */
export function storageClass(name: string, provisioner: string, o: Partial<Sc> = {}): Sc {
  return { apiVersion: "storage.k8s.io/v1", kind: "StorageClass", metadata: { name }, provisioner, ...o }
}

/** Reads of the API state the tests assert. */
export function reads(h: Harness) {
  return {
    pv: (name: string) =>
      h.client
        .resource(PersistentVolumes)
        .get({ name })
        .catch(() => undefined),
    pvc: (name: string) =>
      h.client
        .resource(PersistentVolumeClaims)
        .get({ namespace: h.ns, name })
        .catch(() => undefined),
    sc: (name: string) =>
      h.client
        .resource(StorageClasses)
        .get({ name })
        .catch(() => undefined),
    reasons: async (name: string) =>
      (await h.client.resource(Events).list({ namespace: h.ns })).items
        .filter((e) => e.involvedObject?.name === name)
        .map((e) => e.reason ?? ""),
  }
}

/**
 * Polls `cond`, advancing the FakeClock a little each round so backoff retries run: 300 rounds,
 * and for at least 10 s of real time, as the provisioner's file system work takes real time (a
 * loaded machine once outlasted 300 rounds of a few turns each).
 */
export async function eventually(h: Harness, cond: () => Promise<boolean>, what: string): Promise<void> {
  const until = performance.now() + 10_000
  for (let i = 0; i < 300 || performance.now() < until; i++) {
    if (await cond()) return
    await h.clock.advance(20)
    for (let j = 0; j < 5; j++) await new Promise((r) => setImmediate(r))
  }
  throw new Error(`Timed out waiting for ${what}`)
}

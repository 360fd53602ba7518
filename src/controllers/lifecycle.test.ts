import assert from "node:assert/strict"
import { after, before, describe, test } from "node:test"
import {
  type ApiObject,
  ConfigMaps,
  Deployments,
  isNotFound,
  Leases,
  Namespaces,
  Nodes,
  type OwnerReference,
  Pods,
  ReplicaSets,
  ServiceAccounts,
} from "../api/index.ts"
import { allControllers } from "./index.ts"
import { startLifecycleEnv, type LifecycleEnv } from "./lifecycle-env.case.ts"

function ref(owner: ApiObject): OwnerReference {
  return {
    apiVersion: owner.apiVersion ?? "",
    kind: owner.kind ?? "",
    name: owner.metadata?.name ?? "",
    uid: owner.metadata?.uid ?? "",
    controller: true,
    blockOwnerDeletion: true,
  }
}

const TEMPLATE = {
  metadata: { labels: { app: "web" } },
  spec: { containers: [{ name: "c", image: "nginx" }] },
}

describe("the lifecycle controllers together", () => {
  let t: LifecycleEnv
  before(async () => {
    t = await startLifecycleEnv(allControllers({ rootCaPem: "PEM" }))
  })
  after(() => t.stop())

  async function workload(ns: string) {
    const d = await t.client.resource(Deployments).create({
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "web", namespace: ns },
      spec: { selector: { matchLabels: { app: "web" } }, template: TEMPLATE },
    })
    const rs = await t.client.resource(ReplicaSets).create({
      apiVersion: "apps/v1",
      kind: "ReplicaSet",
      metadata: { name: "web-1", namespace: ns, ownerReferences: [ref(d)] },
      spec: { selector: { matchLabels: { app: "web" } }, template: TEMPLATE },
    })
    for (const name of ["web-1-a", "web-1-b"]) {
      await t.client.resource(Pods).create({
        apiVersion: "v1",
        kind: "Pod",
        metadata: { name, namespace: ns, labels: { app: "web" }, ownerReferences: [ref(rs)] },
        spec: TEMPLATE.spec,
      })
    }
  }
  const count = async (ns: string) =>
    (await t.client.resource(ReplicaSets).list({ namespace: ns })).items.length +
    (await t.client.resource(Pods).list({ namespace: ns })).items.length

  test("a deployment deleted in the foreground takes its replica sets and pods first", async () => {
    const ns = await t.namespace("all-fg")
    await workload(ns)
    await t.client
      .resource(Deployments)
      .delete({ namespace: ns, name: "web" }, { propagationPolicy: "Foreground" })
    await t.until(
      async () =>
        (await count(ns)) === 0 &&
        (await t.client.resource(Deployments).list({ namespace: ns })).items.length === 0,
      "the cascade",
    )
  })

  test("a namespace with a workload, service account and root CA is emptied and removed", async () => {
    const ns = await t.namespace("all-ns")
    await workload(ns)
    await t.until(
      async () =>
        !!(await t.client
          .resource(ServiceAccounts)
          .get({ namespace: ns, name: "default" })
          .catch(() => undefined)) &&
        !!(await t.client
          .resource(ConfigMaps)
          .get({ namespace: ns, name: "kube-root-ca.crt" })
          .catch(() => undefined)),
      "the default service account and root CA",
    )
    await t.client.resource(Namespaces).delete({ name: ns })
    await t.until(
      () =>
        t.client
          .resource(Namespaces)
          .get({ name: ns })
          .then(
            () => false,
            (err: unknown) => isNotFound(err),
          ),
      "the namespace to go",
    )
    assert.equal(await count(ns), 0)
  })

  test("pods on a node that stops renewing its lease are evicted after their 300 s toleration", async () => {
    await t.client
      .resource(Namespaces)
      .create({ apiVersion: "v1", kind: "Namespace", metadata: { name: "kube-node-lease" } })
      .catch(() => undefined)
    const ns = await t.namespace("all-node")
    const micro = () => `${new Date(t.clock.now()).toISOString().slice(0, -1)}000Z`
    for (const name of ["dying", "alive"]) {
      const now = new Date(t.clock.now()).toISOString()
      await t.client.resource(Nodes).create({
        apiVersion: "v1",
        kind: "Node",
        metadata: { name },
        status: {
          conditions: [{ type: "Ready", status: "True", lastHeartbeatTime: now, lastTransitionTime: now }],
        },
      })
      await t.client.resource(Leases).create({
        apiVersion: "coordination.k8s.io/v1",
        kind: "Lease",
        metadata: { name, namespace: "kube-node-lease" },
        spec: { holderIdentity: name, renewTime: micro() },
      })
    }
    await t.client.resource(Pods).create({
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "victim", namespace: ns },
      spec: { nodeName: "dying", containers: [{ name: "c", image: "busybox" }] },
    })
    /** Moves time on in 10 s steps while "alive" keeps renewing its lease. */
    const advance = async (ms: number) => {
      for (let done = 0; done < ms; done += 10_000) {
        await t.clock.advance(Math.min(10_000, ms - done))
        const lease = await t.client.resource(Leases).get({ namespace: "kube-node-lease", name: "alive" })
        await t.client.resource(Leases).update({ ...lease, spec: { ...lease.spec, renewTime: micro() } })
        await t.settle()
      }
    }
    await t.settle()
    await advance(40_000)
    await t.until(async () => {
      const node = await t.client.resource(Nodes).get({ name: "dying" })
      return !!node.spec?.taints?.some(
        (x) => x.key === "node.kubernetes.io/unreachable" && x.effect === "NoExecute",
      )
    }, "the unreachable taint")
    await t.settle()
    await advance(290_000)
    const alive = await t.client.resource(Pods).get({ namespace: ns, name: "victim" })
    assert.equal(alive.metadata?.deletionTimestamp, undefined)
    await advance(10_000)
    await t.until(async () => {
      const p = await t.client
        .resource(Pods)
        .get({ namespace: ns, name: "victim" })
        .catch(() => undefined)
      return !p || !!p.metadata?.deletionTimestamp
    }, "the pod to be evicted")
  })
})

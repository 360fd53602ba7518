import assert from "node:assert/strict"
import { after, before, describe, test } from "node:test"
import { Deployments, Pods, ReplicaSets } from "../../api/index.ts"
import { startHarness, type Harness } from "../_harness.case.ts"
import { newReplicaSetController } from "../replicaset/index.ts"
import { newDeploymentController } from "./deployment.ts"

const HOLD = "test.k8ts.io/hold"

describe("status.terminatingReplicas", () => {
  let h: Harness
  before(async () => {
    h = await startHarness([newDeploymentController(), newReplicaSetController()])
  })
  after(() => h.stop())

  const terminating = (o: { status?: unknown } | undefined) =>
    (o?.status as { terminatingReplicas?: number } | undefined)?.terminatingReplicas

  test("counts deleted pods that have not finished on the ReplicaSet and the Deployment", async () => {
    // GIVEN a Deployment of 3 whose pods are held by a finalizer once deleted
    await h.client.resource(Deployments).create({
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "web", namespace: h.ns },
      spec: {
        replicas: 3,
        selector: { matchLabels: { app: "web" } },
        template: {
          metadata: { labels: { app: "web" } },
          spec: { containers: [{ name: "c", image: "nginx" }] },
        },
      },
    })
    await h.until(async () => (await h.pods()).length === 3, "3 pods")
    for (const p of await h.pods()) {
      await h.client
        .resource(Pods)
        .patch(
          { namespace: h.ns, name: p.metadata?.name ?? "" },
          { metadata: { finalizers: [HOLD] } },
          { type: "merge" },
        )
    }
    const rs = async () => (await h.client.resource(ReplicaSets).list({ namespace: h.ns })).items[0]
    const deploy = () => h.client.resource(Deployments).get({ namespace: h.ns, name: "web" })
    await h.until(
      async () => terminating(await rs()) === 0 && terminating(await deploy()) === 0,
      "0 terminating",
    )

    // WHEN it scales to 1
    await h.client
      .resource(Deployments)
      .patch({ namespace: h.ns, name: "web" }, { spec: { replicas: 1 } }, { type: "merge" })

    // THEN the two deleted pods count as terminating until they are gone
    await h.until(async () => terminating(await rs()) === 2, "the ReplicaSet's 2 terminating pods")
    await h.until(async () => terminating(await deploy()) === 2, "the Deployment's 2 terminating pods")
    const d = await deploy()
    assert.equal(d.status?.replicas, 1)
    for (const p of await h.pods()) {
      if (!p.metadata?.deletionTimestamp) continue
      await h.client
        .resource(Pods)
        .patch(
          { namespace: h.ns, name: p.metadata.name ?? "" },
          { metadata: { finalizers: null } },
          { type: "merge" },
        )
    }
    await h.until(async () => terminating(await deploy()) === 0, "no terminating pods")
    assert.equal(terminating(await rs()), 0)
  })
})

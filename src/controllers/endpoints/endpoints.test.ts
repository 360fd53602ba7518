import assert from "node:assert/strict"
import { after, before, describe, test } from "node:test"
import type { Endpoints as EndpointsObject, Service } from "kubernetes-types/core/v1.js"
import { type ApiObject, Endpoints, Services } from "../../api/index.ts"
import { until } from "../../testing/index.ts"
import { type LifecycleEnv, startLifecycleEnv } from "../lifecycle-env.case.ts"
import { endpointsController } from "./endpoints.ts"

type Eps = EndpointsObject & ApiObject

let t: LifecycleEnv

function endpoints(name: string, ip: string, annotations?: Record<string, string>): Eps {
  return {
    apiVersion: "v1",
    kind: "Endpoints",
    metadata: { name, namespace: "default", ...(annotations ? { annotations } : {}) },
    subsets: [{ addresses: [{ ip }], ports: [{ port: 5432 }] }],
  }
}

const service = (name: string, selector?: Record<string, string>): Service & ApiObject => ({
  metadata: { name, namespace: "default" },
  spec: { ...(selector ? { selector } : {}), ports: [{ port: 80, protocol: "TCP" }] },
})

const eps = () => t.client.resource(Endpoints)
const get = (name: string) => eps().get({ namespace: "default", name })
const exists = (name: string) =>
  get(name).then(
    () => true,
    () => false,
  )

before(async () => {
  // Written before the controller starts: one left behind by a deleted Service, one holding a
  // leader-election record, and one for a Service without a selector.
  t = await startLifecycleEnv([endpointsController()], async (client) => {
    await client.resource(Endpoints).create(endpoints("left", "10.0.0.1"))
    await client
      .resource(Endpoints)
      .create(endpoints("leader", "10.0.0.2", { "control-plane.alpha.kubernetes.io/leader": "{}" }))
    await client.resource(Services).create(service("db"))
    await client.resource(Endpoints).create(endpoints("db", "10.0.0.3"))
  })
})
after(() => t.stop())

describe("the Endpoints controller, as upstream's", () => {
  test("at its start it deletes Endpoints whose Service is gone, but not a leader-election record", async () => {
    await until("the leftover Endpoints deleted", async () => !(await exists("left")))
    assert.equal(await exists("leader"), true)
  })

  test("Endpoints users write are theirs: for a Service without a selector, or before their Service", async () => {
    await eps().create(endpoints("early", "10.0.0.4"))
    const db = await get("db")
    await eps().update({ ...db, subsets: [{ addresses: [{ ip: "10.0.0.9" }], ports: [{ port: 5432 }] }] })
    // A Service with a selector: once its Endpoints exist, the controller has seen the writes above.
    await t.client.resource(Services).create(service("web", { app: "web" }))
    await until("the Endpoints of web", () => exists("web"))
    assert.equal(await exists("early"), true)
    assert.equal((await get("db")).subsets?.[0]?.addresses?.[0]?.ip, "10.0.0.9")
  })

  test("deleted Endpoints of a Service with a selector are made again", async () => {
    const before = await get("web")
    await eps().delete({ namespace: "default", name: "web" })
    const again = await until("the Endpoints of web again", () =>
      get("web").then((e) => e.metadata?.uid !== before.metadata?.uid && e),
    )
    assert.equal(again.metadata?.name, "web")
  })

  test("the Endpoints of a deleted Service go with it", async () => {
    await t.client.resource(Services).delete({ namespace: "default", name: "web" })
    await until("the Endpoints of web deleted", async () => !(await exists("web")))
  })
})

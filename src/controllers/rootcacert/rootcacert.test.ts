import assert from "node:assert/strict"
import { after, before, describe, test } from "node:test"
import { ConfigMaps } from "../../api/index.ts"
import { startLifecycleEnv, type LifecycleEnv } from "../lifecycle-env.case.ts"
import { DESCRIPTION_ANNOTATION, ROOT_CA_CONFIG_MAP, rootCaCertPublisher } from "./rootcacert.ts"

const PEM = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"

describe("rootCaCertPublisher", () => {
  let t: LifecycleEnv
  before(async () => {
    t = await startLifecycleEnv([rootCaCertPublisher(PEM)])
  })
  after(() => t.stop())

  function read(ns: string) {
    return t.client
      .resource(ConfigMaps)
      .get({ namespace: ns, name: ROOT_CA_CONFIG_MAP })
      .catch(() => undefined)
  }
  async function published(ns: string): Promise<boolean> {
    return (await read(ns))?.data?.["ca.crt"] === PEM
  }

  test("publishes the CA in every namespace with its description", async () => {
    await t.until(() => published("kube-system"), "kube-system's ConfigMap")
    const ns = await t.namespace("ca-new")
    await t.until(() => published(ns), `${ns}'s ConfigMap`)
    const cm = await read(ns)
    assert.deepEqual(cm?.data, { "ca.crt": PEM })
    assert.match(cm?.metadata?.annotations?.[DESCRIPTION_ANNOTATION] ?? "", /^Contains a CA bundle/)
  })

  test("restores the ConfigMap after it is deleted", async () => {
    const ns = await t.namespace("ca-deleted")
    await t.until(() => published(ns), `${ns}'s ConfigMap`)
    const first = await read(ns)
    await t.client.resource(ConfigMaps).delete({ namespace: ns, name: ROOT_CA_CONFIG_MAP })
    await t.until(async () => {
      const cm = await read(ns)
      return !!cm && cm.metadata?.uid !== first?.metadata?.uid && cm.data?.["ca.crt"] === PEM
    }, "a new ConfigMap")
  })

  test("restores the data and annotation after an edit", async () => {
    const ns = await t.namespace("ca-edited")
    await t.until(() => published(ns), `${ns}'s ConfigMap`)
    const cm = await read(ns)
    assert.ok(cm)
    await t.client.resource(ConfigMaps).update({
      ...cm,
      metadata: { ...cm.metadata, annotations: {} },
      data: { "ca.crt": "forged", extra: "x" },
    })
    await t.until(async () => {
      const now = await read(ns)
      return (
        (await published(ns)) &&
        Object.keys(now?.data ?? {}).length === 1 &&
        !!now?.metadata?.annotations?.[DESCRIPTION_ANNOTATION]
      )
    }, "the restored ConfigMap")
  })
})

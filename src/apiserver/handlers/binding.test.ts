/** POST pods/{name}/binding: preconditions, refusals, annotations and PodScheduled, as upstream. */
import assert from "node:assert/strict"
import { test } from "node:test"
import { apiCall, memoryApiServer } from "../../testing/index.ts"
import { FakeClock } from "../../util/index.ts"
import type { ApiServer } from "../server.ts"

let api: ApiServer
memoryApiServer((a) => (api = a), { clock: new FakeClock(Date.UTC(2026, 11, 2, 12, 0, 0)) })

const call = (method: string, path: string, body?: unknown) =>
  apiCall(
    api,
    method,
    path,
    body,
    method === "PATCH" ? { "content-type": "application/merge-patch+json" } : {},
  )
const PODS = "/api/v1/namespaces/default/pods"

async function pod(name: string, extra: { spec?: object; status?: object } = {}): Promise<any> {
  const c = await call("POST", PODS, {
    metadata: { name, annotations: { a: "1" } },
    spec: { containers: [{ name: "c", image: "busybox" }], ...extra.spec },
  })
  assert.equal(c.status, 201, c.text)
  if (!extra.status) return c.json
  const s = await call("PUT", `${PODS}/${name}/status`, {
    ...c.json,
    status: { ...c.json.status, ...extra.status },
  })
  assert.equal(s.status, 200, s.text)
  return s.json
}

const binding = (name: string, meta: object = {}, target: object = { kind: "Node", name: "n1" }) => ({
  apiVersion: "v1",
  kind: "Binding",
  metadata: { name, ...meta },
  target,
})

test("a Binding's uid must be the pod's: a decision for a pod deleted and made again is refused", async () => {
  const old = await pod("again")
  assert.equal((await call("DELETE", `${PODS}/again`, { gracePeriodSeconds: 0 })).status, 200)
  const now = await pod("again")
  const b = await call("POST", `${PODS}/again/binding`, binding("again", { uid: old.metadata.uid }))
  assert.equal(b.status, 409, b.text)
  assert.equal(b.json.reason, "Conflict")
  assert.equal(
    b.json.message,
    `Operation cannot be fulfilled on pods "again": StorageError: invalid object, Code: 4, Key: /registry/pods/default/again, ResourceVersion: 0, AdditionalErrorMsg: Precondition failed: UID in precondition: ${old.metadata.uid}, UID in object meta: ${now.metadata.uid}`,
  )
  assert.equal((await call("GET", `${PODS}/again`)).json.spec.nodeName, undefined, "nothing written")
  const ok = await call("POST", `${PODS}/again/binding`, binding("again", { uid: now.metadata.uid }))
  assert.equal(ok.status, 201, ok.text)
  assert.equal((await call("GET", `${PODS}/again`)).json.spec.nodeName, "n1")
})

test("a Binding's resourceVersion must be the pod's", async () => {
  const p = await pod("rv")
  assert.equal((await call("PATCH", `${PODS}/rv`, { metadata: { labels: { x: "1" } } })).status, 200)
  const stale = await call(
    "POST",
    `${PODS}/rv/binding`,
    binding("rv", { resourceVersion: p.metadata.resourceVersion }),
  )
  assert.equal(stale.status, 409, stale.text)
  assert.match(
    stale.json.message,
    /Precondition failed: ResourceVersion in precondition: \d+, ResourceVersion in object meta: \d+$/,
  )
  const cur = (await call("GET", `${PODS}/rv`)).json
  const ok = await call(
    "POST",
    `${PODS}/rv/binding`,
    binding("rv", { resourceVersion: cur.metadata.resourceVersion }),
  )
  assert.equal(ok.status, 201, ok.text)
})

test("a bound, deleting or gated pod is refused with a conflict on pods/binding", async () => {
  await pod("bound")
  assert.equal((await call("POST", `${PODS}/bound/binding`, binding("bound"))).status, 201)
  const twice = await call("POST", `${PODS}/bound/binding`, binding("bound", {}, { name: "n2" }))
  assert.equal(twice.status, 409)
  assert.equal(
    twice.json.message,
    'Operation cannot be fulfilled on pods/binding "bound": pod bound is already assigned to node "n1"',
  )
  assert.equal(twice.json.details.kind, "pods/binding")

  await pod("gated", { spec: { schedulingGates: [{ name: "example.com/wait" }] } })
  const gated = await call("POST", `${PODS}/gated/binding`, binding("gated"))
  assert.equal(gated.status, 409)
  assert.equal(
    gated.json.message,
    'Operation cannot be fulfilled on pods/binding "gated": pod gated has non-empty .spec.schedulingGates',
  )

  const held = await call("POST", PODS, {
    metadata: { name: "held", finalizers: ["example.com/hold"] },
    spec: { containers: [{ name: "c", image: "busybox" }] },
  })
  assert.equal(held.status, 201)
  await call("DELETE", `${PODS}/held`)
  const deleting = await call("POST", `${PODS}/held/binding`, binding("held"))
  assert.equal(deleting.status, 409)
  assert.equal(
    deleting.json.message,
    'Operation cannot be fulfilled on pods/binding "held": pod held is being deleted, cannot be assigned to a host',
  )
  assert.equal((await call("PATCH", `${PODS}/held`, { metadata: { finalizers: null } })).status, 200)
})

test("a Binding's annotations are merged into the pod's; a name unlike the URL's is refused", async () => {
  await pod("ann")
  const wrong = await call("POST", `${PODS}/ann/binding`, binding("other"))
  assert.equal(wrong.status, 400)
  assert.equal(wrong.json.message, "name in URL does not match name in Binding object")
  const b = await call("POST", `${PODS}/ann/binding`, binding("ann", { annotations: { a: "2", b: "3" } }))
  assert.equal(b.status, 201, b.text)
  assert.deepEqual((await call("GET", `${PODS}/ann`)).json.metadata.annotations, { a: "2", b: "3" })
})

test("PodScheduled turns True where it stands in the list, keeping its time when it was True", async () => {
  const at = "2026-12-02T11:00:00Z"
  await pod("cond", {
    status: {
      conditions: [
        {
          type: "PodScheduled",
          status: "False",
          reason: "Unschedulable",
          message: "0/1 nodes",
          lastTransitionTime: at,
        },
        { type: "example.com/gate", status: "True", lastTransitionTime: at },
      ],
    },
  })
  assert.equal((await call("POST", `${PODS}/cond/binding`, binding("cond"))).status, 201)
  const got = (await call("GET", `${PODS}/cond`)).json
  assert.deepEqual(
    got.status.conditions.map((c: any) => [c.type, c.status, c.reason, c.lastTransitionTime]),
    [
      ["PodScheduled", "True", undefined, "2026-12-02T12:00:00Z"],
      ["example.com/gate", "True", undefined, at],
    ],
  )
})

test("a Binding's target is validated as upstream's ValidatePodBinding; a dry run writes nothing", async () => {
  await pod("val")
  const kind = await call("POST", `${PODS}/val/binding`, binding("val", {}, { kind: "Pod", name: "n1" }))
  assert.equal(kind.status, 422)
  assert.equal(
    kind.json.message,
    'Binding "val" is invalid: target.kind: Unsupported value: "Pod": supported values: "Node", "<empty>"',
  )
  assert.equal((await call("POST", `${PODS}/val/binding`, binding("val", {}, {}))).status, 422)
  const dry = await call("POST", `${PODS}/val/binding?dryRun=All`, binding("val"))
  assert.equal(dry.status, 201, dry.text)
  assert.equal((await call("GET", `${PODS}/val`)).json.spec.nodeName, undefined)
})

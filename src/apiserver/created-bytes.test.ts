/**
 * A created pod's bytes, pinned: the response over HTTP, the value stored and the watch event's
 * line are each exactly what they were when these strings were recorded (only the uid and the
 * resourceVersion are the server's to pick).
 */
import assert from "node:assert/strict"
import { after, before, test } from "node:test"
import { MemoryStore } from "../storage/index.ts"
import { FakeClock } from "../util/index.ts"
import { listen, type Listening } from "./listen.ts"
import { createApiServer } from "./server.ts"

const store = new MemoryStore()
const ac = new AbortController()
let srv: Listening

before(async () => {
  const api = createApiServer({ store, clock: new FakeClock(Date.UTC(2026, 10, 24, 12, 0, 0)) })
  void api.run(ac.signal)
  await api.ready()
  srv = await listen(api, { host: "127.0.0.1", port: 0 })
})
after(async () => {
  ac.abort()
  await srv.close()
})

const POD = {
  apiVersion: "v1",
  kind: "Pod",
  metadata: {
    name: "pinned",
    labels: { app: "web", "pod-template-hash": "7c5ddbdf54" },
    annotations: { "example.com/note": "ünïcode ✓" },
  },
  spec: {
    containers: [
      {
        name: "app",
        image: "registry.k8s.io/pause:3.10",
        ports: [{ containerPort: 8080, protocol: "TCP" }],
        env: [{ name: "A", value: "1" }],
        resources: { requests: { cpu: "100m", memory: "64Mi" }, limits: { cpu: "200m", memory: "128Mi" } },
      },
    ],
    restartPolicy: "Always",
  },
}

const created = (uid: string, rv: string) =>
  `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"pinned","labels":{"app":"web","pod-template-hash":"7c5ddbdf54"},"annotations":{"example.com/note":"ünïcode ✓"},"namespace":"default","uid":"${uid}","generation":1,"creationTimestamp":"2026-11-24T12:00:00Z","managedFields":[{"manager":"node","operation":"Update","apiVersion":"v1","time":"2026-11-24T12:00:00Z","fieldsType":"FieldsV1","fieldsV1":{"f:metadata":{"f:annotations":{".":{},"f:example.com/note":{}},"f:labels":{".":{},"f:app":{},"f:pod-template-hash":{}}},"f:spec":{"f:containers":{".":{},"k:{\\"name\\":\\"app\\"}":{".":{},"f:env":{".":{},"k:{\\"name\\":\\"A\\"}":{".":{},"f:name":{},"f:value":{}}},"f:image":{},"f:imagePullPolicy":{},"f:name":{},"f:ports":{".":{},"k:{\\"containerPort\\":8080,\\"protocol\\":\\"TCP\\"}":{".":{},"f:containerPort":{},"f:protocol":{}}},"f:resources":{"f:limits":{".":{},"f:cpu":{},"f:memory":{}},"f:requests":{".":{},"f:cpu":{},"f:memory":{}}},"f:terminationMessagePath":{},"f:terminationMessagePolicy":{}}},"f:dnsPolicy":{},"f:enableServiceLinks":{},"f:restartPolicy":{},"f:schedulerName":{},"f:securityContext":{},"f:serviceAccount":{},"f:serviceAccountName":{},"f:terminationGracePeriodSeconds":{}}}}],"resourceVersion":"${rv}"},"spec":{"containers":[{"name":"app","image":"registry.k8s.io/pause:3.10","ports":[{"containerPort":8080,"protocol":"TCP"}],"env":[{"name":"A","value":"1"}],"resources":{"requests":{"cpu":"100m","memory":"64Mi"},"limits":{"cpu":"200m","memory":"128Mi"}},"imagePullPolicy":"IfNotPresent","terminationMessagePath":"/dev/termination-log","terminationMessagePolicy":"File"}],"restartPolicy":"Always","serviceAccountName":"default","dnsPolicy":"ClusterFirst","securityContext":{},"terminationGracePeriodSeconds":30,"schedulerName":"default-scheduler","serviceAccount":"default","enableServiceLinks":true,"priority":0,"preemptionPolicy":"PreemptLowerPriority","tolerations":[{"key":"node.kubernetes.io/not-ready","operator":"Exists","effect":"NoExecute","tolerationSeconds":300},{"key":"node.kubernetes.io/unreachable","operator":"Exists","effect":"NoExecute","tolerationSeconds":300}]},"status":{"phase":"Pending","qosClass":"Burstable"}}`

const stored = (uid: string) =>
  `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"pinned","labels":{"app":"web","pod-template-hash":"7c5ddbdf54"},"annotations":{"example.com/note":"ünïcode ✓"},"namespace":"default","uid":"${uid}","generation":1,"creationTimestamp":"2026-11-24T12:00:00Z","managedFields":[{"manager":"node","operation":"Update","apiVersion":"v1","time":"2026-11-24T12:00:00Z","fieldsType":"FieldsV1","fieldsV1":{"f:metadata":{"f:annotations":{".":{},"f:example.com/note":{}},"f:labels":{".":{},"f:app":{},"f:pod-template-hash":{}}},"f:spec":{"f:containers":{".":{},"k:{\\"name\\":\\"app\\"}":{".":{},"f:env":{".":{},"k:{\\"name\\":\\"A\\"}":{".":{},"f:name":{},"f:value":{}}},"f:image":{},"f:imagePullPolicy":{},"f:name":{},"f:ports":{".":{},"k:{\\"containerPort\\":8080,\\"protocol\\":\\"TCP\\"}":{".":{},"f:containerPort":{},"f:protocol":{}}},"f:resources":{"f:limits":{".":{},"f:cpu":{},"f:memory":{}},"f:requests":{".":{},"f:cpu":{},"f:memory":{}}},"f:terminationMessagePath":{},"f:terminationMessagePolicy":{}}},"f:dnsPolicy":{},"f:enableServiceLinks":{},"f:restartPolicy":{},"f:schedulerName":{},"f:securityContext":{},"f:serviceAccount":{},"f:serviceAccountName":{},"f:terminationGracePeriodSeconds":{}}}}]},"spec":{"containers":[{"name":"app","image":"registry.k8s.io/pause:3.10","ports":[{"containerPort":8080,"protocol":"TCP"}],"env":[{"name":"A","value":"1"}],"resources":{"requests":{"cpu":"100m","memory":"64Mi"},"limits":{"cpu":"200m","memory":"128Mi"}},"imagePullPolicy":"IfNotPresent","terminationMessagePath":"/dev/termination-log","terminationMessagePolicy":"File"}],"restartPolicy":"Always","serviceAccountName":"default","dnsPolicy":"ClusterFirst","securityContext":{},"terminationGracePeriodSeconds":30,"schedulerName":"default-scheduler","serviceAccount":"default","enableServiceLinks":true,"priority":0,"preemptionPolicy":"PreemptLowerPriority","tolerations":[{"key":"node.kubernetes.io/not-ready","operator":"Exists","effect":"NoExecute","tolerationSeconds":300},{"key":"node.kubernetes.io/unreachable","operator":"Exists","effect":"NoExecute","tolerationSeconds":300}]},"status":{"phase":"Pending","qosClass":"Burstable"}}`

/** The first line of a watch's body. */
async function firstLine(res: Response): Promise<string> {
  const reader = (res.body as ReadableStream<Uint8Array>).getReader()
  const chunks: Buffer[] = []
  for (;;) {
    const { value, done } = await reader.read()
    if (done) break
    chunks.push(Buffer.from(value))
    const text = Buffer.concat(chunks).toString("utf8")
    const nl = text.indexOf("\n")
    if (nl >= 0) {
      await reader.cancel()
      return text.slice(0, nl + 1)
    }
  }
  return Buffer.concat(chunks).toString("utf8")
}

test("a created pod's response, stored value and ADDED event are byte for byte as recorded", async () => {
  const pods = `${srv.url}/api/v1/namespaces/default/pods`
  const before = (await (await fetch(pods)).json()) as { metadata: { resourceVersion: string } }
  const watching = fetch(`${pods}?watch=true&resourceVersion=${before.metadata.resourceVersion}`)
  const res = await fetch(pods, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(POD),
  })
  const text = await res.text()
  assert.equal(res.status, 201, text)
  assert.equal(res.headers.get("content-type"), "application/json")
  assert.equal(res.headers.get("content-length"), String(Buffer.byteLength(text)))
  assert.equal(res.headers.get("transfer-encoding"), null)
  const { uid, resourceVersion: rv } = (
    JSON.parse(text) as { metadata: { uid: string; resourceVersion: string } }
  ).metadata
  assert.equal(text, created(uid, rv))
  assert.equal((await store.get("/registry/pods/default/pinned"))?.value, stored(uid))
  assert.equal(await firstLine(await watching), `{"type":"ADDED","object":${created(uid, rv)}}\n`)
  const got = await fetch(`${pods}/pinned`)
  assert.equal(await got.text(), created(uid, rv))
})

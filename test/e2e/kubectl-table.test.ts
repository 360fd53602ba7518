/** The real kubectl v1.35 printing the server's Tables: upstream's headers and cells for each kind. */
import assert from "node:assert/strict"
import { writeFileSync } from "node:fs"
import { join } from "node:path"
import { after, before, describe, test } from "node:test"
import { startTestApiServer, type TestApiServer, kubectlSession } from "../../src/testing/index.ts"

let srv: TestApiServer

const { ok } = kubectlSession(() => srv)

const OBJECTS = `
apiVersion: v1
kind: Node
metadata:
  name: node-a
  labels:
    node-role.kubernetes.io/control-plane: ""
---
apiVersion: v1
kind: Pod
metadata:
  name: web-0
spec:
  containers:
  - name: app
    image: nginx
---
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  type: NodePort
  selector:
    app: web
  ports:
  - port: 80
    nodePort: 30080
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 2
  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: web
    spec:
      containers:
      - name: app
        image: nginx:1.27
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: reader
rules:
- apiGroups: [""]
  resources: ["pods"]
  verbs: ["get"]
`

before(async () => {
  srv = await startTestApiServer()
  const file = join(srv.dir, "objects.yaml")
  writeFileSync(file, OBJECTS)
  await ok("create", "--validate=false", "-f", file)
})
after(async () => {
  await srv?.stop()
})

/** The header lines of kubectl's output, each split into its column names. */
function headerLines(out: string): string[][] {
  return out
    .split("\n")
    .filter((l) => l.startsWith("NAME ") || l.startsWith("LAST SEEN "))
    .map((l) => l.trim().split(/\s{2,}/))
}

/** The row whose first cell is `name`, split into cells. */
function rowOf(out: string, name: string): string[] {
  const line = out.split("\n").find((l) => l.split(/\s+/)[0] === name)
  assert.ok(line, `no row ${name} in:\n${out}`)
  return line.trim().split(/\s{2,}/)
}

describe("kubectl get prints upstream's tables", () => {
  test("get pods,svc,deploy,nodes,ns -o wide prints each kind's wide headers", async () => {
    const out = await ok("get", "pods,svc,deploy,nodes,ns", "-o", "wide")
    assert.deepEqual(headerLines(out), [
      ["NAME", "READY", "STATUS", "RESTARTS", "AGE", "IP", "NODE", "NOMINATED NODE", "READINESS GATES"],
      ["NAME", "TYPE", "CLUSTER-IP", "EXTERNAL-IP", "PORT(S)", "AGE", "SELECTOR"],
      ["NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE", "CONTAINERS", "IMAGES", "SELECTOR"],
      [
        "NAME",
        "STATUS",
        "ROLES",
        "AGE",
        "VERSION",
        "INTERNAL-IP",
        "EXTERNAL-IP",
        "OS-IMAGE",
        "KERNEL-VERSION",
        "CONTAINER-RUNTIME",
      ],
      ["NAME", "STATUS", "AGE"],
    ])
  })

  test("get without -o wide leaves out the priority-1 columns", async () => {
    const out = await ok("get", "pods,deploy")
    assert.deepEqual(headerLines(out), [
      ["NAME", "READY", "STATUS", "RESTARTS", "AGE"],
      ["NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE"],
    ])
  })

  test("cells: pod status, service ports, deployment selector, node roles", async () => {
    const pod = rowOf(await ok("get", "pod", "web-0", "-o", "wide"), "web-0")
    assert.deepEqual(pod.slice(1, 4), ["0/1", "Pending", "0"])
    assert.match(pod[4] ?? "", /^\d+s$/)
    assert.deepEqual(pod.slice(5), ["<none>", "<none>", "<none>", "<none>"])
    const svc = rowOf(await ok("get", "svc", "web", "-o", "wide"), "web")
    assert.equal(svc[1], "NodePort")
    assert.equal(svc[3], "<none>")
    assert.equal(svc[4], "80:30080/TCP")
    assert.equal(svc[6], "app=web")
    const deploy = rowOf(await ok("get", "deploy", "web", "-o", "wide"), "web")
    assert.deepEqual([deploy[1], deploy[5], deploy[6], deploy[7]], ["0/2", "app", "nginx:1.27", "app=web"])
    const node = rowOf(await ok("get", "node", "node-a"), "node-a")
    assert.deepEqual(node.slice(1, 3), ["Unknown", "control-plane"])
    const ns = rowOf(await ok("get", "ns", "default"), "default")
    assert.equal(ns[1], "Active")
  })

  test("kinds without a printer print NAME and CREATED AT", async () => {
    const out = await ok("get", "roles")
    assert.deepEqual(headerLines(out), [["NAME", "CREATED AT"]])
    assert.match(rowOf(out, "reader")[1] ?? "", /^\d{4}-\d{2}-\d{2}T/)
  })
})

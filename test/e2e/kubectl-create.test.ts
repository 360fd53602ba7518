/**
 * Every `kubectl create <kind>` generator and `kubectl auth can-i`: client-go's typed clients
 * send these bodies as protobuf only, so each one proves a kind decodes as upstream encodes it.
 */
import assert from "node:assert/strict"
import { after, before, describe, test } from "node:test"
import { startTestApiServer, type TestApiServer, kubectlSession } from "../../src/testing/index.ts"

let srv: TestApiServer

before(async () => {
  srv = await startTestApiServer()
})
after(async () => {
  await srv?.stop()
})

const { k, ok, getJson } = kubectlSession(() => srv)

describe("kubectl create generators (protobuf bodies)", () => {
  test("namespace, configmap and secret keep their data", async () => {
    await ok("create", "namespace", "gen")
    assert.equal((await getJson("namespace", "gen")).metadata.name, "gen")
    await ok("create", "configmap", "cm", "-n", "gen", "--from-literal=a=1", "--from-literal=b=two words")
    assert.deepEqual((await getJson("configmap", "cm", "-n", "gen")).data, { a: "1", b: "two words" })
    await ok("create", "secret", "generic", "s", "-n", "gen", "--from-literal=password=hunter2")
    const s = await getJson("secret", "s", "-n", "gen")
    assert.equal(Buffer.from(s.data.password, "base64").toString(), "hunter2")
    assert.equal(s.type, "Opaque")
    await ok(
      "create",
      "secret",
      "docker-registry",
      "reg",
      "-n",
      "gen",
      "--docker-server=r.example",
      "--docker-username=u",
      "--docker-password=p",
    )
    assert.equal((await getJson("secret", "reg", "-n", "gen")).type, "kubernetes.io/dockerconfigjson")
  })

  test("deployment keeps replicas 0, the image and the port", async () => {
    await ok("create", "deployment", "web", "--image=nginx:1.27", "--replicas=0", "--port=80")
    const d = await getJson("deployment", "web")
    assert.equal(d.spec.replicas, 0)
    assert.equal(d.spec.template.spec.containers[0].image, "nginx:1.27")
    assert.equal(d.spec.template.spec.containers[0].ports[0].containerPort, 80)
    assert.deepEqual(d.spec.selector.matchLabels, { app: "web" })
    assert.equal(d.spec.strategy.rollingUpdate.maxSurge, "25%")
  })

  test("services of each type, with int-or-string target ports", async () => {
    await ok("create", "service", "clusterip", "cip", "--tcp=80:8080")
    const svc = await getJson("service", "cip")
    assert.equal(svc.spec.ports[0].port, 80)
    assert.equal(svc.spec.ports[0].targetPort, 8080)
    await ok("create", "service", "nodeport", "np", "--tcp=443:https")
    assert.equal((await getJson("service", "np")).spec.ports[0].targetPort, "https")
    await ok("create", "service", "externalname", "ext", "--external-name=db.example.com")
    assert.equal((await getJson("service", "ext")).spec.externalName, "db.example.com")
  })

  test("job, cronjob, quota, priorityclass, pdb, role, rolebinding, clusterrole, serviceaccount, ingress", async () => {
    await ok("create", "job", "once", "--image=busybox", "--", "echo", "hi")
    assert.deepEqual((await getJson("job", "once")).spec.template.spec.containers[0].command, ["echo", "hi"])
    await ok("create", "cronjob", "tick", "--image=busybox", "--schedule=*/5 * * * *")
    assert.equal((await getJson("cronjob", "tick")).spec.schedule, "*/5 * * * *")
    await ok("create", "quota", "q", "--hard=cpu=2,memory=1Gi,pods=10")
    assert.deepEqual((await getJson("resourcequota", "q")).spec.hard, { cpu: "2", memory: "1Gi", pods: "10" })
    await ok("create", "priorityclass", "high", "--value=1000", "--description=important")
    assert.equal((await getJson("priorityclass", "high")).value, 1000)
    await ok("create", "poddisruptionbudget", "pdb", "--selector=app=web", "--min-available=50%")
    assert.equal((await getJson("pdb", "pdb")).spec.minAvailable, "50%")
    await ok("create", "role", "reader", "--verb=get,list", "--resource=pods")
    assert.deepEqual((await getJson("role", "reader")).rules[0].verbs, ["get", "list"])
    await ok("create", "rolebinding", "rb", "--role=reader", "--user=alice")
    assert.equal((await getJson("rolebinding", "rb")).subjects[0].name, "alice")
    await ok("create", "clusterrole", "cr", "--verb=get", "--non-resource-url=/healthz")
    assert.deepEqual((await getJson("clusterrole", "cr")).rules[0].nonResourceURLs, ["/healthz"])
    await ok("create", "serviceaccount", "robot")
    assert.equal((await getJson("serviceaccount", "robot")).metadata.name, "robot")
    await ok("create", "ingress", "ing", "--rule=foo.example.com/bar=svc:8080")
    const ing = await getJson("ingress", "ing")
    assert.equal(ing.spec.rules[0].host, "foo.example.com")
    assert.equal(ing.spec.rules[0].http.paths[0].backend.service.port.number, 8080)
  })

  test("auth can-i answers yes while authorization is permissive", async () => {
    assert.equal((await ok("auth", "can-i", "create", "pods")).trim(), "yes")
  })

  test("auth can-i --list shows every rule and auth whoami the certificate's identity", async () => {
    assert.match(await ok("auth", "can-i", "--list"), /^\*\.\*\s+\[\]\s+\[\]\s+\[\*\]$/m)
    const who = JSON.parse(await ok("auth", "whoami", "-o", "json"))
    assert.equal(who.kind, "SelfSubjectReview")
    assert.ok(who.status.userInfo.username)
    assert.ok(who.status.userInfo.groups.includes("system:authenticated"))
  })

  test("delete sends protobuf DeleteOptions", async () => {
    await ok("create", "configmap", "gone", "--from-literal=a=b")
    await ok("delete", "configmap", "gone", "--grace-period=0", "--wait=false")
    const r = await k("get", "configmap", "gone")
    assert.notEqual(r.code, 0)
  })
})

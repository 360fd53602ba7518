/**
 * ResourceQuota and LimitRange through the real kubectl: `kubectl create quota`, the resource
 * quota controller filling status, `kubectl describe quota` showing used and hard, a pod over the
 * quota refused with upstream's message, and LimitRange defaults applied at admission.
 */
import assert from "node:assert/strict"
import { after, before, describe, test } from "node:test"
import { InProcessClient, runController, SharedInformers } from "../../src/client/index.ts"
import { resourceQuotaController } from "../../src/controllers/index.ts"
import { kubectlPath, run, startTestApiServer, type TestApiServer } from "../../src/testing/index.ts"
import { silentLogger, realClock } from "../../src/util/index.ts"

let srv: TestApiServer
let kubectl: string
const stop = new AbortController()
let running: Promise<unknown>

before(async () => {
  kubectl = kubectlPath()
  srv = await startTestApiServer()
  const client = new InProcessClient(srv.api.handle)
  const informers = new SharedInformers(client, { clock: realClock })
  const deps = { client, informers, clock: realClock, log: silentLogger() }
  running = Promise.all([
    informers.run(stop.signal),
    runController(resourceQuotaController(), deps, stop.signal),
  ])
})
after(async () => {
  stop.abort()
  await running
  await srv?.stop()
})

async function kubectlOk(args: string[], input?: string): Promise<string> {
  const r = await run(kubectl, args, { env: srv.env, ...(input !== undefined ? { input } : {}) })
  assert.equal(r.code, 0, `kubectl ${args.join(" ")} failed: ${r.stderr}`)
  return r.stdout
}

async function eventually(probe: () => Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 500; i++) {
    if (await probe()) return
    await new Promise((r) => setTimeout(r, 10))
  }
  assert.fail(`Timed out waiting for ${what}`)
}

function podYaml(name: string, cpu: string): string {
  return [
    "apiVersion: v1",
    "kind: Pod",
    "metadata:",
    `  name: ${name}`,
    "spec:",
    "  containers:",
    "  - name: app",
    "    image: busybox",
    "    resources:",
    `      requests: {cpu: ${cpu}, memory: 32Mi}`,
    `      limits: {cpu: ${cpu}, memory: 32Mi}`,
    "",
  ].join("\n")
}

describe("kubectl and quotas", () => {
  test("create quota, describe it with used and hard, and be refused beyond it", async () => {
    await kubectlOk(["create", "namespace", "team"])
    await kubectlOk([
      "create",
      "quota",
      "compute",
      "-n",
      "team",
      "--hard=pods=2,requests.cpu=1,limits.memory=1Gi",
    ])
    // The controller fills status before the quota is enforced
    await eventually(async () => {
      const q = JSON.parse(await kubectlOk(["get", "quota", "compute", "-n", "team", "-o", "json"]))
      return q.status?.used?.pods === "0"
    }, "the quota's first usage")
    await kubectlOk(["apply", "-n", "team", "-f", "-"], podYaml("a", "250m"))
    await kubectlOk(["apply", "-n", "team", "-f", "-"], podYaml("b", "250m"))
    const describe = await kubectlOk(["describe", "quota", "compute", "-n", "team"])
    assert.match(describe, /^Name:\s+compute$/m)
    assert.match(describe, /^Resource\s+Used\s+Hard$/m)
    assert.match(describe, /^limits\.memory\s+64Mi\s+1Gi$/m)
    assert.match(describe, /^pods\s+2\s+2$/m)
    assert.match(describe, /^requests\.cpu\s+500m\s+1$/m)
    const refused = await run(kubectl, ["apply", "-n", "team", "-f", "-"], {
      env: srv.env,
      input: podYaml("c", "250m"),
    })
    assert.notEqual(refused.code, 0)
    assert.match(
      refused.stderr,
      /Error from server \(Forbidden\).*pods "c" is forbidden: exceeded quota: compute, requested: pods=1, used: pods=2, limited: pods=2/,
    )
  })

  test("a LimitRange's defaults reach a pod created with kubectl", async () => {
    await kubectlOk(["create", "namespace", "ranged"])
    await kubectlOk(
      ["apply", "-n", "ranged", "-f", "-"],
      [
        "apiVersion: v1",
        "kind: LimitRange",
        "metadata: {name: defaults}",
        "spec:",
        "  limits:",
        "  - type: Container",
        "    default: {cpu: 300m, memory: 64Mi}",
        "    defaultRequest: {cpu: 100m}",
        "",
      ].join("\n"),
    )
    await kubectlOk(["run", "web", "-n", "ranged", "--image=busybox", "--restart=Never"])
    const pod = JSON.parse(await kubectlOk(["get", "pod", "web", "-n", "ranged", "-o", "json"]))
    assert.deepEqual(pod.spec.containers[0].resources, {
      requests: { cpu: "100m", memory: "64Mi" },
      limits: { cpu: "300m", memory: "64Mi" },
    })
    assert.equal(
      pod.metadata.annotations["kubernetes.io/limit-ranger"],
      "LimitRanger plugin set: cpu, memory request for container web; cpu, memory limit for container web",
    )
  })
})

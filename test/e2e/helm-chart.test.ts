/**
 * Helm v4 drives a chart as users write them against `k8ts server` with the process runtime:
 * CRDs from crds/, RBAC, a Deployment with a readiness probe, Service, PDB, HPA, Ingress,
 * NetworkPolicy, a custom resource, a pre-install/pre-upgrade hook Job deleted when it succeeds,
 * a test hook, and `lookup`; installed, tested, upgraded, rolled back and uninstalled with --wait.
 */
import assert from "node:assert/strict"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { after, before, test } from "node:test"
import { helmPath, kubectlPath, run, type ServerProcess, startK8tsServer } from "../../src/testing/index.ts"

const dir = mkdtempSync(join(tmpdir(), "k8ts-helm-chart-e2e-"))
const KUBECONFIG = join(dir, "data", "kubeconfig.yaml")
const CHART = join(import.meta.dirname, "testdata", "helm-demo")
let server: ServerProcess | undefined

before(async () => {
  server = await startK8tsServer([
    ...["--data-dir", join(dir, "data"), "--port", "0", "--kubelet-port", "0"],
    ...["--node-name", "helm-node", "--pod-loopback-range", "127.251.0.0/24"],
    ...["--service-loopback-range", "127.208.0.0/12"],
  ])
})
after(async () => {
  await server?.stop()
  rmSync(dir, { recursive: true, force: true })
})

async function ok(bin: string, ...args: string[]): Promise<string> {
  const r = await run(bin, ["--kubeconfig", KUBECONFIG, ...args], {
    env: { ...process.env, HOME: dir },
    timeoutMs: 120_000,
  })
  assert.equal(r.code, 0, `${bin} ${args.join(" ")} failed: ${r.stderr}\n${r.stdout}`)
  return r.stdout
}
const helm = (...args: string[]) => ok(helmPath(), ...args)
const kubectl = (...args: string[]) => ok(kubectlPath(), ...args)

test("helm installs, tests, upgrades, rolls back and uninstalls a chart with hooks, CRDs and --wait", async () => {
  await helm("install", "demo", CHART, "--wait", "--timeout", "90s")
  assert.equal(await kubectl("get", "deploy", "demo", "-o", "jsonpath={.status.readyReplicas}"), "2")
  // lookup found the namespace's root CA ConfigMap at render time.
  assert.equal(await kubectl("get", "cm", "demo-cfg", "-o", "jsonpath={.data.existing}"), "yes")
  assert.equal(await kubectl("get", "widget", "demo", "-o", "jsonpath={.spec.size}"), "3")
  // The hook Job ran to completion before the release's objects, then was deleted (hook-succeeded).
  assert.equal(await kubectl("get", "jobs", "-o", "name"), "")

  const tested = await helm("test", "demo", "--timeout", "60s")
  assert.match(tested, /Phase:\s+Succeeded/)

  await helm("upgrade", "demo", CHART, "--set", "image=nginx:1.28", "--wait", "--timeout", "90s")
  const image = "jsonpath={.spec.template.spec.containers[0].image}"
  assert.equal(await kubectl("get", "deploy", "demo", "-o", image), "nginx:1.28")
  assert.equal(await kubectl("get", "deploy", "demo", "-o", "jsonpath={.status.updatedReplicas}"), "2")

  await helm("rollback", "demo", "1", "--wait", "--timeout", "90s")
  assert.equal(await kubectl("get", "deploy", "demo", "-o", image), "nginx:1.27")
  const history = await helm("history", "demo", "-o", "json")
  assert.deepEqual(
    (JSON.parse(history) as { revision: number; status: string }[]).map((h) => [h.revision, h.status]),
    [
      [1, "superseded"],
      [2, "superseded"],
      [3, "deployed"],
    ],
  )

  await helm("uninstall", "demo", "--wait", "--timeout", "60s")
  const left = await kubectl(
    "get",
    "deploy,svc,pdb,hpa,ingress,networkpolicy,sa,role,rolebinding,cm,widgets",
    "-o",
    "name",
  )
  assert.deepEqual(
    left.split("\n").filter((l) => l.includes("demo")),
    [],
    "the release's objects are gone",
  )
  // Helm leaves CRDs from crds/ in place.
  assert.equal(
    (await kubectl("get", "crd", "widgets.example.com", "-o", "name")).trim(),
    "customresourcedefinition.apiextensions.k8s.io/widgets.example.com",
  )
})

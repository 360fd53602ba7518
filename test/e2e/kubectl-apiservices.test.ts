/**
 * APIServices on `k8ts server`, driven by the real kubectl v1.35: metrics-server's APIService
 * applies (defaulted, validated), the availability controller reports its missing Service as
 * upstream does, the built-in and CRD group versions have local APIServices that are Available,
 * and discovery keeps working beside an unavailable APIService.
 */
import assert from "node:assert/strict"
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { after, before, describe, test } from "node:test"
import {
  helmPath,
  kubectlSession,
  run,
  type ServerProcess,
  serverTarget,
  startK8tsServer,
  until,
} from "../../src/testing/index.ts"

const dir = mkdtempSync(join(tmpdir(), "k8ts-apiservices-e2e-"))
let server: ServerProcess | undefined

before(async () => {
  server = await startK8tsServer([
    ...["--data-dir", dir, "--port", "0", "--runtime", "hollow", "--node-name", "e2e-apiservices"],
  ])
})
after(async () => {
  await server?.stop()
  rmSync(dir, { recursive: true, force: true })
})

const { k, ok, file, getJson } = kubectlSession(() => serverTarget(dir, 60_000))

/** The APIService of metrics-server's release manifest (components.yaml). */
const METRICS_APISERVICE = `
apiVersion: apiregistration.k8s.io/v1
kind: APIService
metadata:
  labels:
    k8s-app: metrics-server
  name: v1beta1.metrics.k8s.io
spec:
  group: metrics.k8s.io
  groupPriorityMinimum: 100
  insecureSkipTLSVerify: true
  service:
    name: metrics-server
    namespace: kube-system
  version: v1beta1
  versionPriority: 100
`

const CRD = `
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.apisvc.example.com
spec:
  group: apisvc.example.com
  scope: Namespaced
  names: { plural: widgets, singular: widget, kind: Widget }
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema: { type: object, x-kubernetes-preserve-unknown-fields: true }
`

/** The APIService lines of `kubectl get apiservices`, by name. */
async function rows(): Promise<Map<string, string>> {
  const out = await ok("get", "apiservices")
  return new Map(
    out
      .trim()
      .split("\n")
      .slice(1)
      .map((line) => [line.split(/\s+/)[0] as string, line]),
  )
}

describe("kubectl with APIServices", () => {
  test("built-in group versions have local APIServices, Available", async () => {
    const lines = await until(
      "the local APIServices",
      async () => {
        const r = await rows()
        return r.has("v1.") && r.has("v1.apps") && r.has("v2.autoscaling") ? r : undefined
      },
      30_000,
    )
    assert.match(
      (await ok("get", "apiservices")).split("\n")[0] as string,
      /^NAME\s+SERVICE\s+AVAILABLE\s+AGE$/,
    )
    assert.match(lines.get("v1.") ?? "", /^v1\.\s+Local\s+True\s+\S+$/)
    assert.match(lines.get("v1.apps") ?? "", /^v1\.apps\s+Local\s+True\s+\S+$/)
    assert.ok(!lines.has("v1.apiregistration.k8s.io"), "upstream has no APIService for its own group")
  })

  test("metrics-server's APIService applies and shows its Service missing", async () => {
    assert.match(
      await ok("apply", "-f", file("metrics-apiservice.yaml", METRICS_APISERVICE)),
      /apiservice.apiregistration.k8s.io\/v1beta1.metrics.k8s.io created/,
    )
    const svc = await getJson("apiservice", "v1beta1.metrics.k8s.io")
    assert.equal(svc.spec.service.port, 443)
    const line = await until("the ServiceNotFound condition", async () => {
      const l = (await rows()).get("v1beta1.metrics.k8s.io") ?? ""
      return /ServiceNotFound/.test(l) ? l : undefined
    })
    assert.match(
      line,
      /^v1beta1\.metrics\.k8s\.io\s+kube-system\/metrics-server\s+False \(ServiceNotFound\)\s+\S+$/,
    )
    const condition = (await getJson("apiservice", "v1beta1.metrics.k8s.io")).status.conditions[0]
    assert.equal(condition.message, 'service/metrics-server in "kube-system" is not present')
    // Discovery still answers in full beside the unavailable APIService
    const resources = await k("api-resources", "--api-group=apiregistration.k8s.io")
    assert.equal(resources.code, 0, resources.stderr)
    assert.match(resources.stdout, /^apiservices\s+apiregistration\.k8s\.io\/v1\s+false\s+APIService$/m)
    assert.match(await ok("get", "nodes"), /e2e-apiservices/)
  })

  test("an APIService whose name is not <version>.<group> is refused", async () => {
    const bad = METRICS_APISERVICE.replace("name: v1beta1.metrics.k8s.io", "name: metrics")
    const r = await k("apply", "-f", file("bad-apiservice.yaml", bad))
    assert.equal(r.code, 1)
    assert.match(
      r.stderr,
      /The APIService "metrics" is invalid: metadata.name: Invalid value: "metrics": must be `spec.version\+"."\+spec.group`: "v1beta1.metrics.k8s.io"/,
    )
  })

  test("a CRD's group version gets a local APIService while the CRD exists", async () => {
    await ok("apply", "-f", file("crd.yaml", CRD))
    const line = await until("v1.apisvc.example.com", async () => (await rows()).get("v1.apisvc.example.com"))
    assert.match(line, /^v1\.apisvc\.example\.com\s+Local\s+True\s+\S+$/)
    await ok("delete", "crd", "widgets.apisvc.example.com")
    await until("v1.apisvc.example.com gone", async () => !(await rows()).has("v1.apisvc.example.com"))
  })

  test("an extension group k8ts cannot serve stays out of discovery", async () => {
    const adapter = METRICS_APISERVICE.replaceAll("metrics.k8s.io", "custom.metrics.k8s.io")
      .replace("name: metrics-server", "name: prometheus-adapter")
      .replace("namespace: kube-system", "namespace: monitoring")
    await ok("apply", "-f", file("adapter-apiservice.yaml", adapter))
    await until("the adapter's ServiceNotFound", async () =>
      /False \(ServiceNotFound\)/.test((await rows()).get("v1beta1.custom.metrics.k8s.io") ?? ""),
    )
    const r = await k("api-resources")
    assert.equal(r.code, 0, r.stderr)
    assert.equal(r.stderr, "")
    assert.doesNotMatch(r.stdout, /custom\.metrics\.k8s\.io/)
    assert.match(await ok("explain", "apiservice.spec.service"), /port\s+<integer>/)
  })

  test("helm installs and uninstalls a chart that registers an extension API server", async () => {
    const chart = join(dir, "adapter-chart")
    mkdirSync(join(chart, "templates"), { recursive: true })
    writeFileSync(join(chart, "Chart.yaml"), "apiVersion: v2\nname: adapter\nversion: 0.1.0\n")
    const registered = METRICS_APISERVICE.replaceAll("metrics.k8s.io", "external.metrics.k8s.io")
      .replace("name: metrics-server", "name: {{ .Release.Name }}")
      .replace("namespace: kube-system", "namespace: {{ .Release.Namespace }}")
    writeFileSync(join(chart, "templates", "apiservice.yaml"), registered)
    const helm = (...args: string[]) =>
      run(helmPath(), [...args, "--kubeconfig", join(dir, "kubeconfig.yaml")], {
        env: { ...process.env, HOME: dir },
      })
    const installed = await helm("install", "adapter", chart)
    assert.equal(installed.code, 0, installed.stderr)
    const line = await until("the chart's APIService", async () => {
      const l = (await rows()).get("v1beta1.external.metrics.k8s.io") ?? ""
      return /ServiceNotFound/.test(l) ? l : undefined
    })
    assert.match(line, /\sdefault\/adapter\s+False \(ServiceNotFound\)/)
    const removed = await helm("uninstall", "adapter")
    assert.equal(removed.code, 0, removed.stderr)
    await until(
      "the chart's APIService gone",
      async () => !(await rows()).has("v1beta1.external.metrics.k8s.io"),
    )
  })
})

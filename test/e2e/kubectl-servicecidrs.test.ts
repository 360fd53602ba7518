/**
 * ServiceCIDRs and IPAddresses on `k8ts server`, driven by the real kubectl v1.35: the default
 * `kubernetes` ServiceCIDR made from --service-cidr (Ready, protected by its finalizer), one
 * IPAddress per Service ClusterIP that goes with its Service, an IPAddress a user makes reserving
 * its address, and a deleted ServiceCIDR kept while an address only it contains is in use.
 */
import assert from "node:assert/strict"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { after, before, describe, test } from "node:test"
import {
  kubectlSession,
  type ServerProcess,
  serverTarget,
  startK8tsServer,
  until,
} from "../../src/testing/index.ts"

const dir = mkdtempSync(join(tmpdir(), "k8ts-servicecidrs-e2e-"))
let server: ServerProcess | undefined

before(async () => {
  server = await startK8tsServer([
    ...["--data-dir", dir, "--port", "0", "--runtime", "hollow", "--node-name", "e2e-servicecidrs"],
    ...["--service-cidr", "10.96.0.0/16"],
  ])
})
after(async () => {
  await server?.stop()
  rmSync(dir, { recursive: true, force: true })
})

const { k, ok, file, getJson } = kubectlSession(() => serverTarget(dir, 60_000))

/** The data lines of a `kubectl get`, split on blanks. */
async function rows(...args: string[]): Promise<string[][]> {
  const out = await ok("get", ...args)
  return out
    .trim()
    .split("\n")
    .map((l) => l.trim().split(/\s+/))
}

describe("kubectl with ServiceCIDRs and IPAddresses", () => {
  test("discovery serves both kinds, ipaddresses with its short name", async () => {
    const out = await ok("api-resources", "--api-group=networking.k8s.io", "--no-headers")
    assert.match(out, /^ipaddresses\s+ip\s+networking\.k8s\.io\/v1\s+false\s+IPAddress$/m)
    assert.match(out, /^servicecidrs\s+networking\.k8s\.io\/v1\s+false\s+ServiceCIDR$/m)
    assert.match(await ok("explain", "servicecidr.spec.cidrs"), /FIELD: cidrs <\[\]string>/)
  })

  test("`kubectl get servicecidrs` shows the default one, Ready and protected", async () => {
    const lines = await rows("servicecidrs")
    assert.deepEqual(lines[0], ["NAME", "CIDRS", "AGE"])
    assert.deepEqual(lines[1]?.slice(0, 2), ["kubernetes", "10.96.0.0/16"])
    const cidr = await until(
      "the default ServiceCIDR Ready and protected",
      async () => {
        const c = await getJson("servicecidr", "kubernetes")
        const ready = c.status?.conditions?.find((x: { type: string }) => x.type === "Ready")
        return ready?.status === "True" && c.metadata.finalizers?.length ? c : undefined
      },
      30_000,
    )
    assert.deepEqual(cidr.metadata.finalizers, ["networking.k8s.io/service-cidr-finalizer"])
  })

  test("a Service's ClusterIP is an IPAddress listed by `kubectl get ipaddresses`, gone with the Service", async () => {
    await ok("create", "service", "clusterip", "web", "--tcp=80:8080")
    const ip = (await getJson("service", "web")).spec.clusterIP as string
    const lines = await rows("ipaddresses")
    assert.deepEqual(lines[0], ["NAME", "PARENTREF"])
    assert.ok(
      lines.some((l) => l[0] === ip && l[1] === "services/default/web"),
      `${ip} in ${JSON.stringify(lines)}`,
    )
    assert.ok(
      lines.some((l) => l[0] === "10.96.0.1" && l[1] === "services/default/kubernetes"),
      "the kubernetes Service's address",
    )
    const obj = await getJson("ip", ip)
    assert.equal(obj.metadata.labels["ipaddress.kubernetes.io/managed-by"], "ipallocator.k8s.io")
    await ok("delete", "service", "web")
    await until("the IPAddress gone", async () => {
      const r = await k("get", "ipaddress", ip)
      return r.code !== 0 && /NotFound/.test(r.stderr) ? true : undefined
    })
  })

  test("an IPAddress a user creates reserves its address", async () => {
    await ok(
      "create",
      "-f",
      file(
        "reserved.yaml",
        `apiVersion: networking.k8s.io/v1
kind: IPAddress
metadata:
  name: 10.96.0.100
spec:
  parentRef:
    group: gateway.networking.k8s.io
    resource: gateways
    namespace: default
    name: gw
`,
      ),
    )
    const r = await k("create", "service", "clusterip", "taken", "--tcp=80:80", "--clusterip=10.96.0.100")
    assert.notEqual(r.code, 0)
    assert.match(
      r.stderr,
      /Service "taken" is invalid: spec.clusterIPs: Invalid value: \["10.96.0.100"\]: failed to allocate IP 10.96.0.100: provided IP is already allocated/,
    )
    const bad = await k(
      "create",
      "-f",
      file(
        "bad-ip.yaml",
        "apiVersion: networking.k8s.io/v1\nkind: IPAddress\nmetadata:\n  name: 10.96.0.0100\nspec: {}\n",
      ),
    )
    assert.notEqual(bad.code, 0)
    assert.match(bad.stderr, /metadata.name: Invalid value: "10.96.0.0100"/)
    assert.match(bad.stderr, /spec.parentRef: Required value/)
    await ok("delete", "ipaddress", "10.96.0.100")
    await ok("create", "service", "clusterip", "taken", "--tcp=80:80", "--clusterip=10.96.0.100")
  })

  test("a deleted ServiceCIDR stays Terminating while an address only it contains is in use", async () => {
    await ok(
      "create",
      "-f",
      file(
        "extra.yaml",
        "apiVersion: networking.k8s.io/v1\nkind: ServiceCIDR\nmetadata:\n  name: extra\nspec:\n  cidrs: [10.200.0.0/24]\n",
      ),
    )
    // An address the allocator gave from it (made by hand: the server allocates only from its own range)
    await ok(
      "create",
      "-f",
      file(
        "in-extra.yaml",
        `apiVersion: networking.k8s.io/v1
kind: IPAddress
metadata:
  name: 10.200.0.5
  labels:
    ipaddress.kubernetes.io/ip-family: IPv4
    ipaddress.kubernetes.io/managed-by: ipallocator.k8s.io
spec:
  parentRef: {resource: services, namespace: default, name: elsewhere}
`,
      ),
    )
    await until(
      "extra protected",
      async () => ((await getJson("servicecidr", "extra")).metadata.finalizers ? true : undefined),
      30_000,
    )
    await ok("delete", "servicecidr", "extra", "--wait=false")
    const held = await until(
      "extra Terminating",
      async () => {
        const c = await getJson("servicecidr", "extra")
        const ready = c.status?.conditions?.find((x: { type: string }) => x.type === "Ready")
        return ready?.status === "False" ? ready : undefined
      },
      30_000,
    )
    assert.equal(held.reason, "Terminating")
    await ok("delete", "ipaddress", "10.200.0.5")
    await ok("wait", "--for=delete", "servicecidr/extra", "--timeout=60s")
  })
})

/**
 * Dynamic Resource Allocation's API (resource.k8s.io/v1) driven by the real kubectl v1.35:
 * discovery lists its four kinds at v1 only, DeviceClasses, ResourceSlices, ResourceClaimTemplates
 * and ResourceClaims are created from YAML and listed with upstream's columns, a selector that
 * does not compile and admin access outside a labelled namespace are refused with upstream's
 * words, a claim's status moves it to allocated,reserved and its allocation then stays, and
 * explain reads the schema. Allocation itself (a scheduler plugin and a driver) is not served.
 */
import assert from "node:assert/strict"
import { describe, test } from "node:test"
import { kubectlSession, testApiServer } from "../../src/testing/index.ts"

const server = testApiServer()
const { k, ok, getJson, file } = kubectlSession(server)

/** The lines of a command's output, split on blanks. */
function rows(out: string): string[][] {
  return out
    .trim()
    .split("\n")
    .map((l) => l.trim().split(/\s+/))
}

const OBJECTS = `apiVersion: resource.k8s.io/v1
kind: DeviceClass
metadata:
  name: gpu.example.com
spec:
  selectors:
  - cel:
      expression: device.driver == "gpu.example.com"
---
apiVersion: resource.k8s.io/v1
kind: ResourceSlice
metadata:
  name: node-a-gpu
spec:
  driver: gpu.example.com
  nodeName: node-a
  pool:
    name: node-a
    generation: 1
    resourceSliceCount: 1
  devices:
  - name: gpu-0
    attributes:
      model: {string: a100}
      driverVersion: {version: 1.2.3}
    capacity:
      memory: {value: 40Gi}
    taints:
    - {key: maintenance, effect: NoSchedule}
---
apiVersion: resource.k8s.io/v1
kind: ResourceClaimTemplate
metadata:
  name: one-gpu
spec:
  spec:
    devices:
      requests:
      - name: gpu
        exactly:
          deviceClassName: gpu.example.com
---
apiVersion: resource.k8s.io/v1
kind: ResourceClaim
metadata:
  name: big-gpu
spec:
  devices:
    requests:
    - name: gpu
      firstAvailable:
      - name: big
        deviceClassName: gpu.example.com
        selectors:
        - cel:
            expression: device.capacity["gpu.example.com"].memory.compareTo(quantity("40Gi")) >= 0
      - name: any
        deviceClassName: gpu.example.com
`

describe("kubectl with resource.k8s.io/v1", () => {
  test("discovery serves the four kinds at v1, and no beta version", async () => {
    const out = await ok("api-resources", "--api-group=resource.k8s.io", "--no-headers")
    assert.deepEqual(rows(out), [
      ["deviceclasses", "resource.k8s.io/v1", "false", "DeviceClass"],
      ["resourceclaims", "resource.k8s.io/v1", "true", "ResourceClaim"],
      ["resourceclaimtemplates", "resource.k8s.io/v1", "true", "ResourceClaimTemplate"],
      ["resourceslices", "resource.k8s.io/v1", "false", "ResourceSlice"],
    ])
    const versions = (await ok("api-versions")).split("\n").filter((v) => v.startsWith("resource.k8s.io/"))
    assert.deepEqual(versions, ["resource.k8s.io/v1"])
  })

  test("objects created from YAML are listed with upstream's columns", async () => {
    const created = await ok("create", "-f", file("dra.yaml", OBJECTS))
    assert.match(created, /deviceclass.resource.k8s.io\/gpu.example.com created/)
    assert.match(created, /resourceclaim.resource.k8s.io\/big-gpu created/)
    assert.deepEqual(
      rows(await ok("get", "deviceclasses")).map((r) => r.slice(0, 1)),
      [["NAME"], ["gpu.example.com"]],
    )
    const slices = rows(await ok("get", "resourceslices"))
    assert.deepEqual(slices[0], ["NAME", "NODE", "DRIVER", "POOL", "AGE"])
    assert.deepEqual(slices[1]?.slice(0, 4), ["node-a-gpu", "node-a", "gpu.example.com", "node-a"])
    const claims = rows(await ok("get", "resourceclaims"))
    assert.deepEqual(claims[0], ["NAME", "STATE", "AGE"])
    assert.deepEqual(claims[1]?.slice(0, 2), ["big-gpu", "pending"])
    assert.deepEqual(rows(await ok("get", "resourceclaimtemplates"))[0], ["NAME", "AGE"])
    // A slice selected by node, as kubelets list theirs
    const byNode = await ok("get", "resourceslices", "--field-selector", "spec.nodeName=node-b", "-o", "name")
    assert.equal(byNode.trim(), "")
  })

  test("the server fills defaults, resets status and counts generations as upstream's strategies", async () => {
    const claim = await getJson("resourceclaim", "big-gpu")
    const [big, any] = claim.spec.devices.requests[0].firstAvailable
    assert.deepEqual(
      [big.allocationMode, big.count, any.allocationMode, any.count],
      ["ExactCount", 1, "ExactCount", 1],
    )
    assert.deepEqual(claim.status, {})
    const slice = await getJson("resourceslice", "node-a-gpu")
    assert.equal(slice.metadata.generation, 1)
    // DRADeviceTaints is off by default in 1.35: the taint is dropped
    assert.equal(slice.spec.devices[0].taints, undefined)
    await ok(
      "patch",
      "resourceslice",
      "node-a-gpu",
      "--type=merge",
      "-p",
      '{"spec":{"pool":{"generation":2}}}',
    )
    assert.equal((await getJson("resourceslice", "node-a-gpu")).metadata.generation, 2)
  })

  test("a selector that does not compile is refused with upstream's message", async () => {
    const r = await k(
      "create",
      "-f",
      file(
        "bad-claim.yaml",
        `apiVersion: resource.k8s.io/v1
kind: ResourceClaim
metadata:
  name: bad
spec:
  devices:
    requests:
    - name: gpu
      exactly:
        deviceClassName: gpu.example.com
        selectors:
        - cel:
            expression: device.attributes[true].someBoolean
`,
      ),
    )
    assert.notEqual(r.code, 0)
    assert.equal(
      r.stderr.trim(),
      `The ResourceClaim "bad" is invalid: spec.devices.requests[0].exactly.selectors[0].cel.expression: Invalid value: "device.attributes[true].someBoolean": compilation failed: ERROR: <input>:1:18: found no matching overload for '_[_]' applied to '(map(string, map(string, any)), bool)'
 | device.attributes[true].someBoolean
 | .................^`,
    )
  })

  test("admin access needs the namespace label", async () => {
    const claim = (ns: string) =>
      file(
        `admin-${ns}.yaml`,
        `apiVersion: resource.k8s.io/v1
kind: ResourceClaim
metadata:
  name: admin
  namespace: ${ns}
spec:
  devices:
    requests:
    - name: gpu
      exactly:
        deviceClassName: gpu.example.com
        adminAccess: true
`,
      )
    const r = await k("create", "-f", claim("default"))
    assert.notEqual(r.code, 0)
    assert.match(
      r.stderr,
      /The ResourceClaim "admin" is invalid: spec.devices.requests\[0\].exactly.adminAccess: Forbidden: admin access to devices requires the `resource.kubernetes.io\/admin-access: true` label on the containing namespace/,
    )
    await ok("create", "namespace", "dra-admin")
    await ok("label", "namespace", "dra-admin", "resource.kubernetes.io/admin-access=true")
    // The label is read from the watch cache: the create is retried until it has it
    let out = ""
    for (let i = 0; i < 50 && !out; i++) {
      const c = await k("create", "-f", claim("dra-admin"))
      if (c.code === 0) out = c.stdout
      else await new Promise((res) => setTimeout(res, 100))
    }
    assert.match(out, /resourceclaim.resource.k8s.io\/admin created/)
  })

  test("a claim's status: reserved only once allocated, then allocated,reserved and its allocation fixed", async () => {
    const reserved =
      '"reservedFor":[{"resource":"pods","name":"web","uid":"3c5e0e5b-0a8f-4a53-9a5e-3b4b1f6a2c10"}]'
    const refused = await k(
      "patch",
      "resourceclaim",
      "big-gpu",
      "--subresource=status",
      "--type=merge",
      "-p",
      `{"status":{${reserved}}}`,
    )
    assert.notEqual(refused.code, 0)
    assert.match(
      refused.stderr,
      /status.reservedFor: Forbidden: may not be specified when `allocated` is not set/,
    )
    const allocation = (device: string) =>
      `"allocation":{"devices":{"results":[{"request":"gpu/big","driver":"gpu.example.com","pool":"node-a","device":"${device}"}]}}`
    await ok(
      "patch",
      "resourceclaim",
      "big-gpu",
      "--subresource=status",
      "--type=merge",
      "-p",
      `{"status":{${allocation("gpu-0")},${reserved}}}`,
    )
    assert.deepEqual(rows(await ok("get", "resourceclaim", "big-gpu", "--no-headers"))[0]?.slice(0, 2), [
      "big-gpu",
      "allocated,reserved",
    ])
    const changed = await k(
      "patch",
      "resourceclaim",
      "big-gpu",
      "--subresource=status",
      "--type=merge",
      "-p",
      `{"status":{${allocation("gpu-1")}}}`,
    )
    assert.notEqual(changed.code, 0)
    assert.match(changed.stderr, /status.allocation: Invalid value: .*: field is immutable/)
    const spec = await k(
      "patch",
      "resourceclaim",
      "big-gpu",
      "--type=json",
      "-p",
      '[{"op":"replace","path":"/spec/devices/requests/0/name","value":"x"}]',
    )
    assert.notEqual(spec.code, 0)
    assert.match(
      spec.stderr,
      /The ResourceClaim "big-gpu" is invalid: spec: Invalid value: \{"Devices":.*: field is immutable/,
    )
  })

  test("explain reads the served schema", async () => {
    const out = await ok("explain", "resourceclaim.spec.devices.requests")
    assert.match(out, /GROUP:\s+resource.k8s.io/)
    assert.match(out, /VERSION:\s+v1/)
    assert.match(out, /FIELD: requests <\[\]DeviceRequest>/)
    assert.match(out, /firstAvailable\s+<\[\]DeviceSubRequest>/)
    assert.match(await ok("explain", "resourceslice.spec.pool"), /resourceSliceCount\s+<integer> -required-/)
  })
})

/** metav1.Time and MicroTime fields as the real kubectl and Python client write and read them. */
import assert from "node:assert/strict"
import { existsSync } from "node:fs"
import { join } from "node:path"
import { describe, test } from "node:test"
import {
  ensureDebianPackage,
  kubectlSession,
  run,
  skipUnless,
  testApiServer,
} from "../../src/testing/index.ts"

const PYTHON = "/usr/bin/python3"
const havePython =
  ensureDebianPackage("python3-kubernetes", "/usr/lib/python3/dist-packages/kubernetes") && existsSync(PYTHON)
const server = testApiServer()
const { k, ok, getJson, file } = kubectlSession(server)

describe("kubectl", () => {
  test("a Lease's MicroTimes written with offsets read back in UTC with six fraction digits", async () => {
    // acquireTime is a YAML timestamp: kubectl sends it as written.
    const lease = `apiVersion: coordination.k8s.io/v1
kind: Lease
metadata:
  name: times
spec:
  holderIdentity: me
  renewTime: "2026-01-02T05:04:05.123456+02:00"
  acquireTime: 2026-01-02T05:04:05.500000-00:30
`
    await ok("create", "-f", file("lease.yaml", lease))
    const got = await getJson("lease", "times")
    assert.equal(got.spec.renewTime, "2026-01-02T03:04:05.123456Z")
    assert.equal(got.spec.acquireTime, "2026-01-02T05:34:05.500000Z")
    const patched = await ok(
      "patch",
      "lease",
      "times",
      "--type=merge",
      "-p",
      '{"spec":{"renewTime":"2026-01-02T05:00:00.000001+02:00"}}',
      "-o",
      "jsonpath={.spec.renewTime}",
    )
    assert.equal(patched, "2026-01-02T03:00:00.000001Z")
  })

  test("a MicroTime without its six fraction digits is refused with Go's parse error", async () => {
    const lease = `apiVersion: coordination.k8s.io/v1
kind: Lease
metadata:
  name: bad-times
spec:
  renewTime: 2026-01-02T05:04:05.5+02:00
`
    const r = await k("create", "-f", file("bad-lease.yaml", lease))
    assert.notEqual(r.code, 0)
    assert.match(
      r.stderr,
      /Error from server \(BadRequest\): error when creating ".*bad-lease.yaml": Lease in version "v1" cannot be handled as a Lease: parsing time "2026-01-02T05:04:05.5\+02:00" as "2006-01-02T15:04:05.000000Z07:00": cannot parse ".5\+02:00" as ".000000"/,
    )
    const p = await k("patch", "lease", "times", "-p", '{"spec":{"renewTime":"2026-01-02T05:00:00Z"}}')
    assert.notEqual(p.code, 0)
    assert.match(
      p.stderr,
      /patch: Invalid value: "map\[spec:map\[renewTime:2026-01-02T05:00:00Z\]\]": parsing time "2026-01-02T05:00:00Z" as "2006-01-02T15:04:05.000000Z07:00": cannot parse "Z" as ".000000"/,
    )
  })

  test("an Event's eventTime, read through both Event APIs", async () => {
    const event = `apiVersion: events.k8s.io/v1
kind: Event
metadata:
  name: timed
eventTime: "2026-01-02T05:04:05.123456+02:00"
reportingController: example.com/c
reportingInstance: i
action: Act
reason: Why
type: Normal
regarding: {kind: Pod, namespace: default, name: p}
`
    await ok("create", "-f", file("event.yaml", event))
    assert.equal((await getJson("events.events.k8s.io", "timed")).eventTime, "2026-01-02T03:04:05.123456Z")
    assert.equal((await getJson("events", "timed")).eventTime, "2026-01-02T03:04:05.123456Z")
  })
})

test(
  "the Python client's datetimes are stored in UTC, and refused without a zone or a fraction as upstream refuses them",
  skipUnless(havePython, "python3-kubernetes is not installed (apt-get install python3-kubernetes)"),
  async () => {
    const srv = server()
    const r = await run(PYTHON, [join(import.meta.dirname, "python_times.py"), srv.kubeconfig], {
      env: { ...srv.env, PYTHONPATH: "" },
    })
    assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`)
    assert.match(r.stdout, /all checks passed/)
  },
)

import assert from "node:assert/strict"
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { after, test } from "node:test"
import type { Container } from "kubernetes-types/core/v1.js"
import { ContainerConfigError } from "../env.ts"
import { expandSubPathExpr, type MountedVolume, volumeMounts } from "./volume-mounts.ts"

const root = mkdtempSync(join(tmpdir(), "k8ts-mounts-"))
after(() => rmSync(root, { recursive: true, force: true }))
const data = join(root, "data")
const outside = join(root, "outside")
mkdirSync(join(data, "logs"), { recursive: true })
mkdirSync(outside)
writeFileSync(join(data, "file"), "x")
symlinkSync(outside, join(data, "escape"))
const volumes = new Map<string, MountedVolume>([
  ["data", { path: data, readOnly: false }],
  ["config", { path: join(root, "config"), readOnly: true }],
])

function container(mounts: Container["volumeMounts"]): Container {
  return { name: "app", volumeMounts: mounts }
}

test("volumeMounts() maps mounts to node paths, subPaths inside the volume, read-only as asked or forced", () => {
  mkdirSync(join(root, "config"))
  const got = volumeMounts(
    container([
      { name: "data", mountPath: "/data" },
      { name: "data", mountPath: "/logs", subPath: "logs", readOnly: true },
      { name: "data", mountPath: "/new", subPath: "made/here" },
      { name: "config", mountPath: "/etc/config" },
    ]),
    { volumes, env: {} },
  )
  assert.deepEqual(got, [
    { hostPath: data, containerPath: "/data", readOnly: false },
    { hostPath: join(data, "logs"), containerPath: "/logs", readOnly: true },
    { hostPath: join(data, "made/here"), containerPath: "/new", readOnly: false },
    { hostPath: join(root, "config"), containerPath: "/etc/config", readOnly: true },
  ])
})

test("volumeMounts() expands subPathExpr from the container's environment", () => {
  const got = volumeMounts(
    container([{ name: "data", mountPath: "/out", subPathExpr: "logs/$(POD_NAME)" }]),
    {
      volumes,
      env: { POD_NAME: "web-1" },
    },
  )
  assert.equal(got[0]?.hostPath, join(data, "logs/web-1"))
})

const rejected: { name: string; mount: NonNullable<Container["volumeMounts"]>[number]; want: string }[] = [
  {
    name: "a subPath with ..",
    mount: { name: "data", mountPath: "/x", subPath: "../outside" },
    want: "unable to provision SubPath `../outside`: must not contain '..'",
  },
  {
    name: "an absolute subPath",
    mount: { name: "data", mountPath: "/x", subPath: "/etc" },
    want: "error SubPath `/etc` must not be an absolute path",
  },
  {
    name: "a subPath through a symlink out of the volume",
    mount: { name: "data", mountPath: "/x", subPath: "escape" },
    want: 'failed to prepare subPath for volumeMount "data" of container "app"',
  },
  {
    name: "a subPathExpr with an unset variable",
    mount: { name: "data", mountPath: "/x", subPathExpr: "$(B)/$(A)" },
    want: "missing value for A, B",
  },
  {
    name: "an unknown volume",
    mount: { name: "nope", mountPath: "/x" },
    want: 'cannot find volume "nope" to mount into container "app"',
  },
]

for (const c of rejected) {
  test(`volumeMounts() rejects ${c.name}`, () => {
    assert.throws(
      () => volumeMounts(container([c.mount]), { volumes, env: {} }),
      (err: unknown) => err instanceof ContainerConfigError && err.message === c.want,
    )
  })
}

test("expandSubPathExpr() keeps $$ as $", () => {
  assert.equal(expandSubPathExpr("a$$b/$(X)", { X: "x" }), "a$b/x")
})

import assert from "node:assert/strict"
import { test } from "node:test"
import type { Volume } from "kubernetes-types/core/v1.js"
import { printed } from "./_fixtures.ts"
import { validateVolumes } from "./volumes.ts"

const cases: { name: string; input: Volume[]; want: string[] }[] = [
  {
    name: "validateVolumes() accepts configMap items",
    input: [{ name: "cfg", configMap: { name: "c", items: [{ key: "a", path: "a.conf" }] } }],
    want: [],
  },
  {
    name: "validateVolumes() wants relative item paths",
    input: [{ name: "cfg", configMap: { name: "c", items: [{ key: "a", path: "/etc/a" }] } }],
    want: ['v[0].configMap.items[0].path: Invalid value: "/etc/a": must be a relative path'],
  },
  {
    name: "validateVolumes() refuses backsteps in host paths",
    input: [{ name: "h", hostPath: { path: "/var/../etc" } }],
    want: ["v[0].hostPath.path: Invalid value: \"/var/../etc\": must not contain '..'"],
  },
  {
    name: "validateVolumes() needs a claim name",
    input: [{ name: "data", persistentVolumeClaim: { claimName: "" } }],
    want: ["v[0].persistentVolumeClaim.claimName: Required value"],
  },
  {
    name: "validateVolumes() checks host path types",
    input: [{ name: "h", hostPath: { path: "/x", type: "Folder" } }],
    want: [
      'v[0].hostPath.type: Unsupported value: "Folder": supported values: "", "BlockDevice", "CharDevice", "Directory", "DirectoryOrCreate", "File", "FileOrCreate", "Socket"',
    ],
  },
]

for (const c of cases) {
  test(c.name, () => {
    assert.deepEqual(printed(validateVolumes(c.input, "v", true).errors), c.want)
  })
}

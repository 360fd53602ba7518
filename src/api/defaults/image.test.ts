import assert from "node:assert/strict"
import { test } from "node:test"
import { defaultPullPolicy } from "./image.ts"

const cases: { name: string; input: string; want: string }[] = [
  { name: "defaultPullPolicy() pulls an untagged image always", input: "nginx", want: "Always" },
  { name: "defaultPullPolicy() pulls :latest always", input: "nginx:latest", want: "Always" },
  {
    name: "defaultPullPolicy() pulls a tagged image if not present",
    input: "nginx:1.27",
    want: "IfNotPresent",
  },
  {
    name: "defaultPullPolicy() reads the tag after a registry port",
    input: "localhost:5000/app",
    want: "Always",
  },
  {
    name: "defaultPullPolicy() reads a tag after a registry port",
    input: "localhost:5000/app:v1",
    want: "IfNotPresent",
  },
  {
    name: "defaultPullPolicy() pulls a digest if not present",
    input: `busybox@sha256:${"a".repeat(64)}`,
    want: "IfNotPresent",
  },
  {
    name: "defaultPullPolicy() treats an unparseable reference as untagged-with-error",
    input: "Nginx",
    want: "IfNotPresent",
  },
]

for (const c of cases) {
  test(c.name, () => {
    assert.equal(defaultPullPolicy(c.input), c.want)
  })
}

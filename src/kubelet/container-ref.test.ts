import assert from "node:assert/strict"
import { test } from "node:test"
import type { Pod } from "kubernetes-types/core/v1.js"
import { containerFieldPath } from "./container-ref.ts"

const pod: Pod = {
  metadata: { name: "p", namespace: "default" },
  spec: {
    initContainers: [{ name: "setup" }],
    containers: [{ name: "app" }, { name: "" }],
    ephemeralContainers: [{ name: "debugger" }],
  },
}

test("a container's fieldPath names its list and itself, as upstream's GenerateContainerRef", () => {
  assert.equal(containerFieldPath(pod, "app"), "spec.containers{app}")
  assert.equal(containerFieldPath(pod, "setup"), "spec.initContainers{setup}")
  assert.equal(containerFieldPath(pod, "debugger"), "spec.ephemeralContainers{debugger}")
  assert.equal(containerFieldPath(pod, ""), "spec.containers[1]")
  assert.equal(containerFieldPath(pod, "gone"), "implicitly required container gone")
})

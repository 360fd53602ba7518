import assert from "node:assert/strict"
import { test } from "node:test"
import type { EphemeralContainer, Pod } from "kubernetes-types/core/v1.js"
import { pod, printed, stored } from "./_fixtures.ts"
import { validatePod } from "./pod.ts"
import { validatePodEphemeralContainersUpdate } from "./pod-ephemeral.ts"

/** A defaulted ephemeral container, as kubectl debug sends it once defaulted. */
function debug(name = "debugger", extra: Partial<EphemeralContainer> = {}): EphemeralContainer {
  return {
    name,
    image: "busybox",
    imagePullPolicy: "Always",
    terminationMessagePath: "/dev/termination-log",
    terminationMessagePolicy: "File",
    resources: {},
    stdin: true,
    tty: true,
    ...extra,
  }
}

const base = stored(pod({ nodeName: "node-1" }))

function withEphemeral(old: Pod, ...ecs: EphemeralContainer[]): Pod {
  return { ...old, spec: { ...old.spec!, ephemeralContainers: ecs } }
}

const cases: { name: string; old?: Pod; input: EphemeralContainer[]; want: string[] }[] = [
  { name: "adds a debugger", input: [debug()], want: [] },
  { name: "adds one targeting a container", input: [debug("d", { targetContainerName: "web" })], want: [] },
  {
    name: "requires a name and an image",
    input: [debug("", { image: "" })],
    want: [
      "spec.ephemeralContainers[0].name: Required value",
      "spec.ephemeralContainers[0].image: Required value",
    ],
  },
  {
    name: "names are unique across all containers",
    input: [debug("web"), debug("d"), debug("d")],
    want: [
      'spec.ephemeralContainers[0].name: Duplicate value: "web"',
      'spec.ephemeralContainers[2].name: Duplicate value: "d"',
    ],
  },
  {
    name: "targetContainerName must name a regular or init container",
    input: [debug("a"), debug("d", { targetContainerName: "a" })],
    want: ['spec.ephemeralContainers[1].targetContainerName: Not found: "a"'],
  },
  {
    name: "forbids ports, resources, probes, lifecycle and restartPolicy",
    input: [
      debug("d", {
        ports: [{ containerPort: 80, protocol: "TCP" }],
        resources: { limits: { cpu: "1" } },
        readinessProbe: { exec: { command: ["true"] } },
        lifecycle: { preStop: { exec: { command: ["true"] } } },
        restartPolicy: "Always",
      }),
    ],
    want: [
      "spec.ephemeralContainers[0].ports: Forbidden: cannot be set for an Ephemeral Container",
      "spec.ephemeralContainers[0].resources: Forbidden: cannot be set for an Ephemeral Container",
      "spec.ephemeralContainers[0].restartPolicy: Forbidden: cannot be set for an Ephemeral Container",
      "spec.ephemeralContainers[0].readinessProbe: Forbidden: cannot be set for an Ephemeral Container",
      "spec.ephemeralContainers[0].lifecycle: Forbidden: cannot be set for an Ephemeral Container",
    ],
  },
  {
    name: "forbids volume subPaths",
    old: stored(pod({ nodeName: "node-1", volumes: [{ name: "v", emptyDir: {} }] })),
    input: [debug("d", { volumeMounts: [{ name: "v", mountPath: "/v", subPath: "x" }] })],
    want: [
      "spec.ephemeralContainers[0].volumeMounts[0].subPath: Forbidden: cannot be set for an Ephemeral Container",
    ],
  },
  {
    name: "checks the image for whitespace",
    input: [debug("d", { image: " busybox" })],
    want: [
      'spec.ephemeralContainers[0].image: Invalid value: " busybox": must not have leading or trailing whitespace',
    ],
  },
]

for (const c of cases) {
  test(`validatePodEphemeralContainersUpdate() ${c.name}`, () => {
    const old = c.old ?? base
    const errs = validatePodEphemeralContainersUpdate(withEphemeral(old, ...c.input), old)
    assert.deepEqual(printed(errs), c.want)
  })
}

test("validatePodEphemeralContainersUpdate() refuses removing or changing existing ones", () => {
  const old = withEphemeral(base, debug("a"), debug("b"))
  const errs = validatePodEphemeralContainersUpdate(withEphemeral(base, debug("b", { image: "alpine" })), old)
  assert.deepEqual(
    errs.map((e) => [e.field, e.message.split("\n")[0]]),
    [
      ["spec.ephemeralContainers", 'Forbidden: existing ephemeral containers "a" may not be removed'],
      ["spec.ephemeralContainers[b]", 'Forbidden: existing ephemeral containers "b" may not be changed'],
    ],
  )
})

test("validatePodEphemeralContainersUpdate() keeps existing ones in any order", () => {
  const old = withEphemeral(base, debug("a"), debug("b"))
  assert.deepEqual(
    validatePodEphemeralContainersUpdate(withEphemeral(base, debug("b"), debug("a"), debug("c")), old),
    [],
  )
})

test("validatePodEphemeralContainersUpdate() refuses static pods", () => {
  const mirror = stored(pod({ nodeName: "node-1" }, { annotations: { "kubernetes.io/config.mirror": "x" } }))
  const errs = validatePodEphemeralContainersUpdate(withEphemeral(mirror, debug()), mirror)
  assert.deepEqual(printed(errs), [": Forbidden: static pods do not support ephemeral containers"])
})

test("validatePod() refuses ephemeral containers on create, and changes through the main resource", () => {
  assert.deepEqual(printed(validatePod(withEphemeral(pod(), debug()))), [
    "spec.ephemeralContainers: Forbidden: cannot be set on create",
  ])
  const errs = validatePod(withEphemeral(base, debug()), base)
  assert.match(printed(errs).join("\n"), /^spec: Forbidden: pod updates may not change fields/)
})

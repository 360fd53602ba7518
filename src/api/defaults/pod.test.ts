import assert from "node:assert/strict"
import { test } from "node:test"
import type { Pod } from "kubernetes-types/core/v1.js"
import { defaultPod } from "./pod.ts"

const DEFAULTED_CONTAINER = {
  name: "web",
  image: "nginx",
  imagePullPolicy: "Always",
  terminationMessagePath: "/dev/termination-log",
  terminationMessagePolicy: "File",
  resources: {},
}

const cases: { name: string; input: { pod: Pod; creating: boolean }; want: unknown }[] = [
  {
    name: "defaultPod() fills a minimal pod on create",
    input: {
      pod: { metadata: { name: "p" }, spec: { containers: [{ name: "web", image: "nginx" }] } },
      creating: true,
    },
    want: {
      metadata: { name: "p" },
      spec: {
        containers: [DEFAULTED_CONTAINER],
        serviceAccountName: "default",
        serviceAccount: "default",
        dnsPolicy: "ClusterFirst",
        restartPolicy: "Always",
        securityContext: {},
        terminationGracePeriodSeconds: 30,
        schedulerName: "default-scheduler",
        enableServiceLinks: true,
      },
    },
  },
  {
    name: "defaultPod() leaves admission fields alone on update",
    input: {
      pod: { metadata: { name: "p" }, spec: { containers: [{ name: "web", image: "nginx" }] } },
      creating: false,
    },
    want: {
      metadata: { name: "p" },
      spec: {
        containers: [DEFAULTED_CONTAINER],
        dnsPolicy: "ClusterFirst",
        restartPolicy: "Always",
        securityContext: {},
        terminationGracePeriodSeconds: 30,
        schedulerName: "default-scheduler",
        enableServiceLinks: true,
      },
    },
  },
  {
    name: "defaultPod() copies limits into missing requests",
    input: {
      pod: {
        spec: {
          containers: [
            {
              name: "c",
              image: "x:1",
              resources: { limits: { cpu: "1", memory: "1Gi" }, requests: { cpu: "500m" } },
            },
          ],
        },
      },
      creating: false,
    },
    want: { cpu: "500m", memory: "1Gi" },
  },
  {
    name: "defaultPod() defaults ports, probes and volumes",
    input: {
      pod: {
        spec: {
          hostNetwork: true,
          containers: [
            {
              name: "c",
              image: "x:1",
              ports: [{ containerPort: 80 }],
              readinessProbe: { httpGet: { port: 80 } },
            },
          ],
          volumes: [{ name: "a" }, { name: "b", secret: { secretName: "s" } }],
        },
      },
      creating: false,
    },
    want: {
      ports: [{ containerPort: 80, protocol: "TCP", hostPort: 80 }],
      probe: {
        httpGet: { port: 80, path: "/", scheme: "HTTP" },
        timeoutSeconds: 1,
        periodSeconds: 10,
        successThreshold: 1,
        failureThreshold: 3,
      },
      volumes: [
        { name: "a", emptyDir: {} },
        { name: "b", secret: { secretName: "s", defaultMode: 420 } },
      ],
    },
  },
]

function view(name: string, pod: Pod): unknown {
  const spec = pod.spec!
  const c = spec.containers[0]!
  if (name.includes("requests")) return c.resources?.requests
  if (name.includes("probes")) return { ports: c.ports, probe: c.readinessProbe, volumes: spec.volumes }
  return pod
}

for (const c of cases) {
  test(c.name, () => {
    const pod = structuredClone(c.input.pod)
    defaultPod(pod, c.input.creating)
    assert.deepEqual(view(c.name, pod), c.want)
  })
}

test("defaultPod() is idempotent", () => {
  const pod: Pod = { spec: { containers: [{ name: "c", image: "x" }] } }
  defaultPod(pod, true)
  const once = structuredClone(pod)
  defaultPod(pod, true)
  assert.deepEqual(pod, once)
})

test("defaultPod() defaults an absent spec as Go's value-typed spec is", () => {
  const pod: Pod = { metadata: { name: "p" } }
  defaultPod(pod, true)
  assert.equal(pod.spec?.restartPolicy, "Always")
  assert.equal(pod.spec?.dnsPolicy, "ClusterFirst")
  assert.equal(pod.spec?.terminationGracePeriodSeconds, 30)
})

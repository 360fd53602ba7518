/**
 * No write body makes a handler crash: valid objects of many kinds, with a few values swapped for
 * junk (nulls, wrong types, odd numbers and strings, directive keys), sent as creates, updates,
 * merge, strategic merge and JSON patches and applies. Every answer must be a success or a Status;
 * a 500 is only allowed where upstream answers one itself (its plain errors carry no reason:
 * strategic merge and typed-patch errors), never the InternalError of a handler that threw.
 * The junk is drawn from a seeded generator, so a failure reproduces.
 */
import assert from "node:assert/strict"
import { describe, test } from "node:test"
import { apiCall, memoryApiServer } from "../testing/index.ts"
import type { ApiServer } from "./server.ts"

let api: ApiServer
memoryApiServer((started) => (api = started))

/** mulberry32: a small seeded generator of numbers in [0, 1). */
function generator(seed: number): () => number {
  let s = seed >>> 0
  return () => {
    s = (s + 0x6d2b79f5) >>> 0
    let t = s
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const JUNK: readonly unknown[] = [
  null,
  0,
  -1,
  1.5,
  2 ** 53 + 2,
  "",
  "x",
  "-1",
  "0x10",
  "1e400",
  true,
  [],
  {},
  [null],
  [1, "a"],
  { a: null },
  { "": 1 },
  [[[[]]]],
  { $patch: "delete" },
  { $retainKeys: 5 },
  "\u0000\ud800",
  "100000000000000000000000000Gi",
  [{}],
  [{ name: null }],
]

const container = {
  name: "c",
  image: "nginx",
  ports: [{ containerPort: 80 }],
  env: [{ name: "A", value: "b" }],
  resources: { requests: { cpu: "100m" }, limits: { memory: "1Gi" } },
  volumeMounts: [{ name: "v", mountPath: "/v" }],
}
const podSpec = {
  containers: [container],
  volumes: [{ name: "v", emptyDir: {} }],
  tolerations: [{ key: "k", operator: "Exists" }],
  affinity: {
    nodeAffinity: {
      requiredDuringSchedulingIgnoredDuringExecution: {
        nodeSelectorTerms: [{ matchExpressions: [{ key: "a", operator: "In", values: ["b"] }] }],
      },
    },
  },
}
const template = { metadata: { labels: { app: "a" } }, spec: podSpec }
const selector = { matchLabels: { app: "a" } }

/** A collection and a valid object of its kind, named. */
const KINDS: readonly [string, (name: string) => Record<string, unknown>][] = [
  [
    "/api/v1/namespaces/default/pods",
    (name) => ({ apiVersion: "v1", kind: "Pod", metadata: { name }, spec: podSpec }),
  ],
  [
    "/api/v1/namespaces/default/services",
    (name) => ({
      apiVersion: "v1",
      kind: "Service",
      metadata: { name },
      spec: {
        selector: { app: "a" },
        ports: [{ name: "http", port: 80, targetPort: 8080 }],
        sessionAffinity: "ClientIP",
      },
    }),
  ],
  [
    "/api/v1/namespaces/default/secrets",
    (name) => ({
      apiVersion: "v1",
      kind: "Secret",
      metadata: { name },
      data: { a: "YQ==" },
      stringData: { b: "c" },
    }),
  ],
  [
    "/api/v1/namespaces/default/endpoints",
    (name) => ({
      apiVersion: "v1",
      kind: "Endpoints",
      metadata: { name },
      subsets: [{ addresses: [{ ip: "10.0.0.1" }], ports: [{ port: 80 }] }],
    }),
  ],
  [
    "/api/v1/namespaces/default/persistentvolumeclaims",
    (name) => ({
      apiVersion: "v1",
      kind: "PersistentVolumeClaim",
      metadata: { name },
      spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "1Gi" } } },
    }),
  ],
  [
    "/api/v1/nodes",
    (name) => ({
      apiVersion: "v1",
      kind: "Node",
      metadata: { name },
      spec: { taints: [{ key: "k", effect: "NoSchedule" }], podCIDR: "10.244.0.0/24" },
    }),
  ],
  [
    "/apis/apps/v1/namespaces/default/deployments",
    (name) => ({
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name },
      spec: {
        replicas: 1,
        selector,
        template,
        strategy: { rollingUpdate: { maxSurge: "25%", maxUnavailable: 1 } },
      },
    }),
  ],
  [
    "/apis/apps/v1/namespaces/default/statefulsets",
    (name) => ({
      apiVersion: "apps/v1",
      kind: "StatefulSet",
      metadata: { name },
      spec: {
        serviceName: "s",
        selector,
        template,
        volumeClaimTemplates: [
          {
            metadata: { name: "d" },
            spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "1Gi" } } },
          },
        ],
      },
    }),
  ],
  [
    "/apis/batch/v1/namespaces/default/jobs",
    (name) => ({
      apiVersion: "batch/v1",
      kind: "Job",
      metadata: { name },
      spec: {
        completions: 2,
        completionMode: "Indexed",
        template: { spec: { ...podSpec, restartPolicy: "Never" } },
        podFailurePolicy: { rules: [{ action: "FailJob", onExitCodes: { operator: "In", values: [1] } }] },
      },
    }),
  ],
  [
    "/apis/batch/v1/namespaces/default/cronjobs",
    (name) => ({
      apiVersion: "batch/v1",
      kind: "CronJob",
      metadata: { name },
      spec: {
        schedule: "*/5 * * * *",
        timeZone: "Etc/UTC",
        jobTemplate: { spec: { template: { spec: { ...podSpec, restartPolicy: "OnFailure" } } } },
      },
    }),
  ],
  [
    "/apis/autoscaling/v2/namespaces/default/horizontalpodautoscalers",
    (name) => ({
      apiVersion: "autoscaling/v2",
      kind: "HorizontalPodAutoscaler",
      metadata: { name },
      spec: {
        scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: "d" },
        maxReplicas: 5,
        metrics: [
          {
            type: "Resource",
            resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 50 } },
          },
        ],
      },
    }),
  ],
  [
    "/apis/networking.k8s.io/v1/namespaces/default/ingresses",
    (name) => ({
      apiVersion: "networking.k8s.io/v1",
      kind: "Ingress",
      metadata: { name },
      spec: {
        rules: [
          {
            host: "a.b",
            http: {
              paths: [
                { path: "/", pathType: "Prefix", backend: { service: { name: "s", port: { number: 80 } } } },
              ],
            },
          },
        ],
      },
    }),
  ],
  [
    "/apis/networking.k8s.io/v1/namespaces/default/networkpolicies",
    (name) => ({
      apiVersion: "networking.k8s.io/v1",
      kind: "NetworkPolicy",
      metadata: { name },
      spec: {
        podSelector: selector,
        ingress: [
          { from: [{ ipBlock: { cidr: "10.0.0.0/8", except: ["10.1.0.0/16"] } }], ports: [{ port: 80 }] },
        ],
      },
    }),
  ],
  [
    "/apis/discovery.k8s.io/v1/namespaces/default/endpointslices",
    (name) => ({
      apiVersion: "discovery.k8s.io/v1",
      kind: "EndpointSlice",
      metadata: { name },
      addressType: "IPv4",
      endpoints: [{ addresses: ["10.0.0.1"], conditions: { ready: true } }],
      ports: [{ port: 80 }],
    }),
  ],
  [
    "/apis/rbac.authorization.k8s.io/v1/namespaces/default/rolebindings",
    (name) => ({
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "RoleBinding",
      metadata: { name },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "r" },
      subjects: [{ kind: "User", name: "u" }],
    }),
  ],
  [
    "/apis/policy/v1/namespaces/default/poddisruptionbudgets",
    (name) => ({
      apiVersion: "policy/v1",
      kind: "PodDisruptionBudget",
      metadata: { name },
      spec: { minAvailable: "50%", selector },
    }),
  ],
]

/** The path of every value in `o`, from the root (the root itself excluded). */
function paths(
  o: unknown,
  at: (string | number)[] = [],
  out: (string | number)[][] = [],
): (string | number)[][] {
  if (at.length) out.push(at)
  if (Array.isArray(o)) o.forEach((v, i) => paths(v, [...at, i], out))
  else if (o && typeof o === "object") for (const [k, v] of Object.entries(o)) paths(v, [...at, k], out)
  return out
}

/** `o` with one to three values replaced by junk, removed, or joined by an unknown field. */
function mutated(o: unknown, rnd: () => number): unknown {
  const c = structuredClone(o)
  const n = 1 + Math.floor(rnd() * 3)
  for (let k = 0; k < n; k++) {
    const all = paths(c)
    const p = all[Math.floor(rnd() * all.length)]
    if (!p) continue
    let parent: any = c
    for (const key of p.slice(0, -1)) parent = parent?.[key]
    if (parent === null || typeof parent !== "object") continue
    const last = p[p.length - 1] as string | number
    const junk = structuredClone(JUNK[Math.floor(rnd() * JUNK.length)])
    const r = rnd()
    if (r < 0.15 && !Array.isArray(parent)) delete parent[last]
    else if (r < 0.25 && !Array.isArray(parent)) parent[`unknown${k}`] = junk
    else parent[last] = junk
  }
  return c
}

/** Each write a round sends: its method, path suffix, content type and body, from the created object. */
type Write = (
  cur: any,
  valid: Record<string, unknown>,
  rnd: () => number,
) => [string, string, string, unknown]
const WRITES: readonly Write[] = [
  (cur, _, rnd) => ["PUT", "", "application/json", mutated(cur, rnd)],
  (cur, _, rnd) => [
    "PATCH",
    "",
    "application/merge-patch+json",
    mutated({ metadata: { labels: cur.metadata.labels ?? {} }, spec: cur.spec }, rnd),
  ],
  (cur, _, rnd) => [
    "PATCH",
    "",
    "application/strategic-merge-patch+json",
    mutated({ metadata: { labels: { z: "1" } }, spec: cur.spec }, rnd),
  ],
  (cur, _, rnd) => {
    const all = paths(cur)
    const at = all[Math.floor(rnd() * all.length)] ?? []
    const op = ["add", "replace", "remove", "test", "move", "copy"][Math.floor(rnd() * 6)]
    const value = structuredClone(JUNK[Math.floor(rnd() * JUNK.length)])
    return [
      "PATCH",
      "",
      "application/json-patch+json",
      [{ op, path: `/${at.join("/")}`, value, from: "/metadata/labels" }],
    ]
  },
  (_, valid, rnd) => [
    "PATCH",
    "?fieldManager=fuzz&force=true",
    "application/apply-patch+yaml",
    mutated(valid, rnd),
  ],
  (cur, _, rnd) => ["PUT", "/status", "application/json", mutated({ ...cur, status: cur.status ?? {} }, rnd)],
]

describe("no write body makes a handler crash", () => {
  for (const seed of [1, 2, 3, 4]) {
    test(`seed ${seed}`, async () => {
      const rnd = generator(seed)
      const crashes: string[] = []
      const check = (what: string, r: { status: number; json: any; text: string }, body: unknown) => {
        const isStatus = r.json?.kind === "Status"
        if ((r.status >= 400 && !isStatus) || (r.status >= 500 && r.json?.reason === "InternalError"))
          crashes.push(
            `${what} -> ${r.status} ${r.text.slice(0, 200)}\n  body: ${JSON.stringify(body).slice(0, 400)}`,
          )
      }
      for (let i = 0; i < 250; i++) {
        const [path, make] = KINDS[Math.floor(rnd() * KINDS.length)] as (typeof KINDS)[number]
        const name = `s${seed}-${i}`
        const valid = make(name)
        if (rnd() < 0.4) {
          const body = mutated(valid, rnd)
          check(`POST ${path}`, await apiCall(api, "POST", path, body), body)
          continue
        }
        const created = await apiCall(api, "POST", path, valid)
        assert.equal(created.status, 201, created.text)
        const write = WRITES[Math.floor(rnd() * WRITES.length)] as Write
        const [method, suffix, type, body] = write(created.json, valid, rnd)
        const r = await apiCall(api, method, `${path}/${name}${suffix}`, body, { "content-type": type })
        check(`${method} ${path}/${name}${suffix} (${type})`, r, body)
      }
      assert.deepEqual(crashes, [])
      assert.equal((await apiCall(api, "GET", "/healthz")).status, 200)
    })
  }
})

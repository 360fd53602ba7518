import assert from "node:assert/strict"
import { describe, test } from "node:test"
import { apiCall, memoryApiServer } from "../../testing/index.ts"
import type { ApiServer } from "../server.ts"
import { isSignificantPodUpdate } from "./admission.ts"

let api: ApiServer
memoryApiServer((started) => (api = started))

const P = "pod-security.kubernetes.io/"
const RESTRICTED_DETAIL =
  'allowPrivilegeEscalation != false (container "c" must set securityContext.allowPrivilegeEscalation=false), ' +
  'unrestricted capabilities (container "c" must set securityContext.capabilities.drop=["ALL"]), ' +
  'runAsNonRoot != true (pod or container "c" must set securityContext.runAsNonRoot=true), ' +
  'seccompProfile (pod or container "c" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")'

function pod(name: string, spec: Record<string, unknown> = {}, image = "nginx") {
  return { metadata: { name }, spec: { containers: [{ name: "c", image }], ...spec } }
}

const hardened = {
  securityContext: { runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } },
  containers: [
    {
      name: "c",
      image: "nginx",
      securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } },
    },
  ],
}

/** The texts of a response's Warning header. */
function warnings(headers: Headers): string[] {
  const h = headers.get("warning") ?? ""
  return [...h.matchAll(/299 - ("(?:[^"\\]|\\.)*")/g)].map((m) => JSON.parse(m[1] as string) as string)
}

async function namespace(name: string, labels: Record<string, string>) {
  const res = await apiCall(api, "POST", "/api/v1/namespaces", { metadata: { name, labels } })
  assert.equal(res.status, 201, res.text)
}

async function label(name: string, labels: Record<string, string | null>) {
  return apiCall(
    api,
    "PATCH",
    `/api/v1/namespaces/${name}`,
    { metadata: { labels } },
    {
      "content-type": "application/merge-patch+json",
    },
  )
}

describe("PodSecurity admission", () => {
  test("a namespace without labels admits any pod, without warnings", async () => {
    const res = await apiCall(api, "POST", "/api/v1/namespaces/default/pods", pod("host", { hostPID: true }))
    assert.equal(res.status, 201)
    assert.equal(res.headers.get("warning"), null)
  })

  test("enforce refuses a violating pod with upstream's 403, and admits a hardened one", async () => {
    await namespace("enf", { [`${P}enforce`]: "restricted" })
    const res = await apiCall(api, "POST", "/api/v1/namespaces/enf/pods", pod("web"))
    assert.equal(res.status, 403)
    assert.equal(res.json.reason, "Forbidden")
    assert.equal(
      res.json.message,
      `pods "web" is forbidden: violates PodSecurity "restricted:latest": ${RESTRICTED_DETAIL}`,
    )
    assert.deepEqual(res.json.details, { name: "web", kind: "pods" })
    assert.equal(res.headers.get("warning"), null)
    const ok = await apiCall(api, "POST", "/api/v1/namespaces/enf/pods", {
      metadata: { name: "ok" },
      spec: hardened,
    })
    assert.equal(ok.status, 201, ok.text)
  })

  test("a generated name is the one refused", async () => {
    const res = await apiCall(api, "POST", "/api/v1/namespaces/enf/pods", {
      metadata: { generateName: "gen-" },
      spec: { containers: [{ name: "c", image: "nginx" }] },
    })
    assert.equal(res.status, 403)
    assert.match(
      res.json.message,
      /^pods "gen-[a-z0-9]{5}" is forbidden: violates PodSecurity "restricted:latest": /,
    )
  })

  test("warn admits the pod with a Warning at its level and version", async () => {
    await namespace("warned", { [`${P}warn`]: "baseline", [`${P}warn-version`]: "v1.30" })
    const res = await apiCall(
      api,
      "POST",
      "/api/v1/namespaces/warned/pods",
      pod("h", { hostNetwork: true, hostIPC: true }),
    )
    assert.equal(res.status, 201)
    assert.deepEqual(warnings(res.headers), [
      'would violate PodSecurity "baseline:v1.30": host namespaces (hostNetwork=true, hostIPC=true)',
    ])
  })

  test("workload templates are warned about, never refused", async () => {
    const deployment = {
      metadata: { name: "web" },
      spec: {
        selector: { matchLabels: { app: "web" } },
        template: {
          metadata: { labels: { app: "web" } },
          spec: { containers: [{ name: "c", image: "nginx" }] },
        },
      },
    }
    const res = await apiCall(api, "POST", "/apis/apps/v1/namespaces/enf/deployments", deployment)
    assert.equal(res.status, 201, res.text)
    assert.deepEqual(warnings(res.headers), [
      `would violate PodSecurity "restricted:latest": ${RESTRICTED_DETAIL}`,
    ])
    const cron = {
      metadata: { name: "nightly" },
      spec: {
        schedule: "0 0 * * *",
        jobTemplate: {
          spec: {
            template: { spec: { restartPolicy: "Never", containers: [{ name: "c", image: "busybox" }] } },
          },
        },
      },
    }
    const cj = await apiCall(api, "POST", "/apis/batch/v1/namespaces/enf/cronjobs", cron)
    assert.equal(cj.status, 201, cj.text)
    assert.equal(warnings(cj.headers).length, 1)
    const scale = await apiCall(
      api,
      "PATCH",
      "/apis/apps/v1/namespaces/enf/deployments/web/scale",
      { spec: { replicas: 2 } },
      {
        "content-type": "application/merge-patch+json",
      },
    )
    assert.equal(scale.status, 200)
    assert.equal(scale.headers.get("warning"), null)
  })

  test("pod updates are checked only when an image or container changes", async () => {
    await namespace("upd", {})
    assert.equal((await apiCall(api, "POST", "/api/v1/namespaces/upd/pods", pod("old"))).status, 201)
    assert.equal(
      (await label("upd", { [`${P}enforce`]: "baseline", [`${P}warn`]: "restricted" })).status,
      200,
    )
    const merge = { "content-type": "application/merge-patch+json" }
    const relabel = await apiCall(
      api,
      "PATCH",
      "/api/v1/namespaces/upd/pods/old",
      { metadata: { labels: { a: "b" } } },
      merge,
    )
    assert.equal(relabel.status, 200)
    assert.equal(relabel.headers.get("warning"), null)
    const image = await apiCall(
      api,
      "PATCH",
      "/api/v1/namespaces/upd/pods/old",
      { spec: { containers: [{ name: "c", image: "nginx:2" }] } },
      { "content-type": "application/strategic-merge-patch+json" },
    )
    assert.equal(image.status, 200, image.text)
    assert.deepEqual(warnings(image.headers), [
      `would violate PodSecurity "restricted:latest": ${RESTRICTED_DETAIL}`,
    ])
  })

  test("an ephemeral container is held to the enforce level", async () => {
    await namespace("dbg", {})
    assert.equal((await apiCall(api, "POST", "/api/v1/namespaces/dbg/pods", pod("p"))).status, 201)
    assert.equal((await label("dbg", { [`${P}enforce`]: "baseline" })).status, 200)
    const current = (await apiCall(api, "GET", "/api/v1/namespaces/dbg/pods/p")).json
    current.spec.ephemeralContainers = [
      { name: "debug", image: "busybox", securityContext: { privileged: true } },
    ]
    const res = await apiCall(api, "PUT", "/api/v1/namespaces/dbg/pods/p/ephemeralcontainers", current)
    assert.equal(res.status, 403)
    assert.equal(
      res.json.message,
      'pods "p" is forbidden: violates PodSecurity "baseline:latest": privileged (container "debug" must not set securityContext.privileged=true)',
    )
  })

  test("a stricter enforce label warns about the pods already there", async () => {
    await namespace("existing", {})
    for (const name of ["b", "a", "c"])
      assert.equal((await apiCall(api, "POST", "/api/v1/namespaces/existing/pods", pod(name))).status, 201)
    const host = await apiCall(
      api,
      "POST",
      "/api/v1/namespaces/existing/pods",
      pod("h", { hostNetwork: true }),
    )
    assert.equal(host.status, 201)
    const res = await label("existing", { [`${P}enforce`]: "restricted" })
    assert.equal(res.status, 200)
    assert.deepEqual(warnings(res.headers), [
      'existing pods in namespace "existing" violate the new PodSecurity enforce level "restricted:latest"',
      "a (and 2 other pods): allowPrivilegeEscalation != false, unrestricted capabilities, runAsNonRoot != true, seccompProfile",
      "h: host namespaces, allowPrivilegeEscalation != false, unrestricted capabilities, runAsNonRoot != true, seccompProfile",
    ])
    // Relaxing at the same version, or setting the same level again, checks nothing.
    const relaxed = await label("existing", { [`${P}enforce`]: "baseline" })
    assert.equal(relaxed.status, 200)
    assert.equal(relaxed.headers.get("warning"), null)
    const tightened = await label("existing", {
      [`${P}enforce`]: "restricted",
      [`${P}enforce-version`]: "v1.0",
    })
    assert.deepEqual(warnings(tightened.headers).slice(0, 1), [
      'existing pods in namespace "existing" violate the new PodSecurity enforce level "restricted:v1.0"',
    ])
  })

  test("invalid labels are refused on create and on update", async () => {
    const res = await apiCall(api, "POST", "/api/v1/namespaces", {
      metadata: { name: "bad", labels: { [`${P}enforce`]: "strict", [`${P}warn-version`]: "1.30" } },
    })
    assert.equal(res.status, 422)
    assert.equal(
      res.json.message,
      'Namespace "bad" is invalid: [metadata.labels[pod-security.kubernetes.io/enforce]: Invalid value: "strict": must be one of privileged, baseline, restricted, ' +
        'metadata.labels[pod-security.kubernetes.io/warn-version]: Invalid value: "1.30": must be "latest" or "v1.x"]',
    )
    assert.deepEqual(res.json.details.causes[0], {
      reason: "FieldValueInvalid",
      message: 'Invalid value: "strict": must be one of privileged, baseline, restricted',
      field: "metadata.labels[pod-security.kubernetes.io/enforce]",
    })
    await namespace("later", {})
    const bad = await label("later", { [`${P}audit`]: "none" })
    assert.equal(bad.status, 422)
    assert.match(
      bad.json.message,
      /^Namespace "later" is invalid: metadata.labels\[pod-security.kubernetes.io\/audit\]/,
    )
  })
})

describe("isSignificantPodUpdate()", () => {
  const base = { spec: { containers: [{ name: "c", image: "a" }] } }
  const cases = [
    { name: "labels alone are not", next: { ...base, metadata: { labels: { x: "y" } } }, want: false },
    { name: "an image is", next: { spec: { containers: [{ name: "c", image: "b" }] } }, want: true },
    {
      name: "another container is",
      next: {
        spec: {
          containers: [
            { name: "c", image: "a" },
            { name: "d", image: "a" },
          ],
        },
      },
      want: true,
    },
    {
      name: "an ephemeral container added is",
      next: { spec: { ...base.spec, ephemeralContainers: [{ name: "e", image: "a" }] } },
      want: true,
    },
    {
      name: "a resource change is not",
      next: { spec: { containers: [{ name: "c", image: "a", resources: { limits: { cpu: "1" } } }] } },
      want: false,
    },
  ]
  for (const tc of cases) {
    test(tc.name, () => assert.equal(isSignificantPodUpdate(tc.next as never, base as never), tc.want))
  }
})

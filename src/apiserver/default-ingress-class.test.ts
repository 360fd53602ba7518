import assert from "node:assert/strict"
import { describe, test } from "node:test"
import type { IngressClass } from "kubernetes-types/networking/v1.js"
import { findResource, type ResourceInfo } from "../api/index.ts"
import { apiCall, memoryApiServer } from "../testing/index.ts"
import { DEFAULT_INGRESS_CLASS_ANNOTATION, defaultIngressClass } from "./default-ingress-class.ts"
import type { AdmissionRequest } from "./registry/context.ts"
import type { ApiServer } from "./server.ts"

const info = findResource("networking.k8s.io", "v1", "ingresses") as ResourceInfo

function ingressClass(name: string, created: string, isDefault?: string): IngressClass {
  return {
    apiVersion: "networking.k8s.io/v1",
    kind: "IngressClass",
    metadata: {
      name,
      creationTimestamp: created,
      ...(isDefault !== undefined ? { annotations: { [DEFAULT_INGRESS_CLASS_ANNOTATION]: isDefault } } : {}),
    },
    spec: { controller: "example.com/ingress" },
  }
}

const OLD = ingressClass("a-old", "2026-01-01T00:00:00Z", "true")
const NEW = ingressClass("b-new", "2026-02-01T00:00:00Z", "true")

const cases: {
  name: string
  classes: IngressClass[]
  spec?: Record<string, unknown>
  annotations?: Record<string, string>
  operation?: AdmissionRequest["operation"]
  subresource?: string
  want: string | null | undefined
}[] = [
  { name: "sets the default class", classes: [OLD], want: "a-old" },
  { name: "sets the newest of several default classes", classes: [OLD, NEW], want: "b-new" },
  { name: "sets the newest whatever the listing order", classes: [NEW, OLD], want: "b-new" },
  {
    name: "breaks a creation tie by name",
    classes: [
      ingressClass("b", "2026-01-01T00:00:00Z", "true"),
      ingressClass("a", "2026-01-01T00:00:00Z", "true"),
    ],
    want: "a",
  },
  {
    name: "takes only the value true as default",
    classes: [
      ingressClass("yes", "2026-01-01T00:00:00Z", "True"),
      ingressClass("no", "2026-03-01T00:00:00Z", "false"),
    ],
    want: undefined,
  },
  {
    name: "sets nothing without a default class",
    classes: [ingressClass("plain", "2026-01-01T00:00:00Z")],
    want: undefined,
  },
  {
    name: "keeps a class the ingress names",
    classes: [NEW],
    spec: { ingressClassName: "mine" },
    want: "mine",
  },
  { name: "treats a null class as none", classes: [NEW], spec: { ingressClassName: null }, want: "b-new" },
  { name: "keeps an empty class name", classes: [NEW], spec: { ingressClassName: "" }, want: "" },
  {
    name: "defaults nothing when the legacy annotation names a class",
    classes: [NEW],
    annotations: { "kubernetes.io/ingress.class": "nginx" },
    want: undefined,
  },
  {
    name: "defaults nothing when the legacy annotation is empty",
    classes: [NEW],
    annotations: { "kubernetes.io/ingress.class": "" },
    want: undefined,
  },
  { name: "leaves updates alone", classes: [NEW], operation: "UPDATE", want: undefined },
  {
    name: "leaves the status subresource alone",
    classes: [NEW],
    operation: "UPDATE",
    subresource: "status",
    want: undefined,
  },
]

for (const c of cases) {
  test(`defaultIngressClass() ${c.name}`, async () => {
    const object = {
      apiVersion: "networking.k8s.io/v1",
      kind: "Ingress",
      metadata: {
        name: "web",
        namespace: "default",
        ...(c.annotations ? { annotations: c.annotations } : {}),
      },
      spec: { ...c.spec } as { ingressClassName?: string | null },
    }
    await defaultIngressClass(() => c.classes).mutate?.({
      operation: c.operation ?? "CREATE",
      info,
      namespace: "default",
      name: "web",
      subresource: c.subresource ?? "",
      object,
      dryRun: false,
    })
    assert.equal(object.spec.ingressClassName, c.want)
  })
}

describe("DefaultIngressClass in the API server", () => {
  let api: ApiServer
  memoryApiServer((started) => (api = started))
  const CLASSES = "/apis/networking.k8s.io/v1/ingressclasses"
  const INGRESSES = "/apis/networking.k8s.io/v1/namespaces/default/ingresses"
  const ingress = (name: string, annotations?: Record<string, string>) => ({
    apiVersion: "networking.k8s.io/v1",
    kind: "Ingress",
    metadata: { name, ...(annotations ? { annotations } : {}) },
    spec: { defaultBackend: { service: { name: "web", port: { number: 80 } } } },
  })

  test("an ingress without a class gets the default IngressClass from the cache", async () => {
    const cls = {
      apiVersion: "networking.k8s.io/v1",
      kind: "IngressClass",
      metadata: { name: "nginx", annotations: { [DEFAULT_INGRESS_CLASS_ANNOTATION]: "true" } },
      spec: { controller: "k8s.io/ingress-nginx" },
    }
    assert.equal((await apiCall(api, "POST", CLASSES, cls)).status, 201)
    const res = await apiCall(api, "POST", INGRESSES, ingress("plain"))
    assert.equal(res.status, 201, res.text)
    assert.equal(res.json.spec.ingressClassName, "nginx")
    const legacy = await apiCall(
      api,
      "POST",
      INGRESSES,
      ingress("legacy", { "kubernetes.io/ingress.class": "x" }),
    )
    assert.equal(legacy.status, 201, legacy.text)
    assert.equal(legacy.json.spec.ingressClassName, undefined)
  })
})

import assert from "node:assert/strict"
import { test } from "node:test"
import type { Ingress } from "kubernetes-types/networking/v1.js"
import { printed, stored } from "./_fixtures.ts"
import { validateIngress, validateIngressClass } from "./ingress.ts"

const meta = { name: "web", namespace: "default" }
const backend = { service: { name: "web", port: { number: 80 } } }

function ingress(spec: Ingress["spec"]): Ingress {
  return { metadata: meta, spec }
}

const cases: { name: string; input: () => string[]; want: string[] }[] = [
  {
    name: "validateIngress() accepts a prefix rule",
    input: () =>
      printed(
        validateIngress(
          ingress({
            rules: [{ host: "example.com", http: { paths: [{ path: "/", pathType: "Prefix", backend }] } }],
          }),
        ),
      ),
    want: [],
  },
  {
    name: "validateIngress() needs rules or a default backend",
    input: () => printed(validateIngress(ingress({}))),
    want: ["spec: Invalid value: null: either `defaultBackend` or `rules` must be specified"],
  },
  {
    name: "validateIngress() requires a pathType",
    input: () =>
      printed(validateIngress(ingress({ rules: [{ http: { paths: [{ path: "/", backend } as never] } }] }))),
    want: ["spec.rules[0].http.paths[0].pathType: Required value: pathType must be specified"],
  },
  {
    name: "validateIngress() requires absolute paths",
    input: () =>
      printed(
        validateIngress(
          ingress({ rules: [{ http: { paths: [{ path: "api", pathType: "Exact", backend }] } }] }),
        ),
      ),
    want: ['spec.rules[0].http.paths[0].path: Invalid value: "api": must be an absolute path'],
  },
  {
    name: "validateIngress() refuses IP hosts",
    input: () =>
      printed(
        validateIngress(
          ingress({
            rules: [{ host: "10.0.0.1", http: { paths: [{ path: "/", pathType: "Prefix", backend }] } }],
          }),
        ),
      ),
    want: ['spec.rules[0].host: Invalid value: "10.0.0.1": must be a DNS name, not an IP address'],
  },
  {
    name: "validateIngress() needs a backend port",
    input: () =>
      printed(validateIngress(ingress({ defaultBackend: { service: { name: "web", port: {} } } }))),
    want: ["spec.defaultBackend: Required value: port name or number is required"],
  },
  {
    name: "validateIngressClass() on update keeps the controller",
    input: () =>
      printed(
        validateIngressClass(
          stored({ metadata: { name: "nginx" }, spec: { controller: "example.com/b" } }),
          stored({ metadata: { name: "nginx" }, spec: { controller: "example.com/a" } }),
        ),
      ),
    want: ['spec.controller: Invalid value: "example.com/b": field is immutable'],
  },
]

for (const c of cases) {
  test(c.name, () => {
    assert.deepEqual(c.input(), c.want)
  })
}

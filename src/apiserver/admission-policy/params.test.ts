import assert from "node:assert/strict"
import { describe, test } from "node:test"
import type { ParamRef } from "kubernetes-types/admissionregistration/v1.js"
import { type ApiObject, findResource, type ResourceInfo } from "../../api/index.ts"
import { collectParams, gvkString, paramKindOf, type ParamSource } from "./params.ts"

const CONFIGMAPS = findResource("", "v1", "configmaps") as ResourceInfo
const CLASSES = findResource("scheduling.k8s.io", "v1", "priorityclasses") as ResourceInfo

const cm = (namespace: string, name: string, labels: Record<string, string> = {}): ApiObject => ({
  apiVersion: "v1",
  kind: "ConfigMap",
  metadata: { name, namespace, labels },
})
const OBJECTS = [
  cm("a", "limits"),
  cm("a", "z", { pick: "y" }),
  cm("a", "b", { pick: "y" }),
  cm("other", "limits"),
]
const SOURCE: ParamSource = {
  resolve: () => undefined,
  list: (info, ns) => (info === CONFIGMAPS ? OBJECTS.filter((o) => !ns || o.metadata?.namespace === ns) : []),
  get: (info, ns, name) =>
    info === CONFIGMAPS
      ? OBJECTS.find((o) => o.metadata?.namespace === ns && o.metadata?.name === name)
      : undefined,
}
const KIND = { apiVersion: "v1", kind: "ConfigMap" }

interface Case {
  readonly name: string
  readonly ref?: ParamRef
  readonly kind?: typeof KIND
  readonly info?: ResourceInfo
  readonly namespace?: string
  /** namespace/name of each param (null for none needed), or the error. */
  readonly want: (string | null)[] | RegExp
}

const cases: Case[] = [
  { name: "no paramKind: one null param", kind: undefined, ref: { name: "limits" }, want: [null] },
  { name: "no paramRef: one null param", want: [null] },
  { name: "by name in the request's namespace", ref: { name: "limits" }, want: ["a/limits"] },
  {
    name: "by name in paramRef's namespace",
    ref: { name: "limits", namespace: "other" },
    want: ["other/limits"],
  },
  { name: "not found under Allow: none", ref: { name: "nope", parameterNotFoundAction: "Allow" }, want: [] },
  {
    name: "not found under Deny",
    ref: { name: "nope", parameterNotFoundAction: "Deny" },
    want: /^Error: no params found for policy binding with `Deny` parameterNotFoundAction$/,
  },
  {
    name: "by selector, in name order",
    ref: { selector: { matchLabels: { pick: "y" } } },
    want: ["a/b", "a/z"],
  },
  {
    name: "an empty selector selects all",
    ref: { selector: {} },
    namespace: "other",
    want: ["other/limits"],
  },
  {
    name: "a namespaced paramKind for a cluster-scoped request",
    ref: { name: "limits" },
    namespace: "",
    want: /^Error: cannot use namespaced paramRef in policy binding that matches cluster-scoped resources$/,
  },
  {
    name: "a namespace for a cluster-scoped paramKind",
    kind: { apiVersion: "scheduling.k8s.io/v1", kind: "PriorityClass" },
    info: CLASSES,
    ref: { name: "high", namespace: "a" },
    want: /^Error: paramRef.namespace must not be provided for a cluster-scoped `paramKind`$/,
  },
]

describe("collectParams()", () => {
  for (const c of cases) {
    test(c.name, () => {
      const kind = "kind" in c ? c.kind : KIND
      const run = () => collectParams(kind, c.info ?? CONFIGMAPS, c.ref, c.namespace ?? "a", SOURCE)
      if (c.want instanceof RegExp) {
        assert.throws(run, c.want)
        return
      }
      const got = run().map((p) => (p ? `${p.metadata?.namespace}/${p.metadata?.name}` : null))
      assert.deepEqual(got, c.want)
    })
  }

  test("paramKindOf() and gvkString() read and print as Go's schema package", () => {
    assert.equal(gvkString(paramKindOf({ apiVersion: "v1", kind: "ConfigMap" })), "/v1, Kind=ConfigMap")
    assert.equal(
      gvkString(paramKindOf({ apiVersion: "rules.example.com/v1", kind: "Limit" })),
      "rules.example.com/v1, Kind=Limit",
    )
  })
})

import assert from "node:assert/strict"
import { describe, test } from "node:test"
import { kindShape } from "../shapes.ts"
import { configError } from "./typed.ts"

describe("configError() checks scalars as structured-merge-diff does", () => {
  const cm = kindShape("", "v1", "ConfigMap")!
  const deploy = kindShape("apps", "v1", "Deployment")!
  const cases: { name: string; shape: typeof cm; config: unknown; want: string | undefined }[] = [
    {
      name: "a well-typed ConfigMap",
      shape: cm,
      config: { data: { a: "x" }, immutable: true },
      want: undefined,
    },
    {
      name: "a bool for a string",
      shape: cm,
      config: { data: { a: true } },
      want: ".data.a: expected string, got &value.valueUnstructured{Value:true}",
    },
    {
      name: "a string for a number",
      shape: deploy,
      config: { spec: { replicas: "2" } },
      want: ".spec.replicas: expected numeric (int or float), got string",
    },
    {
      name: "a string for a bool",
      shape: cm,
      config: { immutable: "yes" },
      want: ".immutable: expected boolean, got &{yes}",
    },
    {
      name: "inside an atomic list of strings",
      shape: deploy,
      config: { spec: { template: { spec: { containers: [{ name: "c", command: [true] }] } } } },
      want: `.spec.template.spec.containers[name="c"].command[0]: expected string, got &value.valueUnstructured{Value:true}`,
    },
    {
      name: "a field the type does not declare",
      shape: deploy,
      config: { apiVersion: "apps/v1", kind: "Deployment", spec: { replica: 2 } },
      want: ".spec.replica: field not declared in schema",
    },
    {
      name: "quantities and int-or-strings are not scalars of one type",
      shape: deploy,
      config: {
        spec: {
          strategy: { rollingUpdate: { maxSurge: 1, maxUnavailable: "25%" } },
          template: { spec: { containers: [{ name: "c", resources: { limits: { cpu: 1 } } }] } },
        },
      },
      want: undefined,
    },
  ]
  for (const c of cases) test(c.name, () => assert.equal(configError(c.config, c.shape), c.want))
})

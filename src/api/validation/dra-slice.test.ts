import assert from "node:assert/strict"
import { test } from "node:test"
import type { DeviceClass, ResourceSlice, ResourceSliceSpec } from "../dra.ts"
import { printed } from "./_fixtures.ts"
import type { DraContext } from "./dra-common.ts"
import { validateDeviceClass, validateResourceSlice } from "./dra-slice.ts"

const compiled: string[] = []
const ctx: DraContext = {
  compileSelector: (e) => {
    compiled.push(e)
    return e.includes("bad") ? { type: "Invalid", detail: "compilation failed: ERROR" } : undefined
  },
}

const cls = (spec: DeviceClass["spec"], rv?: string): DeviceClass => ({
  metadata: { name: "gpu.example.com", ...(rv ? { resourceVersion: rv } : {}) },
  spec,
})

const classCases: { name: string; input: () => string[]; want: string[] }[] = [
  {
    name: "accepts selectors and opaque configuration",
    input: () =>
      printed(
        validateDeviceClass(
          cls({
            selectors: [{ cel: { expression: "device.driver == 'gpu.example.com'" } }],
            config: [{ opaque: { driver: "gpu.example.com", parameters: { a: 1 } } }],
          }),
          undefined,
          ctx,
        ),
      ),
    want: [],
  },
  {
    name: "refuses selectors that do not compile and configuration without parameters",
    input: () =>
      printed(
        validateDeviceClass(
          cls({ selectors: [{ cel: { expression: "bad" } }], config: [{ opaque: { driver: "Gpu_X" } }] }),
          undefined,
          ctx,
        ),
      ),
    want: [
      'spec.selectors[0].cel.expression: Invalid value: "bad": compilation failed: ERROR',
      `spec.config[0].opaque.driver: Invalid value: "Gpu_X": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')`,
      "spec.config[0].opaque.parameters: Required value",
    ],
  },
  {
    name: "does not compile the selectors of an update that keeps them",
    input: () => {
      compiled.length = 0
      const old = cls({ selectors: [{ cel: { expression: "bad stored" } }] }, "1")
      const errs = printed(validateDeviceClass(cls(old.spec, "1"), old, ctx))
      return [...errs, ...compiled]
    },
    want: [],
  },
]

for (const c of classCases) test(`validateDeviceClass() ${c.name}`, () => assert.deepEqual(c.input(), c.want))

const spec = (extra: Partial<ResourceSliceSpec> = {}): ResourceSliceSpec => ({
  driver: "gpu.example.com",
  pool: { name: "node-a", generation: 1, resourceSliceCount: 1 },
  nodeName: "node-a",
  ...extra,
})
const slice = (s: ResourceSliceSpec, rv?: string): ResourceSlice => ({
  metadata: { name: "node-a-gpu", ...(rv ? { resourceVersion: rv } : {}) },
  spec: s,
})

const sliceCases: { name: string; input: () => string[]; want: string[] }[] = [
  {
    name: "accepts a node's devices with attributes and capacity",
    input: () =>
      printed(
        validateResourceSlice(
          slice(
            spec({
              devices: [
                {
                  name: "gpu-0",
                  attributes: { model: { string: "a100" }, "dra.example.com/v": { version: "1.2.3-rc.1" } },
                  capacity: { memory: { value: "40Gi" } },
                },
              ],
            }),
          ),
        ),
      ),
    want: [],
  },
  {
    name: "needs exactly one way to say where the devices are",
    input: () => [
      ...printed(validateResourceSlice(slice(spec({ nodeName: undefined })))),
      ...printed(validateResourceSlice(slice(spec({ allNodes: true })))),
      ...printed(validateResourceSlice(slice(spec({ nodeName: "", allNodes: false })))),
    ],
    want: [
      "spec: Required value: exactly one of `nodeName`, `nodeSelector`, `allNodes`, `perDeviceNodeSelection` is required",
      'spec: Invalid value: "{`nodeName`, `allNodes`}": exactly one of `nodeName`, `nodeSelector`, `allNodes`, `perDeviceNodeSelection` is required, but multiple fields are set',
      'spec.nodeName: Invalid value: "": must be either unset or set to a non-empty string',
      "spec.allNodes: Invalid value: false: must be either unset or set to true",
      "spec: Required value: exactly one of `nodeName`, `nodeSelector`, `allNodes`, `perDeviceNodeSelection` is required",
    ],
  },
  {
    name: "a node selector has exactly one term",
    input: () =>
      printed(
        validateResourceSlice(
          slice(
            spec({
              nodeName: undefined,
              nodeSelector: {
                nodeSelectorTerms: [
                  { matchExpressions: [{ key: "a", operator: "Exists" }] },
                  { matchExpressions: [{ key: "b", operator: "Exists" }] },
                ],
              },
            }),
          ),
        ),
      ),
    want: [
      'spec.nodeSelector.nodeSelectorTerms: Invalid value: [{"MatchExpressions":[{"Key":"a","Operator":"Exists","Values":null}],"MatchFields":null},{"MatchExpressions":[{"Key":"b","Operator":"Exists","Values":null}],"MatchFields":null}]: must have exactly one node selector term',
    ],
  },
  {
    name: "checks the driver and the pool",
    input: () =>
      printed(
        validateResourceSlice(
          slice(spec({ driver: "", pool: { name: "a/B", generation: -1, resourceSliceCount: 0 } })),
        ),
      ),
    want: [
      "spec.driver: Required value",
      `spec.driver: Invalid value: "": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')`,
      `spec.pool.name: Invalid value: "B": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')`,
      "spec.pool.resourceSliceCount: Invalid value: 0: must be greater than zero",
      "spec.pool.generation: Invalid value: -1: must be greater than or equal to zero",
    ],
  },
  {
    name: "attributes have exactly one value, versions are semver, names are qualified",
    input: () =>
      printed(
        validateResourceSlice(
          slice(
            spec({
              devices: [
                {
                  name: "gpu-0",
                  attributes: {
                    none: {},
                    two: { int: 1, bool: true },
                    v: { version: "1.2" },
                    "1bad": { bool: true },
                  },
                },
              ],
            }),
          ),
        ),
      ),
    want: [
      'spec.devices[0].attributes[none]: Invalid value: "": exactly one value must be specified',
      'spec.devices[0].attributes[two]: Invalid value: {"IntValue":1,"BoolValue":true,"StringValue":null,"VersionValue":null}: exactly one value must be specified',
      'spec.devices[0].attributes[v].version: Invalid value: "1.2": must be a string compatible with semver.org spec 2.0.0',
      `spec.devices[0].attributes[1bad]: Invalid value: "1bad": a valid C identifier must start with alphabetic character or '_', followed by a string of alphanumeric characters or '_' (e.g. 'my_name',  or 'MY_NAME',  or 'MyName', regex used for validation is '[A-Za-z_][A-Za-z0-9_]*')`,
    ],
  },
  {
    name: "takes at most 128 devices, named uniquely, with at most 32 attributes and capacities",
    input: () => [
      ...printed(
        validateResourceSlice(
          slice(spec({ devices: Array.from({ length: 129 }, (_, i) => ({ name: `d${i}` })) })),
        ),
      ),
      ...printed(
        validateResourceSlice(
          slice(
            spec({
              devices: [
                {
                  name: "d",
                  attributes: Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`a${i}`, { int: i }])),
                  capacity: Object.fromEntries(
                    Array.from({ length: 13 }, (_, i) => [`c${i}`, { value: "1" }]),
                  ),
                },
                { name: "d" },
              ],
            }),
          ),
        ),
      ),
    ],
    want: [
      "spec.devices: Too many: 129: must have at most 128 items",
      "spec.devices[0]: Invalid value: 33: the total number of attributes and capacities must not exceed 32",
      'spec.devices[1]: Duplicate value: "d"',
    ],
  },
  {
    name: "the pool name, driver and node never change",
    input: () => {
      const old = slice(spec(), "1")
      const next = slice(
        spec({ driver: "other.example.com", nodeName: "node-b", pool: { name: "p", resourceSliceCount: 1 } }),
        "1",
      )
      return printed(validateResourceSlice(next, old))
    },
    want: [
      'spec.pool.name: Invalid value: "p": field is immutable',
      'spec.driver: Invalid value: "other.example.com": field is immutable',
      'spec.nodeName: Invalid value: "node-b": field is immutable',
    ],
  },
]

for (const c of sliceCases)
  test(`validateResourceSlice() ${c.name}`, () => assert.deepEqual(c.input(), c.want))

import assert from "node:assert/strict"
import { test } from "node:test"
import type { Container, Pod } from "kubernetes-types/core/v1.js"
import { qosClass } from "./qos.ts"

type Res = Container["resources"]

function pod(containers: Res[], inits: Res[] = [], level?: Res): Pod {
  const c = (resources: Res, i: number): Container => ({ name: `c${i}`, image: "x", resources })
  return {
    spec: {
      containers: containers.map(c),
      ...(inits.length ? { initContainers: inits.map(c) } : {}),
      ...(level ? { resources: level } : {}),
    } as Pod["spec"],
  }
}

const both = (cpu: string, memory: string) => ({ cpu, memory })

const cases: { name: string; input: Pod; want: string }[] = [
  { name: "nothing asked for is BestEffort", input: pod([{}]), want: "BestEffort" },
  {
    name: "only ephemeral-storage is BestEffort (cpu and memory decide)",
    input: pod([{ requests: { "ephemeral-storage": "1Gi" } }]),
    want: "BestEffort",
  },
  {
    name: "zero requests count for nothing",
    input: pod([{ requests: { cpu: "0" } }]),
    want: "BestEffort",
  },
  {
    name: "limits equal to requests are Guaranteed",
    input: pod([{ requests: both("1", "1Gi"), limits: both("1", "1Gi") }]),
    want: "Guaranteed",
  },
  {
    name: "equal quantities written differently are Guaranteed",
    input: pod([{ requests: both("1000m", "1024Mi"), limits: both("1", "1Gi") }]),
    want: "Guaranteed",
  },
  {
    name: "a cpu limit alone is Burstable",
    input: pod([{ requests: { cpu: "1" }, limits: { cpu: "1" } }]),
    want: "Burstable",
  },
  {
    name: "requests below limits are Burstable",
    input: pod([{ requests: both("500m", "1Gi"), limits: both("1", "1Gi") }]),
    want: "Burstable",
  },
  {
    name: "one container without limits makes the pod Burstable",
    input: pod([{ requests: both("1", "1Gi"), limits: both("1", "1Gi") }, {}]),
    want: "Burstable",
  },
  {
    name: "sums are compared, not each container",
    input: pod([
      { requests: both("1", "1Gi"), limits: both("2", "1Gi") },
      { requests: both("2", "1Gi"), limits: both("1", "1Gi") },
    ]),
    want: "Guaranteed",
  },
  {
    name: "init containers count",
    input: pod([{ requests: both("1", "1Gi"), limits: both("1", "1Gi") }], [{ requests: { cpu: "1" } }]),
    want: "Burstable",
  },
  {
    name: "pod-level resources decide when set",
    input: pod([{}], [], { requests: both("1", "1Gi"), limits: both("1", "1Gi") }),
    want: "Guaranteed",
  },
  {
    name: "empty pod-level resources leave the class to the containers",
    input: pod([{ requests: both("1", "1Gi"), limits: both("1", "1Gi") }], [], {}),
    want: "Guaranteed",
  },
  {
    name: "pod-level resources without cpu or memory leave the class to the containers",
    input: pod([{ requests: { cpu: "1" } }], [], { limits: { "hugepages-2Mi": "2Mi" } }),
    want: "Burstable",
  },
]

for (const c of cases) {
  test(`qosClass(): ${c.name}`, () => {
    assert.equal(qosClass(c.input), c.want)
  })
}

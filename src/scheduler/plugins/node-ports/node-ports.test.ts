import assert from "node:assert/strict"
import { test } from "node:test"
import { cacheOf, cycle, makeNode, makePod } from "../../_fixtures.ts"
import { newNodePorts } from "./node-ports.ts"

const withPort = (name: string, hostPort: number, hostIP?: string, protocol = "TCP", node?: string) =>
  makePod(name, {
    ...(node ? { node } : {}),
    spec: {
      containers: [
        {
          name: "c",
          image: "x",
          ports: [{ containerPort: 80, hostPort, protocol, ...(hostIP ? { hostIP } : {}) }],
        },
      ],
    },
  })

const cases = [
  {
    name: "free port",
    existing: withPort("e", 8080, undefined, "TCP", "n1"),
    pod: withPort("p", 9090),
    want: "Success",
  },
  {
    name: "same port conflicts",
    existing: withPort("e", 8080, undefined, "TCP", "n1"),
    pod: withPort("p", 8080),
    want: "Unschedulable",
  },
  {
    name: "other protocol is free",
    existing: withPort("e", 53, undefined, "UDP", "n1"),
    pod: withPort("p", 53),
    want: "Success",
  },
  {
    name: "different IPs are free",
    existing: withPort("e", 80, "10.0.0.1", "TCP", "n1"),
    pod: withPort("p", 80, "10.0.0.2"),
    want: "Success",
  },
  {
    name: "wildcard IP conflicts with a specific one",
    existing: withPort("e", 80, "10.0.0.1", "TCP", "n1"),
    pod: withPort("p", 80),
    want: "Unschedulable",
  },
]
for (const c of cases) {
  test(`NodePorts.filter: ${c.name}`, () => {
    const node = cacheOf([makeNode("n1")], [c.existing]).get("n1")!
    const { state, pi } = cycle(c.pod)
    const s = newNodePorts().filter(state, pi, node)
    assert.equal(s.code, c.want)
    if (c.want !== "Success")
      assert.deepEqual(s.reasons, ["node(s) didn't have free ports for the requested pod ports"])
  })
}

import assert from "node:assert/strict"
import { test } from "node:test"
import type { NetworkPolicy } from "kubernetes-types/networking/v1.js"
import { printed } from "./_fixtures.ts"
import { validateNetworkPolicy } from "./network-policy.ts"

const meta = { name: "web", namespace: "default" }

function policy(spec: Partial<NonNullable<NetworkPolicy["spec"]>>): NetworkPolicy {
  return { metadata: meta, spec: { podSelector: {}, policyTypes: ["Ingress"], ...spec } }
}

const cases: { name: string; input: () => string[]; want: string[] }[] = [
  {
    name: "validateNetworkPolicy() accepts an ingress rule",
    input: () =>
      printed(
        validateNetworkPolicy(
          policy({ ingress: [{ ports: [{ port: 80, protocol: "TCP" }], from: [{ podSelector: {} }] }] }),
        ),
      ),
    want: [],
  },
  {
    name: "validateNetworkPolicy() wants one kind of peer with ipBlock",
    input: () =>
      printed(
        validateNetworkPolicy(
          policy({ ingress: [{ from: [{ podSelector: {}, ipBlock: { cidr: "10.0.0.0/8" } }] }] }),
        ),
      ),
    want: ["spec.ingress[0].from[0]: Forbidden: may not specify both ipBlock and another peer"],
  },
  {
    name: "validateNetworkPolicy() wants except within the cidr",
    input: () =>
      printed(
        validateNetworkPolicy(
          policy({
            egress: [{ to: [{ ipBlock: { cidr: "10.0.0.0/16", except: ["10.1.0.0/24"] } }] }],
            policyTypes: ["Egress"],
          }),
        ),
      ),
    want: [
      'spec.egress[0].to[0].ipBlock.except[0]: Invalid value: "10.1.0.0/24": must be a strict subset of `cidr`',
    ],
  },
  {
    name: "validateNetworkPolicy() checks policy types",
    input: () => printed(validateNetworkPolicy(policy({ policyTypes: ["Both"] }))),
    want: ['spec.policyTypes[0]: Unsupported value: "Both": supported values: "Ingress", "Egress"'],
  },
]

for (const c of cases) {
  test(c.name, () => {
    assert.deepEqual(c.input(), c.want)
  })
}

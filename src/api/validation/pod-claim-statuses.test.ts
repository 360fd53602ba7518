import assert from "node:assert/strict"
import { test } from "node:test"
import type { Pod } from "kubernetes-types/core/v1.js"
import { printed } from "./_fixtures.ts"
import { validatePodResourceClaimStatuses } from "./pod-claim-statuses.ts"

const pod = (statuses: NonNullable<Pod["status"]>["resourceClaimStatuses"]): Pod => ({
  metadata: { name: "p" },
  // kubernetes-types 1.30 has the claim's source, which 1.35 replaced by its two fields
  spec: { containers: [], resourceClaims: [{ name: "gpu", resourceClaimTemplateName: "one-gpu" } as never] },
  status: { resourceClaimStatuses: statuses },
})

const cases: { name: string; input: Pod; want: string[] }[] = [
  {
    name: "accepts the claim made for a spec entry",
    input: pod([{ name: "gpu", resourceClaimName: "p-gpu-abcde" }]),
    want: [],
  },
  { name: "accepts an entry without a claim (none needed)", input: pod([{ name: "gpu" }]), want: [] },
  {
    name: "refuses an entry for no spec entry, a repeated one and an invalid claim name",
    input: pod([{ name: "tpu" }, { name: "gpu", resourceClaimName: "Bad" }, { name: "gpu" }]),
    want: [
      'status.resourceClaimStatuses[0].name: Invalid value: "tpu": must match the name of an entry in `spec.resourceClaims`',
      `status.resourceClaimStatuses[1].name: Invalid value: "Bad": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')`,
      'status.resourceClaimStatuses[2].name: Duplicate value: "gpu"',
    ],
  },
]

for (const c of cases)
  test(`validatePodResourceClaimStatuses() ${c.name}`, () =>
    assert.deepEqual(printed(validatePodResourceClaimStatuses(c.input)), c.want))

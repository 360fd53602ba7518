import assert from "node:assert/strict"
import { test } from "node:test"
import type { SecurityContext } from "kubernetes-types/core/v1.js"
import { podSpec, printed } from "./_fixtures.ts"
import { validateContainerSecurityContext, validatePodSecurityContext } from "./security-context.ts"

const cases: { name: string; input: () => string[]; want: string[] }[] = [
  {
    name: "validateContainerSecurityContext() refuses privileged without escalation",
    input: () =>
      printed(
        validateContainerSecurityContext({ privileged: true, allowPrivilegeEscalation: false }, "sc", true),
      ),
    want: [
      'sc: Invalid value: {"privileged":true,"allowPrivilegeEscalation":false}: cannot set `allowPrivilegeEscalation` to false and `privileged` to true',
    ],
  },
  {
    name: "validateContainerSecurityContext() needs a seccomp type",
    input: () =>
      printed(validateContainerSecurityContext({ seccompProfile: {} } as SecurityContext, "sc", true)),
    want: ["sc.seccompProfile.type: Required value: type is required when seccompProfile is set"],
  },
  {
    name: "validateContainerSecurityContext() needs a user namespace for Unmasked",
    input: () => printed(validateContainerSecurityContext({ procMount: "Unmasked" }, "sc", true)),
    want: ['sc.procMount: Invalid value: "Unmasked": `hostUsers` must be false to use `Unmasked`'],
  },
  {
    name: "validatePodSecurityContext() refuses net sysctls on the host network",
    input: () =>
      printed(
        validatePodSecurityContext(
          podSpec({
            hostNetwork: true,
            securityContext: { sysctls: [{ name: "net.core.somaxconn", value: "1" }] },
          }),
          "sc",
        ),
      ),
    want: [
      "sc.sysctls[0].name: Invalid value: \"net.core.somaxconn\": may not be specified when 'hostNetwork' is true",
    ],
  },
  {
    name: "validatePodSecurityContext() checks the fsGroup change policy",
    input: () =>
      printed(
        validatePodSecurityContext(podSpec({ securityContext: { fsGroupChangePolicy: "Never" } }), "sc"),
      ),
    want: [
      'sc.fsGroupChangePolicy: Unsupported value: "Never": supported values: "Always", "OnRootMismatch"',
    ],
  },
]

for (const c of cases) {
  test(c.name, () => {
    assert.deepEqual(c.input(), c.want)
  })
}

import assert from "node:assert/strict"
import { test } from "node:test"
import type { PodSpec } from "kubernetes-types/core/v1.js"
import { forbiddenDetail } from "./check.ts"
import { evaluatePod } from "./evaluator.ts"
import type { LevelVersion } from "./levels.ts"

const plain: PodSpec = { containers: [{ name: "c", image: "nginx" }] }
const restrictedOk: PodSpec = {
  securityContext: { runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } },
  containers: [
    {
      name: "c",
      image: "nginx",
      securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } },
    },
  ],
}
const hostly: PodSpec = {
  hostNetwork: true,
  volumes: [{ name: "root", hostPath: { path: "/" } }],
  containers: [
    { name: "c", image: "nginx", securityContext: { privileged: true, capabilities: { add: ["NET_RAW"] } } },
  ],
}

const cases: { name: string; lv: LevelVersion; spec: PodSpec; want: string }[] = [
  {
    name: "privileged checks nothing",
    lv: { level: "privileged", version: "latest" },
    spec: hostly,
    want: "",
  },
  {
    name: "a plain pod passes baseline",
    lv: { level: "baseline", version: "latest" },
    spec: plain,
    want: "",
  },
  {
    name: "a plain pod fails restricted, reasons in upstream's order",
    lv: { level: "restricted", version: "latest" },
    spec: plain,
    want:
      'allowPrivilegeEscalation != false (container "c" must set securityContext.allowPrivilegeEscalation=false), ' +
      'unrestricted capabilities (container "c" must set securityContext.capabilities.drop=["ALL"]), ' +
      'runAsNonRoot != true (pod or container "c" must set securityContext.runAsNonRoot=true), ' +
      'seccompProfile (pod or container "c" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")',
  },
  {
    name: "a hardened pod passes restricted",
    lv: { level: "restricted", version: 30 },
    spec: restrictedOk,
    want: "",
  },
  {
    name: "baseline lists the host checks, sorted by id",
    lv: { level: "baseline", version: "latest" },
    spec: hostly,
    want:
      'non-default capabilities (container "c" must not include "NET_RAW" in securityContext.capabilities.add), ' +
      "host namespaces (hostNetwork=true), " +
      'hostPath volumes (volume "root"), ' +
      'privileged (container "c" must not set securityContext.privileged=true)',
  },
  {
    name: "restricted replaces the baseline checks it overrides",
    lv: { level: "restricted", version: 35 },
    spec: { ...restrictedOk, volumes: [{ name: "root", hostPath: { path: "/" } }] },
    want: 'restricted volume types (volume "root" uses restricted volume type "hostPath")',
  },
  {
    name: "restricted v1.21 still has the baseline capabilities check",
    lv: { level: "restricted", version: 21 },
    spec: {
      ...restrictedOk,
      containers: [
        {
          name: "c",
          image: "i",
          securityContext: { allowPrivilegeEscalation: false, capabilities: { add: ["NET_RAW"] } },
        },
      ],
    },
    want: 'non-default capabilities (container "c" must not include "NET_RAW" in securityContext.capabilities.add)',
  },
  {
    name: "a version past the newest evaluates as the newest",
    lv: { level: "restricted", version: 99 },
    spec: {
      ...restrictedOk,
      hostUsers: false,
      securityContext: { seccompProfile: { type: "RuntimeDefault" } },
    },
    want: "",
  },
]

for (const tc of cases) {
  test(`evaluatePod(): ${tc.name}`, () => {
    assert.equal(forbiddenDetail(evaluatePod(tc.lv, {}, tc.spec)), tc.want)
  })
}

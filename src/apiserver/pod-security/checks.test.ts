import assert from "node:assert/strict"
import { test } from "node:test"
import type { ObjectMeta } from "kubernetes-types/meta/v1.js"
import type { Container, PodSpec } from "kubernetes-types/core/v1.js"
import type { Forbidden } from "./check.ts"
import { CHECKS, MAX_POLICY_MINOR } from "./evaluator.ts"

/** Runs check `id` in the version in force at v1.`minor` (undefined when none is). */
function run(
  id: string,
  minor: number,
  spec: PodSpec,
  meta: ObjectMeta = {},
): Forbidden | undefined | "absent" {
  const c = CHECKS.find((x) => x.id === id)
  assert.ok(c, `no check ${id}`)
  let found
  for (const v of c.versions) if (v.minimum <= minor) found = v
  return found ? found.check(meta, spec) : "absent"
}

function spec(containers: Container[], rest: Partial<PodSpec> = {}): PodSpec {
  return { containers, ...rest }
}

function c(name: string, extra: Partial<Container> = {}): Container {
  return { name, image: "img", ...extra }
}

const LATEST = MAX_POLICY_MINOR

interface Case {
  readonly name: string
  readonly id: string
  readonly minor?: number
  readonly spec: PodSpec
  readonly meta?: ObjectMeta
  /** The forbidden reason and detail, undefined when allowed, "absent" when no version applies. */
  readonly want: Forbidden | undefined | "absent"
}

const cases: Case[] = [
  // privileged
  {
    name: "unprivileged containers pass",
    id: "privileged",
    spec: spec([c("a", { securityContext: { privileged: false } })]),
    want: undefined,
  },
  {
    name: "privileged containers fail, init containers first",
    id: "privileged",
    spec: spec([c("app", { securityContext: { privileged: true } })], {
      initContainers: [c("init", { securityContext: { privileged: true } })],
    }),
    want: {
      reason: "privileged",
      detail: 'containers "init", "app" must not set securityContext.privileged=true',
    },
  },
  // hostNamespaces
  {
    name: "no host namespaces pass",
    id: "hostNamespaces",
    spec: spec([c("a")], { hostNetwork: false }),
    want: undefined,
  },
  {
    name: "host network and IPC fail",
    id: "hostNamespaces",
    spec: spec([c("a")], { hostNetwork: true, hostIPC: true }),
    want: { reason: "host namespaces", detail: "hostNetwork=true, hostIPC=true" },
  },
  // hostPorts
  {
    name: "container ports without hostPort pass",
    id: "hostPorts",
    spec: spec([c("a", { ports: [{ containerPort: 80, hostPort: 0 }] })]),
    want: undefined,
  },
  {
    name: "one container with one hostPort",
    id: "hostPorts",
    spec: spec([c("a", { ports: [{ containerPort: 80, hostPort: 80 }] })]),
    want: { reason: "hostPort", detail: 'container "a" uses hostPort 80' },
  },
  {
    name: "hostPorts listed once each, sorted as text",
    id: "hostPorts",
    spec: spec([
      c("a", {
        ports: [
          { containerPort: 1, hostPort: 8080 },
          { containerPort: 2, hostPort: 80 },
        ],
      }),
      c("b", { ports: [{ containerPort: 3, hostPort: 80 }] }),
    ]),
    want: { reason: "hostPort", detail: 'containers "a", "b" use hostPorts 80, 8080' },
  },
  // hostPathVolumes
  {
    name: "an emptyDir passes",
    id: "hostPathVolumes",
    spec: spec([c("a")], { volumes: [{ name: "e", emptyDir: {} }] }),
    want: undefined,
  },
  {
    name: "a hostPath volume fails",
    id: "hostPathVolumes",
    spec: spec([c("a")], {
      volumes: [
        { name: "h", hostPath: { path: "/" } },
        { name: "e", emptyDir: {} },
      ],
    }),
    want: { reason: "hostPath volumes", detail: 'volume "h"' },
  },
  // hostProbesAndHostLifecycle
  {
    name: "probes without a host pass",
    id: "hostProbesAndHostLifecycle",
    spec: spec([c("a", { livenessProbe: { httpGet: { port: 80 } } })]),
    want: undefined,
  },
  {
    name: "probe and lifecycle hosts fail, containers and hosts sorted",
    id: "hostProbesAndHostLifecycle",
    spec: spec([
      c("b", { livenessProbe: { httpGet: { port: 80, host: "10.0.0.1" } } }),
      c("a", { lifecycle: { preStop: { tcpSocket: { port: 1, host: "example.com" } } } }),
    ]),
    want: {
      reason: "probe or lifecycle host",
      detail: 'containers "a", "b" use probe or lifecycle hosts "10.0.0.1", "example.com"',
    },
  },
  {
    name: "probe hosts are not checked before v1.34",
    id: "hostProbesAndHostLifecycle",
    minor: 33,
    spec: spec([c("a", { readinessProbe: { tcpSocket: { port: 80, host: "x" } } })]),
    want: "absent",
  },
  // windowsHostProcess
  {
    name: "hostProcess false passes",
    id: "windowsHostProcess",
    spec: spec([c("a", { securityContext: { windowsOptions: { hostProcess: false } } })]),
    want: undefined,
  },
  {
    name: "pod and container hostProcess fail",
    id: "windowsHostProcess",
    spec: spec([c("a", { securityContext: { windowsOptions: { hostProcess: true } } })], {
      securityContext: { windowsOptions: { hostProcess: true } },
    }),
    want: {
      reason: "hostProcess",
      detail: 'pod and container "a" must not set securityContext.windowsOptions.hostProcess=true',
    },
  },
  // sysctls
  {
    name: "safe sysctls pass",
    id: "sysctls",
    spec: spec([c("a")], { securityContext: { sysctls: [{ name: "net.ipv4.tcp_rmem", value: "1" }] } }),
    want: undefined,
  },
  {
    name: "unsafe sysctls fail in order",
    id: "sysctls",
    spec: spec([c("a")], {
      securityContext: {
        sysctls: [
          { name: "kernel.msgmax", value: "1" },
          { name: "vm.swappiness", value: "1" },
        ],
      },
    }),
    want: { reason: "forbidden sysctls", detail: "kernel.msgmax, vm.swappiness" },
  },
  {
    name: "net.ipv4.ip_local_reserved_ports is unsafe before v1.27",
    id: "sysctls",
    minor: 26,
    spec: spec([c("a")], {
      securityContext: { sysctls: [{ name: "net.ipv4.ip_local_reserved_ports", value: "1" }] },
    }),
    want: { reason: "forbidden sysctls", detail: "net.ipv4.ip_local_reserved_ports" },
  },
  {
    name: "net.ipv4.tcp_wmem is unsafe before v1.32",
    id: "sysctls",
    minor: 31,
    spec: spec([c("a")], { securityContext: { sysctls: [{ name: "net.ipv4.tcp_wmem", value: "1" }] } }),
    want: { reason: "forbidden sysctls", detail: "net.ipv4.tcp_wmem" },
  },
  // capabilities_baseline
  {
    name: "default capabilities pass",
    id: "capabilities_baseline",
    spec: spec([c("a", { securityContext: { capabilities: { add: ["CHOWN", "NET_BIND_SERVICE"] } } })]),
    want: undefined,
  },
  {
    name: "added capabilities beyond the default set fail",
    id: "capabilities_baseline",
    spec: spec([c("a", { securityContext: { capabilities: { add: ["SYS_ADMIN", "CHOWN", "NET_RAW"] } } })]),
    want: {
      reason: "non-default capabilities",
      detail: 'container "a" must not include "NET_RAW", "SYS_ADMIN" in securityContext.capabilities.add',
    },
  },
  // appArmorProfile
  {
    name: "RuntimeDefault, Localhost and localhost annotations pass",
    id: "appArmorProfile",
    spec: spec(
      [c("a", { securityContext: { appArmorProfile: { type: "Localhost", localhostProfile: "p" } } })],
      {
        securityContext: { appArmorProfile: { type: "RuntimeDefault" } },
      },
    ),
    meta: { annotations: { "container.apparmor.security.beta.kubernetes.io/a": "localhost/p" } },
    want: undefined,
  },
  {
    name: "Unconfined profiles and annotations fail",
    id: "appArmorProfile",
    spec: spec([c("a", { securityContext: { appArmorProfile: { type: "Unconfined" } } })], {
      securityContext: { appArmorProfile: { type: "Unconfined" } },
    }),
    meta: { annotations: { "container.apparmor.security.beta.kubernetes.io/b": "unconfined" } },
    want: {
      reason: "forbidden AppArmor profiles",
      detail:
        'pod and container "a" and annotation must not set AppArmor profile type to "Unconfined", ' +
        '"container.apparmor.security.beta.kubernetes.io/b="unconfined""',
    },
  },
  // seLinuxOptions
  {
    name: "container types and levels pass",
    id: "seLinuxOptions",
    spec: spec([c("a", { securityContext: { seLinuxOptions: { type: "container_t", level: "s0:c1" } } })]),
    want: undefined,
  },
  {
    name: "other types, users and roles fail",
    id: "seLinuxOptions",
    spec: spec([c("a", { securityContext: { seLinuxOptions: { user: "u", role: "r" } } })], {
      securityContext: { seLinuxOptions: { type: "spc_t" } },
    }),
    want: {
      reason: "seLinuxOptions",
      detail:
        'pod and container "a" set forbidden securityContext.seLinuxOptions: type "spc_t"; user may not be set; role may not be set',
    },
  },
  {
    name: "container_engine_t is allowed from v1.31",
    id: "seLinuxOptions",
    minor: 31,
    spec: spec([c("a", { securityContext: { seLinuxOptions: { type: "container_engine_t" } } })]),
    want: undefined,
  },
  {
    name: "container_engine_t is refused before v1.31",
    id: "seLinuxOptions",
    minor: 30,
    spec: spec([c("a", { securityContext: { seLinuxOptions: { type: "container_engine_t" } } })]),
    want: {
      reason: "seLinuxOptions",
      detail: 'container "a" set forbidden securityContext.seLinuxOptions: type "container_engine_t"',
    },
  },
  // seccompProfile_baseline
  {
    name: "no seccomp profile passes baseline",
    id: "seccompProfile_baseline",
    spec: spec([c("a")]),
    want: undefined,
  },
  {
    name: "an Unconfined pod profile fails",
    id: "seccompProfile_baseline",
    spec: spec([c("a")], { securityContext: { seccompProfile: { type: "Unconfined" } } }),
    want: {
      reason: "seccompProfile",
      detail: 'pod must not set securityContext.seccompProfile.type to "Unconfined"',
    },
  },
  {
    name: "before v1.19 the seccomp annotations are checked",
    id: "seccompProfile_baseline",
    minor: 18,
    spec: spec([c("a")]),
    meta: {
      annotations: {
        "seccomp.security.alpha.kubernetes.io/pod": "unconfined",
        "container.seccomp.security.alpha.kubernetes.io/a": "runtime/default",
      },
    },
    want: {
      reason: "seccompProfile",
      detail: 'forbidden annotation seccomp.security.alpha.kubernetes.io/pod="unconfined"',
    },
  },
  // seccompProfile_restricted
  {
    name: "a pod RuntimeDefault profile covers every container",
    id: "seccompProfile_restricted",
    spec: spec([c("a"), c("b")], { securityContext: { seccompProfile: { type: "RuntimeDefault" } } }),
    want: undefined,
  },
  {
    name: "containers without a profile fail",
    id: "seccompProfile_restricted",
    spec: spec([
      c("a"),
      c("b", { securityContext: { seccompProfile: { type: "Localhost", localhostProfile: "p" } } }),
    ]),
    want: {
      reason: "seccompProfile",
      detail:
        'pod or container "a" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost"',
    },
  },
  {
    name: "a Windows pod needs none from v1.25",
    id: "seccompProfile_restricted",
    spec: spec([c("a")], { os: { name: "windows" } }),
    want: undefined,
  },
  {
    name: "a Windows pod needs one before v1.25",
    id: "seccompProfile_restricted",
    minor: 24,
    spec: spec([c("a")], { os: { name: "windows" } }),
    want: {
      reason: "seccompProfile",
      detail:
        'pod or container "a" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost"',
    },
  },
  // procMount
  {
    name: "the Default proc mount passes",
    id: "procMount",
    spec: spec([c("a", { securityContext: { procMount: "Default" } })]),
    want: undefined,
  },
  {
    name: "an Unmasked proc mount fails",
    id: "procMount",
    spec: spec([c("a", { securityContext: { procMount: "Unmasked" } })]),
    want: {
      reason: "procMount",
      detail: 'container "a" must not set securityContext.procMount to "Unmasked"',
    },
  },
  {
    name: "baseline allows Unmasked in a user namespace from v1.35",
    id: "procMount",
    spec: spec([c("a", { securityContext: { procMount: "Unmasked" } })], { hostUsers: false }),
    want: undefined,
  },
  {
    name: "restricted refuses Unmasked in a user namespace",
    id: "procMount_restricted",
    spec: spec([c("a", { securityContext: { procMount: "Unmasked" } })], { hostUsers: false }),
    want: {
      reason: "procMount",
      detail: 'container "a" must not set securityContext.procMount to "Unmasked"',
    },
  },
  // allowPrivilegeEscalation
  {
    name: "allowPrivilegeEscalation=false passes",
    id: "allowPrivilegeEscalation",
    spec: spec([c("a", { securityContext: { allowPrivilegeEscalation: false } })]),
    want: undefined,
  },
  {
    name: "unset or true fails",
    id: "allowPrivilegeEscalation",
    spec: spec([c("a"), c("b", { securityContext: { allowPrivilegeEscalation: true } })]),
    want: {
      reason: "allowPrivilegeEscalation != false",
      detail: 'containers "a", "b" must set securityContext.allowPrivilegeEscalation=false',
    },
  },
  {
    name: "not checked before v1.8",
    id: "allowPrivilegeEscalation",
    minor: 7,
    spec: spec([c("a")]),
    want: "absent",
  },
  // capabilities_restricted
  {
    name: "dropping ALL and adding NET_BIND_SERVICE passes",
    id: "capabilities_restricted",
    spec: spec([c("a", { securityContext: { capabilities: { drop: ["ALL"], add: ["NET_BIND_SERVICE"] } } })]),
    want: undefined,
  },
  {
    name: "not dropping ALL and adding others fail",
    id: "capabilities_restricted",
    spec: spec([
      c("a"),
      c("b", { securityContext: { capabilities: { drop: ["ALL"], add: ["NET_RAW", "CHOWN"] } } }),
    ]),
    want: {
      reason: "unrestricted capabilities",
      detail:
        'container "a" must set securityContext.capabilities.drop=["ALL"]; ' +
        'container "b" must not include "CHOWN", "NET_RAW" in securityContext.capabilities.add',
    },
  },
  // runAsNonRoot
  {
    name: "a pod runAsNonRoot=true covers its containers",
    id: "runAsNonRoot",
    spec: spec([c("a")], { securityContext: { runAsNonRoot: true } }),
    want: undefined,
  },
  {
    name: "an explicit false fails before the unset containers are named",
    id: "runAsNonRoot",
    spec: spec([c("a"), c("b", { securityContext: { runAsNonRoot: false } })], {
      securityContext: { runAsNonRoot: false },
    }),
    want: {
      reason: "runAsNonRoot != true",
      detail: 'pod and container "b" must not set securityContext.runAsNonRoot=false',
    },
  },
  {
    name: "unset everywhere fails",
    id: "runAsNonRoot",
    spec: spec([c("a")]),
    want: {
      reason: "runAsNonRoot != true",
      detail: 'pod or container "a" must set securityContext.runAsNonRoot=true',
    },
  },
  {
    name: "a user namespace pod passes from v1.35",
    id: "runAsNonRoot",
    spec: spec([c("a")], { hostUsers: false }),
    want: undefined,
  },
  {
    name: "a user namespace pod fails before v1.35",
    id: "runAsNonRoot",
    minor: 34,
    spec: spec([c("a")], { hostUsers: false }),
    want: {
      reason: "runAsNonRoot != true",
      detail: 'pod or container "a" must set securityContext.runAsNonRoot=true',
    },
  },
  // runAsUser
  {
    name: "a non-zero user passes",
    id: "runAsUser",
    spec: spec([c("a", { securityContext: { runAsUser: 1000 } })]),
    want: undefined,
  },
  {
    name: "user 0 fails",
    id: "runAsUser",
    spec: spec([c("a", { securityContext: { runAsUser: 0 } })], { securityContext: { runAsUser: 0 } }),
    want: { reason: "runAsUser=0", detail: 'pod and container "a" must not set runAsUser=0' },
  },
  {
    name: "not checked before v1.23",
    id: "runAsUser",
    minor: 22,
    spec: spec([c("a", { securityContext: { runAsUser: 0 } })]),
    want: "absent",
  },
  // restrictedVolumes
  {
    name: "the allowed volume types pass",
    id: "restrictedVolumes",
    spec: spec([c("a")], {
      volumes: [
        { name: "cm", configMap: { name: "x" } },
        { name: "s", secret: { secretName: "x" } },
        { name: "p", persistentVolumeClaim: { claimName: "x" } },
        { name: "i", image: { reference: "x" } } as never,
      ],
    }),
    want: undefined,
  },
  {
    name: "other volume types fail",
    id: "restrictedVolumes",
    spec: spec([c("a")], {
      volumes: [
        { name: "h", hostPath: { path: "/" } },
        { name: "n", nfs: { server: "s", path: "/" } },
        { name: "e", emptyDir: {} },
        { name: "u" },
      ],
    }),
    want: {
      reason: "restricted volume types",
      detail: 'volumes "h", "n", "u" use restricted volume types "hostPath", "nfs", "unknown"',
    },
  },
]

for (const tc of cases) {
  test(`${tc.id} v1.${tc.minor ?? LATEST}: ${tc.name}`, () => {
    assert.deepEqual(run(tc.id, tc.minor ?? LATEST, tc.spec, tc.meta), tc.want)
  })
}

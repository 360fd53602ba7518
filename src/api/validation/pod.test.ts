import assert from "node:assert/strict"
import { test } from "node:test"
import type { Pod, PodSpec } from "kubernetes-types/core/v1.js"
import { container, pod, printed, stored } from "./_fixtures.ts"
import { validatePod } from "./pod.ts"

const createCases: { name: string; input: Pod; want: string[] }[] = [
  { name: "validatePod() accepts a defaulted pod", input: pod(), want: [] },
  {
    // Upstream checks pod-level names with validatePodResourceName, not the containers' rule.
    name: "validatePod() refuses a pod-level resource that is no resource once",
    input: pod({ resources: { limits: { cpu: "1", "limits.hugepages-2Mi": "2Mi" } } } as Partial<PodSpec>),
    want: [
      'spec.resources.limits[limits.hugepages-2Mi]: Invalid value: "limits.hugepages-2Mi": must be a standard resource type or fully qualified',
    ],
  },
  {
    name: "validatePod() requires containers",
    input: pod({ containers: [] }),
    want: ["spec.containers: Required value"],
  },
  {
    name: "validatePod() requires an image",
    input: pod({ containers: [container("web", { image: "" })] }),
    want: ["spec.containers[0].image: Required value"],
  },
  {
    name: "validatePod() requires unique container names",
    input: pod({ containers: [container("web"), container("web")] }),
    want: ['spec.containers[1].name: Duplicate value: "web"'],
  },
  {
    name: "validatePod() requires DNS-label container names",
    input: pod({ containers: [container("Web")] }),
    want: [
      `spec.containers[0].name: Invalid value: "Web": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')`,
    ],
  },
  {
    name: "validatePod() checks port numbers and protocols",
    input: pod({ containers: [container("web", { ports: [{ containerPort: 70000, protocol: "HTTP" }] })] }),
    want: [
      "spec.containers[0].ports[0].containerPort: Invalid value: 70000: must be between 1 and 65535, inclusive",
      'spec.containers[0].ports[0].protocol: Unsupported value: "HTTP": supported values: "SCTP", "TCP", "UDP"',
    ],
  },
  {
    name: "validatePod() requires a containerPort",
    input: pod({ containers: [container("web", { ports: [{ containerPort: 0, protocol: "TCP" }] })] }),
    want: ["spec.containers[0].ports[0].containerPort: Required value"],
  },
  {
    name: "validatePod() requires env names",
    input: pod({ containers: [container("web", { env: [{ name: "" }] })] }),
    want: ["spec.containers[0].env[0].name: Required value"],
  },
  {
    name: "validatePod() checks env valueFrom sources",
    input: pod({
      containers: [
        container("web", {
          env: [{ name: "A", value: "x", valueFrom: { secretKeyRef: { name: "s", key: "k" } } }],
        }),
      ],
    }),
    want: [
      'spec.containers[0].env[0].valueFrom: Invalid value: "": may not be specified when `value` is not empty',
    ],
  },
  {
    name: "validatePod() keeps requests within limits",
    input: pod({
      containers: [container("web", { resources: { requests: { cpu: "2" }, limits: { cpu: "1000m" } } })],
    }),
    want: [
      'spec.containers[0].resources.requests: Invalid value: "2": must be less than or equal to cpu limit of 1',
    ],
  },
  {
    name: "validatePod() refuses negative quantities",
    input: pod({ containers: [container("web", { resources: { requests: { memory: "-1Gi" } } })] }),
    want: [
      'spec.containers[0].resources.requests[memory]: Invalid value: "-1Gi": must be greater than or equal to 0',
    ],
  },
  {
    name: "validatePod() refuses unknown unprefixed resources",
    input: pod({ containers: [container("web", { resources: { limits: { cpus: "1" } } })] }),
    want: [
      'spec.containers[0].resources.limits[cpus]: Invalid value: "cpus": must be a standard resource type or fully qualified',
      'spec.containers[0].resources.limits[cpus]: Invalid value: "cpus": must be a standard resource for containers',
    ],
  },
  {
    name: "validatePod() requires extended resources to be whole and equal",
    input: pod({
      containers: [
        container("web", {
          resources: { requests: { "example.com/gpu": "1" }, limits: { "example.com/gpu": "2" } },
        }),
      ],
    }),
    want: [
      'spec.containers[0].resources.requests: Invalid value: "1": must be equal to example.com/gpu limit of 2',
    ],
  },
  {
    name: "validatePod() requires mounts to name a volume",
    input: pod({ containers: [container("web", { volumeMounts: [{ name: "data", mountPath: "/data" }] })] }),
    want: ['spec.containers[0].volumeMounts[0].name: Not found: "data"'],
  },
  {
    name: "validatePod() requires unique volume names with one source",
    input: pod({
      volumes: [
        { name: "a", emptyDir: {} },
        { name: "a", emptyDir: {}, hostPath: { path: "/x" } },
      ],
    }),
    want: [
      "spec.volumes[1].hostPath: Forbidden: may not specify more than 1 volume type",
      'spec.volumes[1].name: Duplicate value: "a"',
    ],
  },
  {
    name: "validatePod() requires a volume source",
    input: pod({ volumes: [{ name: "a" }] }),
    want: ["spec.volumes[0]: Required value: must specify a volume type"],
  },
  {
    name: "validatePod() requires a secret name",
    input: pod({ volumes: [{ name: "a", secret: { defaultMode: 0o1000 } }] }),
    want: [
      "spec.volumes[0].secret.secretName: Required value",
      "spec.volumes[0].secret.defaultMode: Invalid value: 512: must be a number between 0 and 0777 (octal), both inclusive",
    ],
  },
  {
    name: "validatePod() checks restart and DNS policies",
    input: pod({ restartPolicy: "Sometimes", dnsPolicy: "" }),
    want: [
      'spec.restartPolicy: Unsupported value: "Sometimes": supported values: "Always", "OnFailure", "Never"',
      "spec.dnsPolicy: Required value",
    ],
  },
  {
    name: "validatePod() requires terminationGracePeriodSeconds",
    input: pod({ terminationGracePeriodSeconds: undefined }),
    want: ["spec.terminationGracePeriodSeconds: Required value"],
  },
  {
    name: "validatePod() checks probes",
    input: pod({
      containers: [
        container("web", {
          livenessProbe: {
            periodSeconds: -1,
            successThreshold: 2,
            httpGet: { port: 0, path: "/", scheme: "HTTP" },
          },
        }),
      ],
    }),
    want: [
      "spec.containers[0].livenessProbe.httpGet.port: Invalid value: 0: must be between 1 and 65535, inclusive",
      "spec.containers[0].livenessProbe.periodSeconds: Invalid value: -1: must be greater than or equal to 0",
      "spec.containers[0].livenessProbe.successThreshold: Invalid value: 2: must be 1",
    ],
  },
  {
    name: "validatePod() requires one probe handler",
    input: pod({ containers: [container("web", { readinessProbe: { successThreshold: 1 } })] }),
    want: ["spec.containers[0].readinessProbe: Required value: must specify a handler type"],
  },
  {
    name: "validatePod() checks tolerations",
    input: pod({ tolerations: [{ operator: "Equal", value: "x" }] }),
    want: [
      `spec.tolerations[0].operator: Invalid value: "Equal": operator must be Exists when \`key\` is empty, which means "match all values and all keys"`,
    ],
  },
  {
    name: "validatePod() checks the security context ids",
    input: pod({ securityContext: { runAsUser: -1 } }),
    want: ["spec.securityContext.runAsUser: Invalid value: -1: must be between 0 and 4294967295, inclusive"],
  },
  {
    name: "validatePod() requires host ports to match on the host network",
    input: pod({
      hostNetwork: true,
      containers: [container("web", { ports: [{ containerPort: 80, hostPort: 8080, protocol: "TCP" }] })],
    }),
    want: [
      "spec.containers[0].ports[0].hostPort: Invalid value: 8080: must match `containerPort` when `hostNetwork` is true",
    ],
  },
  {
    name: "validatePod() forbids ephemeral containers on create",
    input: pod({ ephemeralContainers: [{ ...container("debug") }] }),
    want: ["spec.ephemeralContainers: Forbidden: cannot be set on create"],
  },
  {
    name: "validatePod() refuses padded images",
    input: pod({ containers: [container("web", { image: " nginx" })] }),
    want: ['spec.containers[0].image: Invalid value: " nginx": must not have leading or trailing whitespace'],
  },
  {
    name: "validatePod() checks node selector labels",
    input: pod({ nodeSelector: { "kubernetes.io/os": "linux os" } }),
    want: [
      `spec.nodeSelector: Invalid value: "linux os": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')`,
    ],
  },
  {
    name: "validatePod() checks each port, then host ports for conflicts across containers",
    input: pod({
      containers: [
        container("a", {
          ports: [
            { containerPort: 80, hostPort: 8080, protocol: "TCP" },
            { containerPort: 81, hostPort: 70000, protocol: "TCP" },
          ],
        }),
        container("b", {
          ports: [
            { containerPort: 80, hostPort: 8080, protocol: "TCP" },
            { name: "Bad_Name", containerPort: 99999, protocol: "TCP" },
          ],
        }),
      ],
    }),
    want: [
      "spec.containers[0].ports[1].hostPort: Invalid value: 70000: must be between 1 and 65535, inclusive",
      'spec.containers[1].ports[1].name: Invalid value: "Bad_Name": must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)',
      "spec.containers[1].ports[1].containerPort: Invalid value: 99999: must be between 1 and 65535, inclusive",
      'spec.containers[1].ports[0].hostPort: Duplicate value: "TCP//8080"',
    ],
  },
  {
    name: "validatePod() requires unique port names, and init container names unique across all",
    input: pod({
      containers: [
        container("a", {
          ports: [
            { name: "http", containerPort: 80, protocol: "TCP" },
            { containerPort: 81, protocol: "TCP" },
            { name: "http", containerPort: 82, protocol: "TCP" },
          ],
        }),
      ],
      initContainers: [container("a"), container("init"), container("init")],
    }),
    want: [
      'spec.containers[0].ports[2].name: Duplicate value: "http"',
      'spec.initContainers[0].name: Duplicate value: "a"',
      'spec.initContainers[2].name: Duplicate value: "init"',
    ],
  },
  {
    name: "validatePod() checks resize policies",
    input: pod({
      containers: [
        container("a", {
          resizePolicy: [
            { resourceName: "cpu", restartPolicy: "NotRequired" },
            { resourceName: "cpu", restartPolicy: "Sometimes" },
            { resourceName: "gpu", restartPolicy: "NotRequired" },
          ],
        }),
      ],
    }),
    want: [
      'spec.containers[0].resizePolicy[1]: Duplicate value: "cpu"',
      'spec.containers[0].resizePolicy: Unsupported value: "Sometimes": supported values: "NotRequired", "RestartContainer"',
      'spec.containers[0].resizePolicy: Unsupported value: "gpu": supported values: "cpu", "memory"',
    ],
  },
  {
    name: "validatePod() requires unique resource claims and scheduling gates",
    input: pod({
      resourceClaims: [
        { name: "gpu", resourceClaimName: "c1" },
        { name: "gpu", resourceClaimName: "c2" },
        { name: "Bad", resourceClaimTemplateName: "t" },
      ] as unknown as PodSpec["resourceClaims"],
      schedulingGates: [{ name: "example.com/wait" }, { name: "example.com/wait" }, { name: "bad gate" }],
      containers: [
        container("a", { resources: { claims: [{ name: "gpu" }, { name: "gpu" }, { name: "fpga" }] } }),
      ],
    }),
    want: [
      'spec.resourceClaims[1].name: Duplicate value: "gpu"',
      "spec.resourceClaims[2].name: Invalid value: \"Bad\": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')",
      'spec.schedulingGates[1]: Duplicate value: "example.com/wait"',
      "spec.schedulingGates[2]: Invalid value: \"bad gate\": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')",
      'spec.containers[0].resources.claims[1]: Duplicate value: "gpu"',
      'spec.containers[0].resources.claims[2]: Not found: "fpga": must be one of the names in pod.spec.resourceClaims: Bad, gpu',
    ],
  },
  {
    name: "validatePod() requires unique sysctl names",
    input: pod({
      securityContext: {
        sysctls: [
          { name: "kernel.shm_rmid_forced", value: "1" },
          { name: "kernel.shm_rmid_forced", value: "0" },
          { name: "", value: "1" },
        ],
      },
    }),
    want: [
      'spec.securityContext.sysctls[1].name: Duplicate value: "kernel.shm_rmid_forced"',
      "spec.securityContext.sysctls[2].name: Required value",
    ],
  },
  {
    name: "validatePod() checks the names in metadata and spec",
    input: pod(
      {
        serviceAccountName: "Bad_SA",
        hostname: "Bad.Host",
        subdomain: "-sub",
        nodeName: "node_1",
        priorityClassName: "x".repeat(254),
      },
      {
        name: "Bad_Name",
        namespace: "Bad_NS",
        generateName: "Gen_",
        annotations: { "Bad Key/x": "v", "example.com/ok": "v" },
      },
    ),
    want: [
      "metadata.generateName: Invalid value: \"Gen_\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
      "metadata.name: Invalid value: \"Bad_Name\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
      "metadata.namespace: Invalid value: \"Bad_NS\": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')",
      "metadata.annotations: Invalid value: \"Bad Key/x\": prefix part a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
      "spec.serviceAccountName: Invalid value: \"Bad_SA\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
      "spec.nodeName: Invalid value: \"node_1\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
      'spec.priorityClassName: Invalid value: "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx": must be no more than 253 characters',
      "spec.hostname: Invalid value: \"Bad.Host\": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')",
      "spec.subdomain: Invalid value: \"-sub\": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')",
    ],
  },
  {
    name: "validatePod() checks toleration keys, effects, operators and values",
    input: pod({
      tolerations: [
        { key: "bad key/x/y", operator: "Exists" },
        { key: "example.com/ok", operator: "Exists", effect: "NoExecute", tolerationSeconds: 5 },
        { key: "k", operator: "Exists", effect: "Sometimes" },
        { key: "k", operator: "Equal", value: "bad value", effect: "NoSchedule", tolerationSeconds: 1 },
      ],
    }),
    want: [
      "spec.tolerations[0].key: Invalid value: \"bad key/x/y\": a valid label key must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')",
      'spec.tolerations[2].effect: Unsupported value: "Sometimes": supported values: "NoSchedule", "PreferNoSchedule", "NoExecute"',
      "spec.tolerations[3].effect: Invalid value: \"NoSchedule\": effect must be 'NoExecute' when `tolerationSeconds` is set",
      "spec.tolerations[3].operator: Invalid value: \"bad value\": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')",
    ],
  },
  {
    name: "validatePod() checks resource names, quantities and requests against limits, in order",
    input: pod({
      containers: [
        container("a", {
          resources: {
            limits: { cpu: "1", "example.com/gpu": "2", "bad name": "1" },
            requests: { cpu: "2", memory: "1Gi", "example.com/gpu": "1", "hugepages-2Mi": "x" },
          },
        }),
      ],
    }),
    want: [
      "spec.containers[0].resources.limits[bad name]: Invalid value: \"bad name\": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')",
      'spec.containers[0].resources.limits[bad name]: Invalid value: "bad name": must be a standard resource for containers',
      'spec.containers[0].resources.requests: Invalid value: "2": must be less than or equal to cpu limit of 1',
      'spec.containers[0].resources.requests: Invalid value: "1": must be equal to example.com/gpu limit of 2',
      "spec.containers[0].resources.requests[hugepages-2Mi]: Invalid value: \"x\": quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'",
      "spec.containers[0].resources.limits: Required value: Limit must be set for non overcommitable resources",
    ],
  },
  {
    name: "validatePod() checks finalizers",
    input: pod(
      {},
      {
        name: "web",
        namespace: "default",
        finalizers: ["orphan", "foregroundDeletion", "bad finalizer", "custom"],
      },
    ),
    want: [
      "metadata.finalizers: Invalid value: \"bad finalizer\": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')",
      'metadata.finalizers: Invalid value: ["orphan","foregroundDeletion","bad finalizer","custom"]: finalizer orphan and foregroundDeletion cannot be both set',
      'metadata.finalizers[2]: Invalid value: "bad finalizer": name is neither a standard finalizer name nor is it fully qualified',
      'metadata.finalizers[3]: Invalid value: "custom": name is neither a standard finalizer name nor is it fully qualified',
    ],
  },
]

for (const c of createCases) {
  test(c.name, () => {
    assert.deepEqual(printed(validatePod(c.input)), c.want)
  })
}

const old = stored(
  pod({
    tolerations: [{ key: "a", operator: "Exists", effect: "NoExecute", tolerationSeconds: 10 }],
    activeDeadlineSeconds: 100,
  }),
)

function changed(f: (p: Pod) => void): Pod {
  const p = structuredClone(old)
  f(p)
  return p
}

const updateCases: { name: string; input: Pod; want: string[] }[] = [
  { name: "validatePod() on update accepts an unchanged pod", input: changed(() => {}), want: [] },
  {
    name: "validatePod() on update allows a new image",
    input: changed((p) => (p.spec!.containers[0]!.image = "nginx:1.28")),
    want: [],
  },
  {
    name: "validatePod() on update allows added tolerations and changed tolerationSeconds",
    input: changed(
      (p) =>
        (p.spec!.tolerations = [
          { key: "a", operator: "Exists", effect: "NoExecute", tolerationSeconds: 5 },
          { key: "b", operator: "Exists" },
        ]),
    ),
    want: [],
  },
  {
    name: "validatePod() on update forbids removed tolerations",
    input: changed((p) => (p.spec!.tolerations = [])),
    want: [
      "spec.tolerations: Forbidden: existing toleration can not be modified except its tolerationSeconds",
    ],
  },
  {
    name: "validatePod() on update lets activeDeadlineSeconds only shrink",
    input: changed((p) => (p.spec!.activeDeadlineSeconds = 200)),
    want: ["spec.activeDeadlineSeconds: Invalid value: 200: must be less than or equal to previous value"],
  },
  {
    name: "validatePod() on update forbids adding containers",
    input: changed((p) => p.spec!.containers.push(container("side"))),
    want: ["spec.containers: Forbidden: pod updates may not add or remove containers"],
  },
  {
    name: "validatePod() on update forbids other spec changes",
    input: changed((p) => (p.spec!.restartPolicy = "Never")),
    want: [
      "spec: Forbidden: pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)\nchanged: spec.restartPolicy",
    ],
  },
]

for (const c of updateCases) {
  test(c.name, () => {
    assert.deepEqual(printed(validatePod(c.input, old)), c.want)
  })
}

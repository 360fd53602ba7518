import assert from "node:assert/strict"
import { test } from "node:test"
import type { Service, ServiceSpec } from "kubernetes-types/core/v1.js"
import { printed, stored } from "./_fixtures.ts"
import { validateService } from "./service.ts"

function svc(spec: Partial<ServiceSpec> = {}, name = "web"): Service {
  return {
    metadata: { name, namespace: "default" },
    spec: {
      type: "ClusterIP",
      sessionAffinity: "None",
      internalTrafficPolicy: "Cluster",
      ipFamilyPolicy: "SingleStack",
      ipFamilies: ["IPv4"],
      selector: { app: "web" },
      ports: [{ port: 80, targetPort: 8080, protocol: "TCP" }],
      ...spec,
    },
  }
}

const cases: { name: string; input: Service; want: string[] }[] = [
  { name: "validateService() accepts a defaulted service", input: svc(), want: [] },
  {
    name: "validateService() requires DNS-1035 names",
    input: svc({}, "1web"),
    want: [
      `metadata.name: Invalid value: "1web": a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')`,
    ],
  },
  {
    name: "validateService() requires ports",
    input: svc({ ports: [] }),
    want: ["spec.ports: Required value"],
  },
  {
    name: "validateService() lets headless services omit ports",
    input: svc({ ports: [], clusterIP: "None", clusterIPs: ["None"] }),
    want: [],
  },
  {
    name: "validateService() requires names when there are several ports",
    input: svc({
      ports: [
        { port: 80, protocol: "TCP", targetPort: 80 },
        { name: "b", port: 81, protocol: "TCP", targetPort: 81 },
      ],
    }),
    want: ["spec.ports[0].name: Required value"],
  },
  {
    name: "validateService() checks the port range and target port",
    input: svc({ ports: [{ port: 0, protocol: "TCP", targetPort: "HTTP" }] }),
    want: [
      "spec.ports[0].port: Invalid value: 0: must be between 1 and 65535, inclusive",
      'spec.ports[0].targetPort: Invalid value: "HTTP": must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)',
      'spec.ports[0].targetPort: Invalid value: "HTTP": must contain at least one letter (a-z)',
    ],
  },
  {
    name: "validateService() refuses duplicate ports",
    input: svc({
      ports: [
        { name: "a", port: 80, protocol: "TCP", targetPort: 80 },
        { name: "b", port: 80, protocol: "TCP", targetPort: 81 },
      ],
    }),
    want: [
      'spec.ports[1]: Duplicate value: {"Name":"","Protocol":"TCP","AppProtocol":null,"Port":80,"TargetPort":0,"NodePort":0}',
    ],
  },
  {
    name: "validateService() checks the type",
    input: svc({ type: "Internal" }),
    want: [
      'spec.type: Unsupported value: "Internal": supported values: "ClusterIP", "ExternalName", "LoadBalancer", "NodePort"',
    ],
  },
  {
    name: "validateService() forbids node ports on ClusterIP services",
    input: svc({ ports: [{ port: 80, protocol: "TCP", targetPort: 80, nodePort: 30080 }] }),
    want: ["spec.ports[0].nodePort: Forbidden: may not be used when `type` is 'ClusterIP'"],
  },
  {
    name: "validateService() keeps node ports in range",
    input: svc({
      type: "NodePort",
      externalTrafficPolicy: "Cluster",
      ports: [{ port: 80, protocol: "TCP", targetPort: 80, nodePort: 80 }],
    }),
    want: [
      "spec.ports[0].nodePort: Invalid value: 80: provided port is not in the valid range. The range of valid ports is 30000-32767",
    ],
  },
  {
    name: "validateService() requires externalName for ExternalName services",
    input: {
      metadata: { name: "ext", namespace: "default" },
      spec: { type: "ExternalName", sessionAffinity: "None" },
    },
    want: ["spec.externalName: Required value"],
  },
  {
    name: "validateService() checks clusterIPs against clusterIP",
    input: svc({ clusterIP: "10.0.0.1", clusterIPs: ["10.0.0.2"] }),
    want: ['spec.clusterIPs: Invalid value: ["10.0.0.2"]: first value must match `clusterIP`'],
  },
  {
    name: "validateService() checks session affinity",
    input: svc({ sessionAffinity: "Sticky" }),
    want: ['spec.sessionAffinity: Unsupported value: "Sticky": supported values: "ClientIP", "None"'],
  },
  {
    name: "validateService() checks selector labels",
    input: svc({ selector: { app: "a b" } }),
    want: [
      `spec.selector: Invalid value: "a b": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')`,
    ],
  },
  {
    name: "validateService() limits externalTrafficPolicy to exposed services",
    input: svc({ externalTrafficPolicy: "Local" }),
    want: [
      'spec.externalTrafficPolicy: Invalid value: "Local": may only be set for externally-accessible services',
    ],
  },
]

for (const c of cases) {
  test(c.name, () => {
    assert.deepEqual(printed(validateService(c.input)), c.want)
  })
}

const old = stored(svc({ clusterIP: "10.0.0.1", clusterIPs: ["10.0.0.1"] }))

const updateCases: { name: string; input: Service; want: string[] }[] = [
  {
    name: "validateService() on update accepts a new selector",
    input: { ...old, spec: { ...old.spec, selector: { app: "v2" } } },
    want: [],
  },
  {
    name: "validateService() on update keeps the cluster IP",
    input: { ...old, spec: { ...old.spec, clusterIP: "10.0.0.9", clusterIPs: ["10.0.0.9"] } },
    want: ['spec.clusterIPs[0]: Invalid value: ["10.0.0.9"]: may not change once set'],
  },
]

for (const c of updateCases) {
  test(c.name, () => {
    assert.deepEqual(printed(validateService(c.input, old)), c.want)
  })
}

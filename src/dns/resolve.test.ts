import assert from "node:assert/strict"
import { test } from "node:test"
import type { Namespace, Service } from "kubernetes-types/core/v1.js"
import type { EndpointSlice } from "kubernetes-types/discovery/v1.js"
import { type DnsQuestion, type DnsReply, resolve } from "./resolve.ts"
import { buildView } from "./view.ts"

const ns = (name: string): Namespace => ({ metadata: { name } })

function svc(name: string, spec: Service["spec"], namespace = "default"): Service {
  return { metadata: { name, namespace }, spec }
}

function slice(
  service: string,
  endpoints: { ip: string; hostname?: string; ready?: boolean }[],
  ports: { name: string; port: number; protocol?: string }[] = [],
): EndpointSlice {
  return {
    metadata: {
      name: `${service}-abc`,
      namespace: "default",
      labels: { "kubernetes.io/service-name": service },
    },
    addressType: "IPv4",
    endpoints: endpoints.map((e) => ({
      addresses: [e.ip],
      ...(e.hostname ? { hostname: e.hostname } : {}),
      conditions: { ready: e.ready ?? true },
    })),
    ports,
  }
}

const view = buildView(
  {
    namespaces: [ns("default"), ns("kube-system"), ns("empty")],
    services: [
      svc("web", {
        clusterIP: "10.96.0.20",
        clusterIPs: ["10.96.0.20"],
        ports: [
          { name: "http", port: 80, protocol: "TCP" },
          { name: "dns", port: 53, protocol: "UDP" },
        ],
      }),
      svc("db", { clusterIP: "None", ports: [{ name: "pg", port: 5432 }] }),
      svc("nobody", { clusterIP: "None" }),
      svc("ext", { type: "ExternalName", externalName: "example.com" }),
      svc("alias", { type: "ExternalName", externalName: "web.default.svc.cluster.local" }),
    ],
    slices: [
      slice(
        "db",
        [{ ip: "10.244.0.5", hostname: "db-0" }, { ip: "10.244.0.6" }, { ip: "10.244.0.7", ready: false }],
        [{ name: "pg", port: 5432 }],
      ),
      slice("web", [{ ip: "10.244.0.9" }], [{ name: "http", port: 8080 }]),
    ],
  },
  {
    domain: "cluster.local",
    serial: 1700000000,
    serviceAddress: (ip) => ip.replace(/^10\.96\./, "127.96."),
    nameserver: "127.96.0.10",
  },
)

const soa = {
  type: "SOA",
  name: "cluster.local",
  ttl: 5,
  class: "IN",
  data: {
    mname: "ns.dns.cluster.local",
    rname: "hostmaster.cluster.local",
    serial: 1700000000,
    refresh: 7200,
    retry: 1800,
    expire: 86400,
    minimum: 5,
  },
}

const a = (name: string, data: string) => ({ type: "A", name, ttl: 5, class: "IN", data })
const srv = (name: string, port: number, target: string, weight = 100) => ({
  type: "SRV",
  name,
  ttl: 5,
  class: "IN",
  data: { priority: 0, weight, port, target },
})
const ptr = (name: string, data: string) => ({ type: "PTR", name, ttl: 5, class: "IN", data })
const cname = (name: string, data: string) => ({ type: "CNAME", name, ttl: 5, class: "IN", data })

type Want = Record<string, unknown>
const cases: { name: string; input: DnsQuestion; want: Want }[] = [
  {
    name: "a ClusterIP service answers its loopback mapping",
    input: { name: "web.default.svc.cluster.local", type: "A" },
    want: { rcode: "NOERROR", answers: [a("web.default.svc.cluster.local", "127.96.0.20")] },
  },
  {
    name: "names are matched case-insensitively and answered as asked",
    input: { name: "WEB.Default.SVC.cluster.LOCAL", type: "A" },
    want: { answers: [a("WEB.Default.SVC.cluster.LOCAL", "127.96.0.20")] },
  },
  {
    name: "AAAA of an IPv4-only service is NODATA with the SOA",
    input: { name: "web.default.svc.cluster.local", type: "AAAA" },
    want: { rcode: "NOERROR", answers: [], authorities: [soa] },
  },
  {
    name: "an unknown service is NXDOMAIN with the SOA",
    input: { name: "nope.default.svc.cluster.local", type: "A" },
    want: { rcode: "NXDOMAIN", answers: [], authorities: [soa], authoritative: true },
  },
  {
    name: "a service in a namespace that does not exist is NXDOMAIN",
    input: { name: "web.ghost.svc.cluster.local", type: "A" },
    want: { rcode: "NXDOMAIN" },
  },
  {
    name: "an existing namespace name is NODATA",
    input: { name: "empty.svc.cluster.local", type: "A" },
    want: { rcode: "NOERROR", answers: [], authorities: [soa] },
  },
  {
    name: "a headless service answers its ready endpoints",
    input: { name: "db.default.svc.cluster.local", type: "A" },
    want: {
      answers: [
        a("db.default.svc.cluster.local", "10.244.0.5"),
        a("db.default.svc.cluster.local", "10.244.0.6"),
      ],
    },
  },
  {
    name: "a headless service without endpoints is NXDOMAIN",
    input: { name: "nobody.default.svc.cluster.local", type: "A" },
    want: { rcode: "NXDOMAIN" },
  },
  {
    name: "an endpoint by its hostname",
    input: { name: "db-0.db.default.svc.cluster.local", type: "A" },
    want: { answers: [a("db-0.db.default.svc.cluster.local", "10.244.0.5")] },
  },
  {
    name: "an endpoint without a hostname by its dashed address",
    input: { name: "10-244-0-6.db.default.svc.cluster.local", type: "A" },
    want: { answers: [a("10-244-0-6.db.default.svc.cluster.local", "10.244.0.6")] },
  },
  {
    name: "an unready endpoint is not served",
    input: { name: "10-244-0-7.db.default.svc.cluster.local", type: "A" },
    want: { rcode: "NXDOMAIN" },
  },
  {
    name: "SRV of a named port of a ClusterIP service, with the target's address",
    input: { name: "_http._tcp.web.default.svc.cluster.local", type: "SRV" },
    want: {
      answers: [srv("_http._tcp.web.default.svc.cluster.local", 80, "web.default.svc.cluster.local")],
      additionals: [a("web.default.svc.cluster.local", "127.96.0.20")],
    },
  },
  {
    name: "SRV with the wrong protocol is NXDOMAIN",
    input: { name: "_http._udp.web.default.svc.cluster.local", type: "SRV" },
    want: { rcode: "NXDOMAIN" },
  },
  {
    name: "SRV of a headless service names each endpoint, weight split",
    input: { name: "_pg._tcp.db.default.svc.cluster.local", type: "SRV" },
    want: {
      answers: [
        srv("_pg._tcp.db.default.svc.cluster.local", 5432, "db-0.db.default.svc.cluster.local", 50),
        srv("_pg._tcp.db.default.svc.cluster.local", 5432, "10-244-0-6.db.default.svc.cluster.local", 50),
      ],
      additionals: [
        a("db-0.db.default.svc.cluster.local", "10.244.0.5"),
        a("10-244-0-6.db.default.svc.cluster.local", "10.244.0.6"),
      ],
    },
  },
  {
    name: "SRV of a bare service name lists every port",
    input: { name: "web.default.svc.cluster.local", type: "SRV" },
    want: {
      answers: [
        srv("web.default.svc.cluster.local", 80, "web.default.svc.cluster.local", 50),
        srv("web.default.svc.cluster.local", 53, "web.default.svc.cluster.local", 50),
      ],
      additionals: [a("web.default.svc.cluster.local", "127.96.0.20")],
    },
  },
  {
    name: "ExternalName is a CNAME",
    input: { name: "ext.default.svc.cluster.local", type: "A" },
    want: { rcode: "NOERROR", answers: [cname("ext.default.svc.cluster.local", "example.com")] },
  },
  {
    name: "an ExternalName inside the domain is followed",
    input: { name: "alias.default.svc.cluster.local", type: "A" },
    want: {
      answers: [
        cname("alias.default.svc.cluster.local", "web.default.svc.cluster.local"),
        a("web.default.svc.cluster.local", "127.96.0.20"),
      ],
    },
  },
  {
    name: "a pod record answers the dashed address",
    input: { name: "10-244-1-2.default.pod.cluster.local", type: "A" },
    want: { answers: [a("10-244-1-2.default.pod.cluster.local", "10.244.1.2")] },
  },
  {
    name: "a pod record that is no address is NXDOMAIN",
    input: { name: "web-1.default.pod.cluster.local", type: "A" },
    want: { rcode: "NXDOMAIN" },
  },
  {
    name: "PTR of a ClusterIP names the service",
    input: { name: "20.0.96.10.in-addr.arpa", type: "PTR" },
    want: { answers: [ptr("20.0.96.10.in-addr.arpa", "web.default.svc.cluster.local")] },
  },
  {
    name: "PTR of the mapped loopback address names the service too",
    input: { name: "20.0.96.127.in-addr.arpa", type: "PTR" },
    want: { answers: [ptr("20.0.96.127.in-addr.arpa", "web.default.svc.cluster.local")] },
  },
  {
    name: "PTR of a pod address names its endpoint",
    input: { name: "5.0.244.10.in-addr.arpa", type: "PTR" },
    want: { answers: [ptr("5.0.244.10.in-addr.arpa", "db-0.db.default.svc.cluster.local")] },
  },
  {
    name: "PTR of an unknown address is NXDOMAIN, forwardable",
    input: { name: "1.1.168.192.in-addr.arpa", type: "PTR" },
    want: { rcode: "NXDOMAIN", forwardable: true },
  },
  {
    name: "a name outside the domain is REFUSED, forwardable",
    input: { name: "example.com", type: "A" },
    want: { rcode: "REFUSED", answers: [], authorities: [], authoritative: false, forwardable: true },
  },
  {
    name: "the apex answers its SOA",
    input: { name: "cluster.local", type: "SOA" },
    want: { rcode: "NOERROR", answers: [soa] },
  },
  {
    name: "the apex answers its NS, this server, with its address",
    input: { name: "cluster.local", type: "NS" },
    want: {
      answers: [{ type: "NS", name: "cluster.local", ttl: 5, class: "IN", data: "ns.dns.cluster.local" }],
      additionals: [a("ns.dns.cluster.local", "127.96.0.10")],
    },
  },
  {
    name: "the SOA's nameserver resolves",
    input: { name: "ns.dns.cluster.local", type: "A" },
    want: { answers: [a("ns.dns.cluster.local", "127.96.0.10")] },
  },
  {
    name: "a name under the domain that is neither svc nor pod is NXDOMAIN",
    input: { name: "foo.cluster.local", type: "A" },
    want: { rcode: "NXDOMAIN" },
  },
  {
    name: "a name too long for the schema is NXDOMAIN",
    input: { name: "a.b.c.web.default.svc.cluster.local", type: "A" },
    want: { rcode: "NXDOMAIN" },
  },
  {
    name: "a search-path expansion of a full name (ndots:5) is NXDOMAIN",
    input: { name: "web.default.svc.cluster.local.default.svc.cluster.local", type: "A" },
    want: { rcode: "NXDOMAIN" },
  },
  {
    name: "a TXT question on a service is NODATA",
    input: { name: "web.default.svc.cluster.local", type: "TXT" },
    want: { rcode: "NOERROR", answers: [], authorities: [soa] },
  },
]

for (const c of cases) {
  test(`resolve(): ${c.name}`, () => {
    const got = resolve(c.input, view)
    const picked = Object.fromEntries(Object.keys(c.want).map((k) => [k, got[k as keyof DnsReply]]))
    assert.deepEqual(picked, c.want)
  })
}

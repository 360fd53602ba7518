import assert from "node:assert/strict"
import { test } from "node:test"
import type { Pod, PodSpec } from "kubernetes-types/core/v1.js"
import { formatResolvConf, parseResolvConf, podDnsConfig } from "./resolv-conf.ts"

const HOST = parseResolvConf(
  "# generated\nnameserver 192.168.0.1\nnameserver 192.168.0.2\nsearch corp.example. lab.example\noptions edns0 timeout:2\n",
)

function pod(spec: Partial<PodSpec>): Pod {
  return { metadata: { name: "p", namespace: "shop" }, spec: { containers: [], ...spec } }
}

const cases: { name: string; spec: Partial<PodSpec>; clusterDNS?: string[]; want: string }[] = [
  {
    name: "ClusterFirst: the cluster DNS, the cluster search path then the node's, ndots:5",
    spec: { dnsPolicy: "ClusterFirst" },
    want:
      "search shop.svc.cluster.local svc.cluster.local cluster.local corp.example lab.example\n" +
      "nameserver 10.96.0.10\noptions ndots:5\n",
  },
  {
    name: "ClusterFirst on the host network: the node's settings",
    spec: { dnsPolicy: "ClusterFirst", hostNetwork: true },
    want: "search corp.example lab.example\nnameserver 192.168.0.1\nnameserver 192.168.0.2\noptions edns0 timeout:2\n",
  },
  {
    name: "ClusterFirstWithHostNet: the cluster DNS even on the host network",
    spec: { dnsPolicy: "ClusterFirstWithHostNet", hostNetwork: true },
    want:
      "search shop.svc.cluster.local svc.cluster.local cluster.local corp.example lab.example\n" +
      "nameserver 10.96.0.10\noptions ndots:5\n",
  },
  {
    name: "Default: the node's settings",
    spec: { dnsPolicy: "Default" },
    want: "search corp.example lab.example\nnameserver 192.168.0.1\nnameserver 192.168.0.2\noptions edns0 timeout:2\n",
  },
  {
    name: "None: only dnsConfig",
    spec: {
      dnsPolicy: "None",
      dnsConfig: {
        nameservers: ["1.1.1.1"],
        searches: ["a.example"],
        options: [{ name: "ndots", value: "2" }],
      },
    },
    want: "search a.example\nnameserver 1.1.1.1\noptions ndots:2\n",
  },
  {
    name: "ClusterFirst with dnsConfig: merged, duplicates dropped, the pod's options win",
    spec: {
      dnsPolicy: "ClusterFirst",
      dnsConfig: {
        nameservers: ["10.96.0.10", "8.8.8.8"],
        searches: ["cluster.local", "my.example"],
        options: [{ name: "ndots", value: "1" }, { name: "single-request" }],
      },
    },
    want:
      "search shop.svc.cluster.local svc.cluster.local cluster.local corp.example lab.example my.example\n" +
      "nameserver 10.96.0.10\nnameserver 8.8.8.8\noptions ndots:1 single-request\n",
  },
  {
    name: "ClusterFirst without a cluster DNS falls back to Default",
    spec: { dnsPolicy: "ClusterFirst" },
    clusterDNS: [],
    want: "search corp.example lab.example\nnameserver 192.168.0.1\nnameserver 192.168.0.2\noptions edns0 timeout:2\n",
  },
  {
    name: "more than 3 nameservers are cut to 3",
    spec: { dnsPolicy: "None", dnsConfig: { nameservers: ["1.0.0.1", "1.0.0.2", "1.0.0.3", "1.0.0.4"] } },
    want: "nameserver 1.0.0.1\nnameserver 1.0.0.2\nnameserver 1.0.0.3\n",
  },
]

for (const c of cases) {
  test(`podDnsConfig(): ${c.name}`, () => {
    const config = podDnsConfig(pod(c.spec), {
      clusterDNS: c.clusterDNS ?? ["10.96.0.10"],
      clusterDomain: "cluster.local",
      host: HOST,
    })
    assert.equal(formatResolvConf(config.config), c.want)
  })
}

test("podDnsConfig() warns as upstream when it cuts nameservers or search domains", () => {
  const searches = Array.from({ length: 40 }, (_, i) => `d${i}.example`)
  const got = podDnsConfig(
    pod({
      dnsPolicy: "None",
      dnsConfig: { nameservers: ["1.0.0.1", "1.0.0.2", "1.0.0.3", "1.0.0.4"], searches },
    }),
    {
      clusterDNS: [],
      clusterDomain: "cluster.local",
      host: HOST,
    },
  )
  assert.equal(got.config.searches.length, 32)
  assert.deepEqual(got.warnings, [
    `Search Line limits were exceeded, some search paths have been omitted, the applied search line is: ${searches.slice(0, 32).join(" ")}`,
    "Nameserver limits were exceeded, some nameservers have been omitted, the applied nameserver line is: 1.0.0.1 1.0.0.2 1.0.0.3",
  ])
})

test("parseResolvConf() keeps the last search line and drops a bare dot", () => {
  const got = parseResolvConf("search a.example\nsearch b.example . c.example.\nnameserver 1.2.3.4 # main\n")
  assert.deepEqual(got, { nameservers: ["1.2.3.4"], searches: ["b.example", "c.example"], options: [] })
})

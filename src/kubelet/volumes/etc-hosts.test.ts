import assert from "node:assert/strict"
import { test } from "node:test"
import type { Pod } from "kubernetes-types/core/v1.js"
import { hostNetworkHosts, managedHosts, podHostnameAndDomain } from "./etc-hosts.ts"

const LOCAL = [
  "# Kubernetes-managed hosts file.",
  "127.0.0.1\tlocalhost",
  "::1\tlocalhost ip6-localhost ip6-loopback",
  "fe00::0\tip6-localnet",
  "fe00::0\tip6-mcastprefix",
  "fe00::1\tip6-allnodes",
  "fe00::2\tip6-allrouters",
].join("\n")

const cases: { name: string; pod: Pod; want: string }[] = [
  {
    name: "a plain pod: its IP and name",
    pod: { metadata: { name: "web", namespace: "default" } },
    want: `${LOCAL}\n10.244.0.5\tweb\n`,
  },
  {
    name: "hostname and subdomain: the FQDN first",
    pod: {
      metadata: { name: "web-0", namespace: "shop" },
      spec: { hostname: "db", subdomain: "sub", containers: [] },
    },
    want: `${LOCAL}\n10.244.0.5\tdb.sub.shop.svc.cluster.local\tdb\n`,
  },
  {
    name: "hostAliases appended under their comment",
    pod: {
      metadata: { name: "web", namespace: "default" },
      spec: {
        containers: [],
        hostAliases: [
          { ip: "1.2.3.4", hostnames: ["foo", "bar"] },
          { ip: "5.6.7.8", hostnames: ["baz"] },
        ],
      },
    },
    want: `${LOCAL}\n10.244.0.5\tweb\n\n# Entries added by HostAliases.\n1.2.3.4\tfoo\tbar\n5.6.7.8\tbaz\n`,
  },
]

for (const c of cases) {
  test(`managedHosts(): ${c.name}`, () => {
    const { hostname, domain } = podHostnameAndDomain(c.pod, "cluster.local")
    const got = managedHosts({
      podIPs: ["10.244.0.5"],
      hostname,
      domain,
      ...(c.pod.spec?.hostAliases ? { hostAliases: c.pod.spec.hostAliases } : {}),
    })
    assert.equal(got, c.want)
  })
}

test("podHostnameAndDomain() cuts a long hostname to 63 characters without a trailing dash", () => {
  const name = `${"a".repeat(62)}-bcd`
  assert.equal(podHostnameAndDomain({ metadata: { name } }, "cluster.local").hostname, "a".repeat(62))
})

test("hostNetworkHosts() is the node's file under the host-network header, plus hostAliases", () => {
  const node = "127.0.0.1 localhost\n192.168.1.2 node-a\n"
  assert.equal(hostNetworkHosts(node), `# Kubernetes-managed hosts file (host network).\n${node}`)
  assert.equal(
    hostNetworkHosts(node, [{ ip: "1.2.3.4", hostnames: ["foo"] }]),
    `# Kubernetes-managed hosts file (host network).\n${node}\n# Entries added by HostAliases.\n1.2.3.4\tfoo\n`,
  )
})

import assert from "node:assert/strict"
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { after, test } from "node:test"
import type { Pod } from "kubernetes-types/core/v1.js"
import { managedFiles, type NodeDnsOptions } from "./managed-files.ts"

const root = mkdtempSync(join(tmpdir(), "k8ts-managed-"))
after(() => rmSync(root, { recursive: true, force: true }))
const hostsFile = join(root, "hosts")
const resolvConf = join(root, "resolv.conf")
writeFileSync(hostsFile, "127.0.0.1 localhost\n10.0.0.2 node-a\n")
writeFileSync(resolvConf, "nameserver 10.0.0.53\nsearch corp.example\n")
const dns: NodeDnsOptions = {
  clusterDNS: ["10.96.0.10"],
  clusterDomain: "cluster.local",
  resolvConf,
  hostsFile,
}

function pod(uid: string, spec: Partial<Pod["spec"]> & object): Pod {
  return { metadata: { name: "p", namespace: "ns", uid }, spec: { containers: [], ...spec } }
}

test("managedFiles() gives a hostNetwork pod the node's hosts file and, by default, the node's resolvers", async () => {
  const p = pod("host", { hostNetwork: true, hostAliases: [{ ip: "1.2.3.4", hostnames: ["extra"] }] })
  const files = await managedFiles(p, { name: "c" }, { root, podIPs: ["10.0.0.2"], dns, volumeMounts: [] })
  const hosts = files.mounts.find((m) => m.containerPath === "/etc/hosts")
  assert.equal(
    readFileSync(hosts?.hostPath ?? "", "utf8"),
    "# Kubernetes-managed hosts file (host network).\n127.0.0.1 localhost\n10.0.0.2 node-a\n\n# Entries added by HostAliases.\n1.2.3.4\textra\n",
  )
  const resolv = files.mounts.find((m) => m.containerPath === "/etc/resolv.conf")
  assert.equal(readFileSync(resolv?.hostPath ?? "", "utf8"), "search corp.example\nnameserver 10.0.0.53\n")
})

test("managedFiles() gives ClusterFirstWithHostNet pods the cluster DNS", async () => {
  const p = pod("hostnet-cluster", { hostNetwork: true, dnsPolicy: "ClusterFirstWithHostNet" })
  const files = await managedFiles(p, { name: "c" }, { root, podIPs: ["10.0.0.2"], dns, volumeMounts: [] })
  const resolv = files.mounts.find((m) => m.containerPath === "/etc/resolv.conf")
  assert.equal(
    readFileSync(resolv?.hostPath ?? "", "utf8"),
    "search ns.svc.cluster.local svc.cluster.local cluster.local corp.example\nnameserver 10.96.0.10\noptions ndots:5\n",
  )
})

test("managedFiles() leaves a path the container mounts itself alone, and honours a custom terminationMessagePath", async () => {
  const p = pod("own", {})
  const own = [{ hostPath: "/x", containerPath: "/etc/hosts", readOnly: true }]
  const files = await managedFiles(
    p,
    { name: "c", terminationMessagePath: "/tmp/msg" },
    { root, podIPs: ["10.244.0.3"], dns, volumeMounts: own },
  )
  assert.deepEqual(
    files.mounts.map((m) => m.containerPath),
    ["/etc/resolv.conf", "/tmp/msg"],
  )
  const none = await managedFiles(
    p,
    { name: "c", terminationMessagePath: "" },
    { root, podIPs: [], dns, volumeMounts: [] },
  )
  assert.deepEqual(
    none.mounts.map((m) => m.containerPath),
    ["/etc/resolv.conf"],
  )
  assert.equal(none.terminationPath, undefined)
})

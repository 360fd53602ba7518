/**
 * What a fresh `k8ts server` shows the real kubectl v1.35 of its control plane, as a kubeadm
 * cluster does: the kubelet's and the node controller's events on the Node, its attach/detach
 * annotation and huge page pools; the API server's post-start hooks on /readyz and /livez; the
 * leader Leases of the controller manager and the scheduler and the API server's identity Lease
 * in kube-system; the kube-dns Endpoints beside its EndpointSlice.
 */
import assert from "node:assert/strict"
import { mkdtempSync, readdirSync, rmSync } from "node:fs"
import { hostname, tmpdir } from "node:os"
import { join } from "node:path"
import { after, before, describe, test } from "node:test"
import {
  kubectlSession,
  type ServerProcess,
  serverTarget,
  startK8tsServer,
  until,
} from "../../src/testing/index.ts"

const dir = mkdtempSync(join(tmpdir(), "k8ts-control-plane-e2e-"))
const NODE = "cp-node"
let server: ServerProcess | undefined

before(async () => {
  server = await startK8tsServer([
    "--data-dir",
    dir,
    "--port",
    "0",
    "--kubelet-port",
    "0",
    "--dns-port",
    "0",
    "--dns-metrics-port",
    "0",
    "--node-name",
    NODE,
    "--pod-loopback-range",
    "127.252.0.0/24",
    "--service-loopback-range",
    "127.253.0.0/16",
    "--service-cidr",
    "10.96.0.0/16",
  ])
})
after(async () => {
  await server?.stop()
  rmSync(dir, { recursive: true, force: true })
})

const { ok, getJson } = kubectlSession(() => serverTarget(dir))
/** kubectl runs take a while: look every 200 ms, for up to 20 s. */
const POLL = { ms: 20_000, everyMs: 200 }
const UUID = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"

describe("a fresh server's control plane through kubectl", () => {
  test("describe node: the kubelet's and the node controller's events, the attach/detach annotation", async () => {
    const want = [
      /Normal +Starting +\S+ +kubelet +Starting kubelet\./,
      /Normal +NodeHasSufficientMemory +\S+ +kubelet +Node cp-node status is now: NodeHasSufficientMemory/,
      /Normal +NodeHasNoDiskPressure +\S+ +kubelet +Node cp-node status is now: NodeHasNoDiskPressure/,
      /Normal +NodeHasSufficientPID +\S+ +kubelet +Node cp-node status is now: NodeHasSufficientPID/,
      /Normal +RegisteredNode +\S+ +node-controller +Node cp-node event: Registered Node cp-node in Controller/,
    ]
    const described = await until(
      "the node's events",
      async () => {
        const out = await ok("describe", "node", NODE)
        return want.every((re) => re.test(out)) ? out : undefined
      },
      POLL,
    )
    assert.match(described, /^ +volumes\.kubernetes\.io\/controller-managed-attach-detach: true$/m)
    assert.doesNotMatch(described, /NodeReady/, "a new Ready condition records nothing")
  })

  test("the Node's capacity and allocatable list every huge page pool of the host", async () => {
    const node = await getJson("node", NODE)
    // The kernel's pools, one hugepages-<size>kB folder each, named by their size as Kubernetes names them.
    let folders: string[] = []
    try {
      folders = readdirSync("/sys/kernel/mm/hugepages")
    } catch {
      folders = []
    }
    const pools = folders
      .map((f) => Number(/^hugepages-(\d+)kB$/.exec(f)?.[1]))
      .filter((kb) => kb > 0)
      .map((kb) =>
        kb % 1048576 === 0 ? `${kb / 1048576}Gi` : kb % 1024 === 0 ? `${kb / 1024}Mi` : `${kb}Ki`,
      )
      .map((size) => `hugepages-${size}`)
      .sort()
    const listed = (r: Record<string, string>) => Object.keys(r).filter((k) => k.startsWith("hugepages-"))
    assert.deepEqual(listed(node.status.capacity).sort(), pools)
    assert.deepEqual(listed(node.status.allocatable).sort(), pools)
  })

  test("/readyz and /livez list the post-start hooks; one hook answers on its own path", async () => {
    const hooks = [
      "generic-apiserver-start-informers",
      "start-apiextensions-controllers",
      "crd-informer-synced",
      "start-system-namespaces-controller",
      "start-kube-apiserver-identity-lease-controller",
      "start-kube-apiserver-identity-lease-garbage-collector",
      "start-service-ip-repair-controllers",
      "rbac/bootstrap-roles",
      "scheduling/bootstrap-system-priority-classes",
      "priority-and-fairness-config-producer",
      "bootstrap-controller",
      "start-kubernetes-service-cidr-controller",
    ].map((h) => `[+]poststarthook/${h} ok\n`)
    // Ready as soon as the server said so.
    assert.equal(
      await ok("get", "--raw", "/readyz?verbose"),
      [
        "[+]ping ok\n[+]log ok\n[+]etcd ok\n[+]etcd-readiness ok\n[+]informer-sync ok\n",
        ...hooks,
        "[+]autoregister-completion ok\n[+]shutdown ok\nreadyz check passed\n",
      ].join(""),
    )
    assert.equal(
      await ok("get", "--raw", "/livez?verbose"),
      [
        "[+]ping ok\n[+]log ok\n[+]etcd ok\n",
        ...hooks,
        "[+]autoregister-completion ok\nlivez check passed\n",
      ].join(""),
    )
    assert.equal(await ok("get", "--raw", "/readyz/poststarthook/rbac/bootstrap-roles"), "ok")
  })

  test("get lease -n kube-system: the leaders' Leases and the API server's identity Lease", async () => {
    const out = await ok("get", "lease", "-n", "kube-system")
    const host = hostname()
    const identity = await getJson(
      "lease",
      "-n",
      "kube-system",
      "-l",
      "apiserver.kubernetes.io/identity=kube-apiserver",
    )
    assert.equal(identity.items.length, 1)
    const own = identity.items[0]
    assert.match(own.metadata.name, /^apiserver-[a-z2-7]{26}$/)
    assert.equal(own.metadata.labels["kubernetes.io/hostname"], host)
    assert.equal(own.spec.leaseDurationSeconds, 3600)
    assert.match(own.spec.holderIdentity, new RegExp(`^${own.metadata.name}_${UUID}$`))
    const rows = out.trim().split("\n")
    assert.match(rows[0] ?? "", /^NAME +HOLDER +AGE$/)
    assert.deepEqual(
      rows.slice(1).map((r) => r.split(/ +/)[0]),
      [own.metadata.name, "kube-controller-manager", "kube-scheduler"],
    )
    for (const name of ["kube-controller-manager", "kube-scheduler"]) {
      const lease = await getJson("lease", "-n", "kube-system", name)
      assert.match(lease.spec.holderIdentity, new RegExp(`^${host.replace(/\./g, "\\.")}_${UUID}$`))
      assert.equal(lease.spec.leaseDurationSeconds, 15)
      assert.equal(lease.spec.leaseTransitions, 0)
      assert.ok(lease.spec.acquireTime)
    }
    // Renewed every 2 s.
    const first = (await getJson("lease", "-n", "kube-system", "kube-scheduler")).spec.renewTime
    await until(
      "a renewal",
      async () => {
        const l = await getJson("lease", "-n", "kube-system", "kube-scheduler")
        return l.spec.renewTime !== first ? true : undefined
      },
      POLL,
    )
  })

  test("a leader Lease another holder took is taken back by the server, its sole candidate", async () => {
    const before = await getJson("lease", "-n", "kube-system", "kube-controller-manager")
    await ok(
      "patch",
      "lease",
      "-n",
      "kube-system",
      "kube-controller-manager",
      "--type",
      "merge",
      "-p",
      '{"spec":{"holderIdentity":"ghost"}}',
    )
    const back = await until(
      "the lease back",
      async () => {
        const l = await getJson("lease", "-n", "kube-system", "kube-controller-manager")
        return l.spec.holderIdentity === before.spec.holderIdentity ? l : undefined
      },
      POLL,
    )
    assert.equal(back.spec.leaseTransitions, before.spec.leaseTransitions + 1)
  })

  test("get endpoints kube-dns -n kube-system: the DNS server, beside its one EndpointSlice", async () => {
    const eps = await getJson("endpoints", "kube-dns", "-n", "kube-system")
    const slice = await getJson("endpointslice", "kube-dns", "-n", "kube-system")
    const address = slice.endpoints[0].addresses[0]
    const port = (name: string) => slice.ports.find((p: { name: string }) => p.name === name).port
    assert.deepEqual(eps.subsets, [
      {
        addresses: [{ ip: address }],
        ports: [
          { name: "dns-tcp", port: port("dns-tcp"), protocol: "TCP" },
          { name: "dns", port: port("dns"), protocol: "UDP" },
          { name: "metrics", port: port("metrics"), protocol: "TCP" },
        ],
      },
    ])
    assert.equal(eps.metadata.labels["k8s-app"], "kube-dns")
    const slices = await ok(
      "get",
      "endpointslices",
      "-n",
      "kube-system",
      "-l",
      "kubernetes.io/service-name=kube-dns",
      "-o",
      "name",
    )
    assert.equal(slices, "endpointslice.discovery.k8s.io/kube-dns\n", "no mirrored second slice")
  })
})

import assert from "node:assert/strict"
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readlinkSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { after, before, describe, test } from "node:test"
import type { Pod, Volume } from "kubernetes-types/core/v1.js"
import {
  type ApiObject,
  ConfigMaps,
  findResource,
  Pods,
  type ResourceRef,
  Secrets,
  ServiceAccounts,
} from "../../api/index.ts"
import type { EventRecorder } from "../../client/index.ts"
import { type ClientEnv, startClientEnv } from "../../testing/index.ts"
import { VolumeManager } from "./volume-manager.ts"

let env: ClientEnv
let root: string
let manager: VolumeManager
const recorded: { type: string; reason: string; message: string }[] = []
const events: EventRecorder = {
  event: (_obj, type, reason, message) => void recorded.push({ type, reason, message }),
}

const PVCs = findResource("", "v1", "persistentvolumeclaims") as ResourceRef<ApiObject>
const PVs = findResource("", "v1", "persistentvolumes") as ResourceRef<ApiObject>

before(async () => {
  env = await startClientEnv()
  root = mkdtempSync(join(tmpdir(), "k8ts-volumes-"))
  manager = new VolumeManager({
    client: env.inProcess,
    root: join(root, "kubelet"),
    dns: {
      clusterDNS: ["10.96.0.10"],
      clusterDomain: "cluster.local",
      resolvConf: "/nonexistent",
      hostsFile: "/etc/hosts",
    },
  })
})

after(async () => {
  await env.stop()
  rmSync(root, { recursive: true, force: true })
})

let serial = 0
function pod(volumes: Volume[], meta: Partial<Pod["metadata"]> = {}): Pod {
  serial++
  return {
    metadata: { name: `p${serial}`, namespace: "default", uid: `uid-${serial}`, ...meta },
    spec: { containers: [{ name: "app", resources: { limits: { memory: "64Mi" } } }], volumes },
  }
}

function pathOf(p: Pod, name: string): string {
  const v = manager.volumes(p.metadata?.uid ?? "").get(name)
  assert.ok(v, `volume ${name} is set up`)
  return v.path
}

function lastEvent(): (typeof recorded)[number] | undefined {
  return recorded[recorded.length - 1]
}

describe("VolumeManager", () => {
  test("configMap: keys as files in upstream's layout, items and modes, updates swapped in atomically", async () => {
    const cm = { metadata: { name: "app-config", namespace: "default" }, data: { a: "1", b: "2" } }
    await env.inProcess.resource(ConfigMaps).create(cm as never)
    const p = pod([
      { name: "all", configMap: { name: "app-config" } },
      {
        name: "some",
        configMap: { name: "app-config", items: [{ key: "b", path: "dir/bee", mode: 0o600 }] },
      },
    ])
    assert.equal(await manager.setUp(p, events), 0)
    const all = pathOf(p, "all")
    assert.equal(
      all,
      join(root, "kubelet/pods", p.metadata?.uid ?? "", "volumes/kubernetes.io~configmap/all"),
    )
    assert.equal(readFileSync(join(all, "a"), "utf8"), "1")
    assert.equal(statSync(join(all, "a")).mode & 0o777, 0o644)
    const some = pathOf(p, "some")
    assert.equal(readFileSync(join(some, "dir/bee"), "utf8"), "2")
    assert.equal(statSync(join(some, "dir/bee")).mode & 0o777, 0o600)
    assert.equal(existsSync(join(some, "a")), false)

    const before = readlinkSync(join(all, "..data"))
    const current = await env.inProcess.resource(ConfigMaps).get({ namespace: "default", name: "app-config" })
    await env.inProcess.resource(ConfigMaps).update({ ...current, data: { a: "changed" } })
    assert.equal(await manager.setUp(p, events), 0)
    assert.equal(readFileSync(join(all, "a"), "utf8"), "changed")
    assert.notEqual(readlinkSync(join(all, "..data")), before)
    assert.equal(existsSync(join(all, "b")), false)
    assert.equal(manager.volumes(p.metadata?.uid ?? "").get("all")?.readOnly, true)
  })

  test("a missing ConfigMap leaves the volume unmounted with upstream's FailedMount event; optional is empty", async () => {
    const p = pod([{ name: "cfg", configMap: { name: "missing" } }])
    const wait = await manager.setUp(p, events)
    assert.ok(wait > 0)
    assert.deepEqual(lastEvent(), {
      type: "Warning",
      reason: "FailedMount",
      message: 'MountVolume.SetUp failed for volume "cfg" : configmap "missing" not found',
    })
    assert.equal(manager.volumes(p.metadata?.uid ?? "").has("cfg"), false)
    assert.ok((await manager.setUp(p, events)) > wait, "backs off")

    const q = pod([{ name: "cfg", configMap: { name: "missing", optional: true } }])
    assert.equal(await manager.setUp(q, events), 0)
    assert.equal(readlinkSync(join(pathOf(q, "cfg"), "..data")).startsWith(".."), true)
  })

  test("a missing key fails with upstream's message", async () => {
    await env.inProcess.resource(Secrets).create({
      metadata: { name: "creds", namespace: "default" },
      data: { user: Buffer.from("admin").toString("base64") },
    } as never)
    const p = pod([{ name: "s", secret: { secretName: "creds", items: [{ key: "password", path: "pw" }] } }])
    assert.ok((await manager.setUp(p, events)) > 0)
    assert.equal(
      lastEvent()?.message,
      'MountVolume.SetUp failed for volume "s" : references non-existent secret key: password',
    )
  })

  test("secret: decoded values under kubernetes.io~secret", async () => {
    const p = pod([{ name: "s", secret: { secretName: "creds", defaultMode: 0o400 } }])
    assert.equal(await manager.setUp(p, events), 0)
    const dir = pathOf(p, "s")
    assert.match(dir, /kubernetes\.io~secret\/s$/)
    assert.equal(readFileSync(join(dir, "user"), "utf8"), "admin")
    assert.equal(statSync(join(dir, "user")).mode & 0o777, 0o400)
  })

  test("downwardAPI: labels and annotations as sorted quoted lines, fields and resources", async () => {
    const p = pod(
      [
        {
          name: "info",
          downwardAPI: {
            items: [
              { path: "labels", fieldRef: { fieldPath: "metadata.labels" } },
              { path: "annotations", fieldRef: { fieldPath: "metadata.annotations" } },
              { path: "name", fieldRef: { fieldPath: "metadata.name" } },
              { path: "tier", fieldRef: { fieldPath: "metadata.labels['tier']" } },
              {
                path: "mem",
                resourceFieldRef: { containerName: "app", resource: "limits.memory", divisor: "1Mi" },
              },
            ],
          },
        },
      ],
      { labels: { tier: "web", app: "shop" }, annotations: { note: 'say "hi"\n' } },
    )
    assert.equal(await manager.setUp(p, events), 0)
    const dir = pathOf(p, "info")
    assert.equal(readFileSync(join(dir, "labels"), "utf8"), 'app="shop"\ntier="web"')
    assert.equal(readFileSync(join(dir, "annotations"), "utf8"), 'note="say \\"hi\\"\\n"')
    assert.equal(readFileSync(join(dir, "name"), "utf8"), p.metadata?.name)
    assert.equal(readFileSync(join(dir, "tier"), "utf8"), "web")
    assert.equal(readFileSync(join(dir, "mem"), "utf8"), "64")
    // A label change shows on the next sync.
    const relabelled = { ...p, metadata: { ...p.metadata, labels: { tier: "db" } } }
    assert.equal(await manager.setUp(relabelled, events), 0)
    assert.equal(readFileSync(join(dir, "labels"), "utf8"), 'tier="db"')
  })

  test("projected: sources merged into one directory; a token source fails while TokenRequest is not served", async () => {
    const p = pod([
      {
        name: "all-in-one",
        projected: {
          sources: [
            { configMap: { name: "app-config", items: [{ key: "a", path: "config/a" }] } },
            { secret: { name: "creds" } },
            { downwardAPI: { items: [{ path: "ns", fieldRef: { fieldPath: "metadata.namespace" } }] } },
          ],
        },
      },
    ])
    assert.equal(await manager.setUp(p, events), 0)
    const dir = pathOf(p, "all-in-one")
    assert.match(dir, /kubernetes\.io~projected\/all-in-one$/)
    assert.equal(readFileSync(join(dir, "config/a"), "utf8"), "changed")
    assert.equal(readFileSync(join(dir, "user"), "utf8"), "admin")
    assert.equal(readFileSync(join(dir, "ns"), "utf8"), "default")

    const t = pod([{ name: "token", projected: { sources: [{ serviceAccountToken: { path: "token" } }] } }])
    assert.ok((await manager.setUp(t, events)) > 0)
    assert.match(lastEvent()?.message ?? "", /^MountVolume\.SetUp failed for volume "token" : /)
  })

  test("projected serviceAccountToken: a token from the TokenRequest API, bound to the pod", async () => {
    await env.inProcess
      .resource(ServiceAccounts)
      .create({ metadata: { name: "default", namespace: "default" } })
    const volumes: Volume[] = [
      {
        name: "api",
        projected: { sources: [{ serviceAccountToken: { path: "token", expirationSeconds: 3607 } }] },
      },
    ]
    const created = await env.inProcess.resource(Pods).create({
      metadata: { name: "with-token", namespace: "default" },
      spec: { containers: [{ name: "app", image: "busybox" }], volumes },
    } as never)
    assert.equal(await manager.setUp(created, events), 0)
    const token = readFileSync(join(pathOf(created, "api"), "token"), "utf8")
    const claims = JSON.parse(Buffer.from(token.split(".")[1] ?? "", "base64url").toString())
    assert.equal(claims.sub, "system:serviceaccount:default:default")
    assert.deepEqual(claims["kubernetes.io"].pod, { name: "with-token", uid: created.metadata?.uid })
  })

  test("emptyDir: a world-writable directory that survives syncs", async () => {
    const p = pod([{ name: "scratch", emptyDir: {} }])
    assert.equal(await manager.setUp(p, events), 0)
    const dir = pathOf(p, "scratch")
    assert.match(dir, /kubernetes\.io~empty-dir\/scratch$/)
    assert.equal(statSync(dir).mode & 0o777, 0o777)
    writeFileSync(join(dir, "kept"), "x")
    assert.equal(await manager.setUp(p, events), 0)
    assert.equal(readFileSync(join(dir, "kept"), "utf8"), "x")
  })

  test("hostPath: OrCreate types make the path; a type mismatch is a FailedMount with upstream's message", async () => {
    const dir = join(root, "host/dir")
    const file = join(root, "host/file")
    mkdirSync(join(root, "host"), { recursive: true })
    const p = pod([
      { name: "d", hostPath: { path: dir, type: "DirectoryOrCreate" } },
      { name: "f", hostPath: { path: file, type: "FileOrCreate" } },
    ])
    assert.equal(await manager.setUp(p, events), 0)
    assert.ok(statSync(dir).isDirectory())
    assert.ok(statSync(file).isFile())
    assert.equal(pathOf(p, "d"), dir)

    const bad = pod([{ name: "h", hostPath: { path: dir, type: "File" } }])
    assert.ok((await manager.setUp(bad, events)) > 0)
    assert.equal(
      lastEvent()?.message,
      `MountVolume.SetUp failed for volume "h" : hostPath type check failed: ${dir} is not a file`,
    )
    const sock = pod([{ name: "s", hostPath: { path: file, type: "Socket" } }])
    assert.ok((await manager.setUp(sock, events)) > 0)
    assert.equal(
      lastEvent()?.message,
      `MountVolume.SetUp failed for volume "s" : hostPath type check failed: ${file} is not a socket file`,
    )
  })

  test("persistentVolumeClaim: unbound waits with upstream's event; bound mounts the PV's path", async () => {
    const pvc = await env.inProcess.resource(PVCs).create({
      metadata: { name: "data", namespace: "default" },
      spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "1Gi" } } },
    } as never)
    const p = pod([{ name: "vol", persistentVolumeClaim: { claimName: "data" } }])
    assert.ok((await manager.setUp(p, events)) > 0)
    assert.deepEqual(lastEvent(), {
      type: "Warning",
      reason: "FailedMount",
      message:
        "Unable to attach or mount volumes: unmounted volumes=[vol], unattached volumes=[], failed to process volumes=[vol]: error processing PVC default/data: PVC is not bound",
    })

    const path = join(root, "pv-data")
    await env.inProcess.resource(PVs).create({
      metadata: { name: "pv-1" },
      spec: {
        capacity: { storage: "1Gi" },
        accessModes: ["ReadWriteOnce"],
        hostPath: { path, type: "DirectoryOrCreate" },
        claimRef: { namespace: "default", name: "data", uid: pvc.metadata?.uid },
      },
    } as never)
    await env.inProcess
      .resource(PVCs)
      .patch({ namespace: "default", name: "data" }, { spec: { volumeName: "pv-1" } }, { type: "merge" })
    await env.inProcess
      .resource(PVCs)
      .patch(
        { namespace: "default", name: "data" },
        { status: { phase: "Bound" } },
        { type: "merge", subresource: "status" },
      )
    assert.equal(await manager.setUp(p, events), 0)
    assert.equal(pathOf(p, "vol"), path)
    assert.ok(statSync(path).isDirectory())
  })

  test("ephemeral: the claim <pod>-<volume> must exist and be owned by the pod", async () => {
    const p = pod([
      { name: "scratch", ephemeral: { volumeClaimTemplate: { spec: { accessModes: ["ReadWriteOnce"] } } } },
    ])
    assert.ok((await manager.setUp(p, events)) > 0)
    assert.match(
      lastEvent()?.message ?? "",
      new RegExp(
        `failed to process volumes=\\[scratch\\]: error processing PVC default/${p.metadata?.name}-scratch: failed to fetch PVC from API server: .*not found$`,
      ),
    )
  })

  test("tearDown() removes the pod's directory", async () => {
    const p = pod([{ name: "scratch", emptyDir: {} }])
    await manager.setUp(p, events)
    const dir = join(root, "kubelet/pods", p.metadata?.uid ?? "")
    assert.ok(existsSync(dir))
    manager.tearDown(p.metadata?.uid ?? "")
    assert.equal(existsSync(dir), false)
    assert.equal(manager.volumes(p.metadata?.uid ?? "").size, 0)
  })

  test("mounts(): volume mounts, then /etc/hosts, resolv.conf and a fresh termination-message file", async () => {
    const p = pod([{ name: "scratch", emptyDir: {} }])
    p.spec = {
      ...p.spec,
      subdomain: "sub",
      containers: [{ name: "app", volumeMounts: [{ name: "scratch", mountPath: "/scratch" }] }],
    }
    await manager.setUp(p, events)
    const c = p.spec.containers[0]!
    const files = await manager.mounts(p, c, { podIPs: ["10.244.0.7"], env: {}, events })
    const dir = join(root, "kubelet/pods", p.metadata?.uid ?? "")
    assert.deepEqual(
      files.mounts.map((m) => [m.containerPath, m.readOnly]),
      [
        ["/scratch", false],
        ["/etc/hosts", false],
        ["/etc/resolv.conf", false],
        ["/dev/termination-log", false],
      ],
    )
    assert.match(
      readFileSync(join(dir, "etc-hosts"), "utf8"),
      new RegExp(
        `10\\.244\\.0\\.7\\t${p.metadata?.name}\\.sub\\.default\\.svc\\.cluster\\.local\\t${p.metadata?.name}\\n$`,
      ),
    )
    assert.equal(
      readFileSync(join(dir, "resolv.conf"), "utf8"),
      "search default.svc.cluster.local svc.cluster.local cluster.local\nnameserver 10.96.0.10\noptions ndots:5\n",
    )
    assert.ok(files.terminationPath?.startsWith(join(dir, "containers/app/")))
    assert.equal(statSync(files.terminationPath ?? "").mode & 0o777, 0o666)
  })
})

import assert from "node:assert/strict"
import { execFileSync } from "node:child_process"
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs"
import { hostname as osHostname } from "node:os"
import { join } from "node:path"
import { after, before, describe, test } from "node:test"
import type { Event, Pod } from "kubernetes-types/core/v1.js"
import { ConfigMaps, Events, Pods } from "../api/index.ts"
import { nodePod, skipUnless, until, untilPhase } from "../testing/index.ts"
import { type KubeletEnv, startKubeletEnv } from "./kubelet-env.case.ts"
import { readLog } from "./runtime/cri-log.ts"
import { ProcessRuntime } from "./runtime/process/process-runtime.ts"

const isRoot = process.getuid?.() === 0
/** A symlink on the node (as /var/run → /run) that a mount path goes through, and its target. */
const LINK = `/tmp/k8ts-test-link-${process.pid}`
const TARGET = `/run/k8ts-test-link-target-${process.pid}`

const pod = (name: string, node: string, spec: Partial<Pod["spec"]> & object) =>
  nodePod(node, name, { terminationGracePeriodSeconds: 0, ...spec })

async function configMap(k: KubeletEnv, data: Record<string, string>): Promise<void> {
  const cms = k.env.inProcess.resource(ConfigMaps)
  const have = await cms.get({ namespace: "default", name: "settings" }).catch(() => undefined)
  if (have) await cms.update({ ...have, data })
  else await cms.create({ metadata: { name: "settings", namespace: "default" }, data } as never)
}

async function runningContainer(k: KubeletEnv, name: string): Promise<string> {
  const p = await untilPhase(k.env.inProcess, name, "Running")
  return (p.status?.containerStatuses?.[0]?.containerID ?? "").replace(/^process:\/\//, "")
}

describe("loopback mode mounts (root)", skipUnless(isRoot, "mount namespaces need root"), () => {
  let k: KubeletEnv
  before(async () => {
    k = await startKubeletEnv({
      prefix: "k8ts-loopback-mounts-",
      nodeName: "node-lm",
      podRange: "127.249.0.0/24",
      kubelet: {
        syncFrequencyMs: 200,
        clusterDNS: ["10.96.0.10"],
        // As cmd wires the loopback mode: ClusterIPs are reached at their loopback mapping.
        serviceAddress: (ip) => ip.replace(/^10\./, "127."),
      },
    })
    await configMap(k, { key: "v1", "app.conf": "port=8080\n" })
    mkdirSync(join(k.dir, "shared"))
    mkdirSync(TARGET)
    symlinkSync(TARGET, LINK)
    writeFileSync(join(k.dir, "shared", "from-node"), "hello\n")
    await k.env.inProcess.resource(Pods).create(
      pod("reader", "node-lm", {
        volumes: [
          { name: "config", configMap: { name: "settings" } },
          { name: "scratch", emptyDir: {} },
          { name: "ram", emptyDir: { medium: "Memory" } },
          { name: "node", hostPath: { path: join(k.dir, "shared"), type: "Directory" } },
        ],
        containers: [
          {
            name: "app",
            image: "busybox",
            command: ["sh", "-c", "cat /etc/k8ts-test-config/key; echo; exec sleep 3600"],
            terminationMessagePath: "/dev/k8ts-test-termination-log",
            volumeMounts: [
              { name: "config", mountPath: "/etc/k8ts-test-config" },
              { name: "config", mountPath: "/opt/k8ts-test/app.conf", subPath: "app.conf" },
              { name: "scratch", mountPath: "/k8ts-test-scratch" },
              { name: "scratch", mountPath: "/k8ts-test-frozen", readOnly: true },
              { name: "ram", mountPath: "/k8ts-test-ram" },
              { name: "node", mountPath: "/k8ts-test-node" },
              // Through a symlink to a folder that stays the node's otherwise.
              { name: "scratch", mountPath: `${LINK}/sub` },
            ],
          },
        ],
      }),
    )
  })
  after(async () => {
    // Deleting the pod unmounts its memory-backed emptyDir (a kubelet stop leaves volumes be).
    const pods = k.env.inProcess.resource(Pods)
    const uid = (await pods.get({ namespace: "default", name: "reader" })).metadata?.uid ?? ""
    await pods.delete({ namespace: "default", name: "reader" })
    await until("its volumes unmounted", async () => !existsSync(join(k.dir, "kubelet-root/pods", uid)))
    await k.stop()
    rmSync(LINK, { force: true })
    rmSync(TARGET, { recursive: true, force: true })
  })

  const exec = async (id: string, script: string) => k.runtime.exec(id, ["sh", "-c", script], {})

  test("a container whose mount points are all on the node keeps the node's root, with the pod's /etc/hosts and its own /dev/termination-log", async () => {
    const script = [
      `grep "	$HOSTNAME$" /etc/hosts > /dev/termination-log`,
      "test -c /dev/null && test -d /dev/pts",
      `test -n "$(ls ${k.dir})"`,
      // No overlay of the node's root: it is the node's own.
      "! grep -q ' / / .* - overlay ' /proc/self/mountinfo",
    ].join(" && ")
    await k.env.inProcess.resource(Pods).create(
      pod("plain", "node-lm", {
        restartPolicy: "Never",
        containers: [{ name: "app", image: "busybox", command: ["sh", "-c", script] }],
      }),
    )
    const p = await untilPhase(k.env.inProcess, "plain", "Succeeded")
    const done = p.status?.containerStatuses?.[0]?.state?.terminated
    assert.equal(done?.exitCode, 0, JSON.stringify(done))
    assert.match(done?.message ?? "", new RegExp(`^${p.status?.podIP?.replaceAll(".", "\\.")}\tplain\n$`))
    assert.equal(existsSync("/dev/termination-log"), false)
  })

  test("a pod's containers, and execs in them, have the pod's hostname; a hostNetwork pod's the node's", async () => {
    const cases = [
      { name: "named", spec: { hostname: "my-host" }, want: "my-host" },
      { name: "unnamed", spec: {}, want: "unnamed" },
      { name: "on-node", spec: { hostNetwork: true }, want: osHostname() },
    ]
    for (const { name, spec, want } of cases) {
      await k.env.inProcess.resource(Pods).create(
        pod(name, "node-lm", {
          ...spec,
          containers: [{ name: "app", image: "busybox", command: ["sh", "-c", "hostname; exec sleep 3600"] }],
        }),
      )
      const id = await runningContainer(k, name)
      const log = () => readLog(k.runtime.container(id)?.logPath ?? "")
      assert.equal(await until("its output", log), `${want}\n`, name)
      assert.deepEqual(
        await exec(id, "hostname; echo $HOSTNAME"),
        {
          exitCode: 0,
          stdout: `${want}\n${want}\n`,
          stderr: "",
        },
        name,
      )
      await k.env.inProcess.resource(Pods).delete({ namespace: "default", name })
    }
    assert.equal(
      osHostname(),
      execFileSync("hostname", { encoding: "utf8" }).trim(),
      "the node's is unchanged",
    )
  })

  test("a configMap volume's files are at its mountPath, follow updates, and the node gets no mount points", async () => {
    const id = await runningContainer(k, "reader")
    assert.deepEqual(await exec(id, "cat /etc/k8ts-test-config/key"), {
      exitCode: 0,
      stdout: "v1",
      stderr: "",
    })
    // The logs still come from the program.
    const info = k.runtime.list().find((c) => c.id === id)
    await until("log", async () => readFileSync(info?.logPath ?? "", "utf8").includes("stdout F v1"))
    await configMap(k, { key: "v2", "app.conf": "port=8080\n" })
    await until("update", async () => (await exec(id, "cat /etc/k8ts-test-config/key")).stdout === "v2")
    for (const p of ["/etc/k8ts-test-config", "/opt/k8ts-test", "/k8ts-test-scratch", "/k8ts-test-ram"])
      assert.equal(existsSync(p), false, `${p} on the node`)
    assert.equal(existsSync("/dev/k8ts-test-termination-log"), false)
    assert.deepEqual(readdirSync(TARGET), [], "a mount point through a symlink")
    assert.equal((await exec(id, `grep -c ' ${TARGET}/sub ' /proc/self/mountinfo`)).stdout.trim(), "1")
  })

  test("the rest of the node's files stay the node's: a write outside the mounts lands there", async () => {
    const id = await runningContainer(k, "reader")
    const r = await exec(id, `echo from-container > ${k.dir}/written`)
    assert.equal(r.exitCode, 0, r.stderr)
    assert.equal(readFileSync(`${k.dir}/written`, "utf8"), "from-container\n")
  })

  test("the pod's /etc/hosts and /etc/resolv.conf, with the cluster DNS at its loopback mapping", async () => {
    const id = await runningContainer(k, "reader")
    const p = await k.env.inProcess.resource(Pods).get({ namespace: "default", name: "reader" })
    const hosts = await exec(id, "cat /etc/hosts")
    assert.match(hosts.stdout, new RegExp(`^${p.status?.podIP?.replaceAll(".", "\\.")}\treader$`, "m"))
    const resolv = await exec(id, "cat /etc/resolv.conf")
    assert.match(resolv.stdout, /^nameserver 127\.96\.0\.10$/m)
    assert.match(resolv.stdout, /^search default\.svc\.cluster\.local svc\.cluster\.local cluster\.local/m)
  })

  test("a memory-backed emptyDir is a tmpfs there; a hostPath shows the node's folder", async () => {
    const id = await runningContainer(k, "reader")
    const ram = await exec(id, "grep ' /k8ts-test-ram ' /proc/self/mountinfo")
    assert.match(ram.stdout, / - tmpfs /)
    assert.equal((await exec(id, "cat /k8ts-test-node/from-node")).stdout, "hello\n")
    assert.equal((await exec(id, "echo back > /k8ts-test-node/from-pod")).exitCode, 0)
    assert.equal(readFileSync(join(k.dir, "shared", "from-pod"), "utf8"), "back\n")
  })

  test("a subPath mounts one file of the volume", async () => {
    const id = await runningContainer(k, "reader")
    const r = await exec(id, "cat /opt/k8ts-test/app.conf")
    assert.equal(r.stdout, "port=8080\n")
  })

  test("a readOnly mount refuses writes; the same volume stays writable where mounted read-write", async () => {
    const id = await runningContainer(k, "reader")
    const ro = await exec(id, "echo x > /k8ts-test-frozen/f")
    assert.notEqual(ro.exitCode, 0)
    assert.match(ro.stderr, /Read-only file system/)
    const rw = await exec(id, "echo x > /k8ts-test-scratch/f && cat /k8ts-test-frozen/f")
    assert.deepEqual(rw, { exitCode: 0, stdout: "x\n", stderr: "" })
    const cm = await exec(id, "echo x > /etc/k8ts-test-config/new")
    assert.match(cm.stderr, /Read-only file system/)
  })
})

describe("loopback mode without the means to mount", () => {
  let k: KubeletEnv
  const why = "mounting needs root, and the process runtime runs as uid 1000 (test)"
  before(async () => {
    k = await startKubeletEnv({
      prefix: "k8ts-loopback-nomount-",
      nodeName: "node-ln",
      podRange: "127.249.1.0/24",
      runtime: (opts) => new ProcessRuntime({ ...opts, mountCheck: () => why }),
    })
  })
  after(() => k.stop())

  test("the container starts anyway and the pod gets a FailedMount warning per volume, saying why and where its files are", async () => {
    await configMap(k, { key: "v1" })
    await k.env.inProcess.resource(Pods).create(
      pod("unmounted", "node-ln", {
        volumes: [{ name: "config", configMap: { name: "settings" } }],
        containers: [
          {
            name: "app",
            image: "pause",
            volumeMounts: [{ name: "config", mountPath: "/etc/k8ts-test-config" }],
          },
        ],
      }),
    )
    const id = await runningContainer(k, "unmounted")
    const event = await until("FailedMount", async () => {
      const list = await k.env.inProcess.resource(Events).list({ namespace: "default" })
      return (list.items as Event[]).find(
        (e) => e.reason === "FailedMount" && e.involvedObject.name === "unmounted",
      )
    })
    assert.equal(event.type, "Warning")
    const m =
      /^Unable to mount volume "config" at \/etc\/k8ts-test-config in container "app": (.*); its files are at (\S+) on the node$/.exec(
        event.message ?? "",
      )
    assert.ok(m, event.message)
    assert.equal(m[1], why)
    assert.equal(readFileSync(`${m[2]}/key`, "utf8"), "v1")
    // The container runs on the node as before: no private root, nothing at the mountPath.
    assert.equal((await k.runtime.exec(id, ["cat", "/etc/k8ts-test-config/key"], {})).exitCode, 1)
    assert.equal(existsSync("/etc/k8ts-test-config"), false)
  })
})

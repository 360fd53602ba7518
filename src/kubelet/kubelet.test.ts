import assert from "node:assert/strict"
import { createServer } from "node:net"
import { hostname } from "node:os"
import { after, before, describe, test } from "node:test"
import type { Pod } from "kubernetes-types/core/v1.js"
import { ConfigMaps, Events, Nodes, Pods, RuntimeClasses } from "../api/index.ts"
import { type ClientEnv, nodePod, until, untilPhase, untilPod } from "../testing/index.ts"
import { type KubeletEnv, startKubeletEnv } from "./kubelet-env.case.ts"

let k: KubeletEnv
let env: ClientEnv

before(async () => {
  k = await startKubeletEnv({
    prefix: "k8ts-kubelet-",
    nodeName: "node-a",
    podRange: "127.245.0.0/24",
    server: true,
    kubelet: { backoff: { initialMs: 200, maxMs: 800 }, maxPods: 64 },
  })
  env = k.env
})

after(() => k.stop())

const pods = () => env.inProcess.resource(Pods)

/** A TCP port free on 127.0.0.1 just now. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer().once("error", reject)
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as { port: number }
      srv.close(() => resolve(port))
    })
  })
}

const pod = (name: string, spec: Partial<Pod["spec"]> & object) => nodePod("node-a", name, spec)

describe("kubelet with the process runtime", () => {
  test("registers its node with the host's capacity and its max pods", async () => {
    const node = await until("node", () => env.inProcess.resource(Nodes).get({ name: "node-a" }))
    assert.ok(Number(node.status?.capacity?.cpu) >= 1)
    assert.equal(node.status?.capacity?.pods, "64")
    assert.equal(node.status?.allocatable?.pods, "64")
    assert.match(node.status?.nodeInfo?.containerRuntimeVersion ?? "", /^process:\/\//)
    assert.equal(node.status?.conditions?.find((c) => c.type === "Ready")?.status, "True")
  })

  test("a pod runs to Succeeded with its env, $(VAR) expansion and logs", async () => {
    await env.inProcess
      .resource(ConfigMaps)
      .create({ metadata: { name: "cfg", namespace: "default" }, data: { color: "blue" } })
    await pods().create(
      pod("hello", {
        restartPolicy: "Never",
        containers: [
          {
            name: "main",
            image: "busybox",
            command: ["sh", "-c", "echo hello $(GREETING) $COLOR $MY_POD"],
            env: [
              { name: "GREETING", value: "world" },
              { name: "COLOR", valueFrom: { configMapKeyRef: { name: "cfg", key: "color" } } },
              { name: "MY_POD", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } },
            ],
          },
        ],
      }),
    )
    const p = await untilPhase(env.inProcess, "hello", "Succeeded")
    const st = p.status?.containerStatuses?.[0]
    assert.equal(st?.state?.terminated?.exitCode, 0)
    assert.equal(st?.state?.terminated?.reason, "Completed")
    assert.match(p.status?.podIP ?? "", /^127\.245\.0\./)
    const log = await env.inProcess.request<string>({
      method: "GET",
      ref: Pods,
      namespace: "default",
      name: "hello",
      subresource: "log",
    })
    assert.equal(log, "hello world blue hello\n")
  })

  test("a crashing container restarts with back-off and reports CrashLoopBackOff", async () => {
    await pods().create(
      pod("crash", {
        containers: [{ name: "c", image: "busybox", command: ["sh", "-c", "echo boom; exit 3"] }],
      }),
    )
    const p = await untilPod(
      env.inProcess,
      "crash",
      (p) => (p.status?.containerStatuses?.[0]?.restartCount ?? 0) >= 2,
      "restarts",
    )
    const st = p.status?.containerStatuses?.[0]
    assert.equal(st?.lastState?.terminated?.exitCode, 3)
    assert.equal(p.status?.phase, "Running")
    const events = await env.inProcess.resource(Events).list({ namespace: "default" })
    assert.ok(
      events.items.some((e) => (e as any).reason === "BackOff" && (e as any).involvedObject.name === "crash"),
    )
    // Whichever pod worker restarts it, the repeats fold into one Event (one kubelet recorder).
    const started = async () =>
      (await env.inProcess.resource(Events).list({ namespace: "default" })).items.filter(
        (e) => (e as any).reason === "Started" && (e as any).involvedObject.name === "crash",
      )
    await until("Started folded", async () => ((await started())[0]?.count ?? 0) >= 2 || undefined)
    assert.equal((await started()).length, 1)
    const prev = await env.inProcess.request<string>({
      method: "GET",
      ref: Pods,
      namespace: "default",
      name: "crash",
      subresource: "log",
      query: { previous: true },
    })
    assert.equal(prev, "boom\n")
  })

  test("a container that fails at once is never reported running or Ready", async () => {
    const seen: Pod[] = []
    const stop = new AbortController()
    const watch = pods().watch({ namespace: "default", fieldSelector: "metadata.name=flash" }, stop.signal)
    const watching = (async () => {
      for await (const ev of watch) seen.push(ev.object)
    })().catch(() => undefined)
    await pods().create(
      pod("flash", { containers: [{ name: "c", image: "busybox", command: ["sh", "-c", "exit 1"] }] }),
    )
    await untilPod(
      env.inProcess,
      "flash",
      (p) => (p.status?.containerStatuses?.[0]?.restartCount ?? 0) >= 2,
      "restarts",
    )
    stop.abort()
    await watching
    assert.ok(seen.length > 1)
    for (const p of seen) {
      const st = p.status?.containerStatuses?.[0]
      assert.equal(st?.state?.running, undefined, `reported running: ${JSON.stringify(p.status)}`)
      assert.notEqual(st?.ready, true)
      assert.notEqual(p.status?.conditions?.find((c) => c.type === "Ready")?.status, "True")
    }
  })

  test("a program that cannot start leaves the container terminated with a StartError; Never: the pod fails", async () => {
    await pods().create(
      pod("nostart", {
        restartPolicy: "Never",
        containers: [{ name: "c", image: "busybox", command: ["nosuchbinary-xyz"] }],
      }),
    )
    const p = await untilPhase(env.inProcess, "nostart", "Failed")
    const st = p.status?.containerStatuses?.[0]
    const message =
      'unable to start container process: exec: "nosuchbinary-xyz": executable file not found in $PATH'
    assert.deepEqual(
      { ...st?.state?.terminated, finishedAt: undefined, containerID: undefined },
      {
        exitCode: 128,
        reason: "StartError",
        message,
        // The kubelet reports the epoch, which the API server stores as upstream's protobuf
        // storage keeps it: as the zero time, null.
        finishedAt: undefined,
        containerID: undefined,
      },
    )
    assert.equal(st?.restartCount, 0)
    const events = (await env.inProcess.resource(Events).list({ namespace: "default" })).items.filter(
      (e) => e.involvedObject?.name === "nostart" && e.involvedObject.fieldPath,
    )
    assert.deepEqual(
      events.map((e) => [e.type, e.reason, e.message]),
      [
        ["Normal", "Pulled", 'Container image "busybox" already present on machine'],
        ["Normal", "Created", "Created container: c"],
        ["Warning", "Failed", `Error: ${message}`],
      ],
    )
    const log = await env.inProcess.request<string>({
      method: "GET",
      ref: Pods,
      namespace: "default",
      name: "nostart",
      subresource: "log",
    })
    assert.equal(log ?? "", "", "an empty log, no error")
  })

  test("a RuntimeClass's handler picks the runtime: runc runs, another is refused as containerd refuses it", async () => {
    const classes = env.inProcess.resource(RuntimeClasses)
    await classes.create({ metadata: { name: "plain" }, handler: "runc" })
    await classes.create({ metadata: { name: "gvisor" }, handler: "runsc" })
    await pods().create(
      pod("rc-plain", {
        runtimeClassName: "plain",
        restartPolicy: "Never",
        containers: [{ name: "c", image: "busybox", command: ["true"] }],
      }),
    )
    await pods().create(
      pod("rc-gvisor", {
        runtimeClassName: "gvisor",
        restartPolicy: "Never",
        containers: [{ name: "c", image: "busybox", command: ["true"] }],
      }),
    )
    await untilPhase(env.inProcess, "rc-plain", "Succeeded")
    const failed = await until("FailedCreatePodSandBox", async () =>
      (await env.inProcess.resource(Events).list({ namespace: "default" })).items.find(
        (e) => e.involvedObject?.name === "rc-gvisor" && e.reason === "FailedCreatePodSandBox",
      ),
    )
    assert.equal(failed.type, "Warning")
    assert.equal(
      failed.message,
      'Failed to create pod sandbox: rpc error: code = Unknown desc = failed to get sandbox runtime: no runtime for "runsc" is configured',
    )
    const p = await pods().get({ name: "rc-gvisor", namespace: "default" })
    assert.equal(p.status?.phase, "Pending")
    assert.equal(p.status?.containerStatuses?.[0]?.state?.waiting?.reason, "ContainerCreating")
    await pods().delete({ name: "rc-gvisor", namespace: "default" }, { gracePeriodSeconds: 0 })
  })

  test("a program that cannot start is restarted under restartPolicy Always, with back-off", async () => {
    // A folder: runc's exec.LookPath finds it not executable.
    const file = "/etc"
    await pods().create(
      pod("nostart-always", { containers: [{ name: "c", image: "busybox", command: [file] }] }),
    )
    const p = await untilPod(
      env.inProcess,
      "nostart-always",
      (p) => (p.status?.containerStatuses?.[0]?.restartCount ?? 0) >= 2,
      "restarts",
    )
    const st = p.status?.containerStatuses?.[0]
    assert.equal(p.status?.phase, "Running")
    assert.match(st?.state?.waiting?.reason ?? "", /^(CrashLoopBackOff|RunContainerError)$/)
    assert.equal(st?.lastState?.terminated?.reason, "StartError")
    assert.equal(st?.lastState?.terminated?.exitCode, 128)
    assert.equal(
      st?.lastState?.terminated?.message,
      `unable to start container process: exec: "${file}": permission denied`,
    )
    await untilPod(
      env.inProcess,
      "nostart-always",
      (p) => p.status?.containerStatuses?.[0]?.state?.waiting?.reason === "CrashLoopBackOff",
      "back-off",
    )
  })

  test("a hostNetwork pod's IP is the node's; its containers serve there and see it as status.podIP", async () => {
    const port = await freePort()
    await pods().create(
      pod("hostnet", {
        hostNetwork: true,
        containers: [
          {
            name: "web",
            image: "registry.k8s.io/e2e-test-images/agnhost:2.53",
            args: ["netexec", `--http-port=${port}`, "--udp-port=-1"],
            env: [{ name: "MY_IP", valueFrom: { fieldRef: { fieldPath: "status.podIP" } } }],
            readinessProbe: { httpGet: { path: "/healthz", port }, periodSeconds: 1 },
          },
        ],
      }),
    )
    const p = await untilPod(
      env.inProcess,
      "hostnet",
      (p) => p.status?.conditions?.find((c) => c.type === "Ready")?.status === "True",
      "ready",
    )
    assert.deepEqual([p.status?.podIP, p.status?.podIPs], ["127.0.0.1", [{ ip: "127.0.0.1" }]])
    assert.equal(p.status?.hostIP, "127.0.0.1")
    const res = await fetch(
      `http://127.0.0.1:${port}/shell?cmd=${encodeURIComponent("echo $MY_IP $HOSTNAME")}`,
    )
    // As containerd sets HOSTNAME for a sandbox without a hostname of its own: the node's.
    assert.equal(JSON.parse(await res.text()).output, `127.0.0.1 ${hostname()}\n`)
  })

  test("init containers run first, in order; a readiness probe gates Ready", async () => {
    await pods().create(
      pod("web", {
        initContainers: [{ name: "init", image: "busybox", command: ["sh", "-c", "echo init done"] }],
        containers: [
          {
            name: "web",
            image: "registry.k8s.io/e2e-test-images/agnhost:2.53",
            args: ["netexec", "--http-port=8080", "--udp-port=-1"],
            readinessProbe: { httpGet: { path: "/healthz", port: 8080 }, periodSeconds: 1 },
          },
        ],
      }),
    )
    const p = await untilPod(
      env.inProcess,
      "web",
      (p) => p.status?.conditions?.find((c) => c.type === "Ready")?.status === "True",
      "ready",
    )
    assert.equal(p.status?.initContainerStatuses?.[0]?.state?.terminated?.reason, "Completed")
    const res = await fetch(`http://${p.status?.podIP}:8080/hostname`)
    assert.equal(await res.text(), "web")
  })

  test("deleting a pod stops its containers and the kubelet confirms the deletion", async () => {
    await pods().create(pod("sleeper", { containers: [{ name: "s", image: "pause" }] }))
    await untilPhase(env.inProcess, "sleeper", "Running")
    await pods().delete({ namespace: "default", name: "sleeper" })
    await until("gone", async () => {
      try {
        await pods().get({ namespace: "default", name: "sleeper" })
        return false
      } catch {
        return true
      }
    })
  })

  test("a second delete with a shorter grace period stops a terminating pod sooner", async () => {
    await pods().create(
      pod("stubborn", {
        terminationGracePeriodSeconds: 60,
        containers: [{ name: "s", image: "busybox", command: ["sh", "-c", "trap '' TERM; sleep 3600"] }],
      }),
    )
    await untilPhase(env.inProcess, "stubborn", "Running")
    const ref = { namespace: "default", name: "stubborn" }
    await pods().delete(ref)
    // The kubelet has sent SIGTERM (ignored) and waits out the 60 s: then the period is cut to 1 s.
    await until("Killing", async () =>
      (await env.inProcess.resource(Events).list({ namespace: "default" })).items.some(
        (e) => e.involvedObject?.name === "stubborn" && e.reason === "Killing",
      ),
    )
    const shortened = Date.now()
    await pods().delete(ref, { gracePeriodSeconds: 1 })
    await until(
      "gone",
      async () => {
        try {
          await pods().get(ref)
          return false
        } catch {
          return true
        }
      },
      20_000,
    )
    const took = Date.now() - shortened
    assert.ok(took < 20_000, `gone ${took} ms after the shorter delete`)
  })

  test("an unknown image without a command fails to pull, then waits in ImagePullBackOff", async () => {
    await pods().create(pod("mystery", { containers: [{ name: "m", image: "example.com/mystery:1" }] }))
    const backoff = await untilPod(
      env.inProcess,
      "mystery",
      (p) => p.status?.containerStatuses?.[0]?.state?.waiting?.reason === "ImagePullBackOff",
      "back-off",
    )
    assert.equal(backoff.status?.phase, "Pending")
    assert.match(
      backoff.status?.containerStatuses?.[0]?.state?.waiting?.message ?? "",
      /^Back-off pulling image "example\.com\/mystery:1": ErrImagePull: the process runtime has no registry/,
    )
  })

  test("a running container whose image changes is killed and started again from the new image", async () => {
    const ref = { namespace: "default", name: "reimage" }
    await pods().create(
      pod("reimage", {
        restartPolicy: "Never",
        terminationGracePeriodSeconds: 2,
        containers: [{ name: "c", image: "busybox", command: ["sleep", "3600"] }],
      }),
    )
    const running = await untilPhase(env.inProcess, "reimage", "Running")
    const first = running.status?.containerStatuses?.[0]
    assert.equal(first?.image, "busybox")
    await pods().patch(
      ref,
      { spec: { containers: [{ name: "c", image: "busybox:1.36" }] } },
      { type: "strategic" },
    )
    const after = await untilPod(
      env.inProcess,
      "reimage",
      (p) =>
        !!p.status?.containerStatuses?.[0]?.state?.running &&
        p.status.containerStatuses[0].restartCount === 1,
      "restarted",
    )
    const st = after.status?.containerStatuses?.[0]
    assert.equal(st?.image, "busybox:1.36")
    assert.notEqual(st?.containerID, first?.containerID)
    assert.ok(st?.lastState?.terminated, "the old start is the last state")
    const events = (await env.inProcess.resource(Events).list({ namespace: "default" })).items as any[]
    assert.ok(
      events.some(
        (e) =>
          e.involvedObject.name === "reimage" &&
          e.reason === "Killing" &&
          e.message === "Container c definition changed, will be restarted",
      ),
    )
  })

  test("a sidecar whose image changes is restarted; the app container keeps running", async () => {
    const ref = { namespace: "default", name: "residecar" }
    await pods().create(
      pod("residecar", {
        terminationGracePeriodSeconds: 2,
        initContainers: [
          { name: "s", image: "busybox", restartPolicy: "Always", command: ["sleep", "3600"] },
        ],
        containers: [{ name: "c", image: "busybox", command: ["sleep", "3600"] }],
      }),
    )
    const running = await untilPhase(env.inProcess, "residecar", "Running")
    const app = running.status?.containerStatuses?.[0]
    await pods().patch(
      ref,
      {
        spec: {
          initContainers: [{ name: "s", image: "busybox:1.36" }],
          containers: [{ name: "c", image: "busybox" }],
        },
      },
      { type: "strategic" },
    )
    const after = await untilPod(
      env.inProcess,
      "residecar",
      (p) =>
        !!p.status?.initContainerStatuses?.[0]?.state?.running &&
        p.status.initContainerStatuses[0].restartCount === 1,
      "sidecar restarted",
    )
    assert.equal(after.status?.initContainerStatuses?.[0]?.image, "busybox:1.36")
    const c = after.status?.containerStatuses?.[0]
    assert.equal(c?.containerID, app?.containerID, "the app container was not restarted")
    assert.equal(c?.restartCount, 0)
    const events = (await env.inProcess.resource(Events).list({ namespace: "default" })).items as any[]
    assert.ok(
      events.some(
        (e) =>
          e.involvedObject.name === "residecar" &&
          e.reason === "Killing" &&
          e.message === "Init container s definition changed",
      ),
    )
  })

  test("an init container whose image cannot be pulled waits in ImagePullBackOff too", async () => {
    await pods().create(
      pod("mystery-init", {
        initContainers: [{ name: "i", image: "example.com/mystery:2" }],
        containers: [{ name: "m", image: "pause" }],
      }),
    )
    const backoff = await untilPod(
      env.inProcess,
      "mystery-init",
      (p) => p.status?.initContainerStatuses?.[0]?.state?.waiting?.reason === "ImagePullBackOff",
      "back-off",
    )
    assert.equal(backoff.status?.phase, "Pending")
    assert.equal(backoff.status?.containerStatuses?.[0]?.state?.waiting?.reason, "PodInitializing")
  })
})

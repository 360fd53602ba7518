/**
 * `kubectl debug` against `k8ts server` (a child process over HTTPS) with the real kubectl:
 * ephemeral containers added through pods/ephemeralcontainers (kubectl's strategic merge
 * patch), run by the kubelet's process runtime in loopback mode, reported in
 * status.ephemeralContainerStatuses, with logs, attach (-i, -it) and exec reaching them.
 */
import assert from "node:assert/strict"
import { existsSync, mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { after, before, describe, test } from "node:test"
import { kubectlPath, run, type ServerProcess, skipUnless, startK8tsServer } from "../../src/testing/index.ts"

const dir = mkdtempSync(join(tmpdir(), "k8ts-debug-e2e-"))
const KUBECONFIG = join(dir, "data", "kubeconfig.yaml")
let server: ServerProcess | undefined
let kubectl: string
const ON_NODE = '{"spec":{"nodeName":"debug-node"}}'

function k(args: string[], opts: { input?: string } = {}) {
  return run(kubectl, ["--kubeconfig", KUBECONFIG, ...args], {
    env: { ...process.env, HOME: dir },
    ...(opts.input !== undefined ? { input: opts.input } : {}),
  })
}

/** Runs `args` until the output matches `want` (a container runs asynchronously). */
async function until(args: string[], want: RegExp): Promise<string> {
  let last = ""
  for (let i = 0; i < 100; i++) {
    const r = await k(args)
    last = `${r.stdout}${r.stderr}`
    if (r.code === 0 && want.test(r.stdout)) return r.stdout
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  throw new Error(`kubectl ${args.join(" ")} never matched ${want}: ${last}`)
}

before(async () => {
  kubectl = kubectlPath()
  server = await startK8tsServer([
    ...["--data-dir", join(dir, "data"), "--port", "0", "--kubelet-port", "0"],
    ...["--node-name", "debug-node", "--pod-loopback-range", "127.250.0.0/24"],
    ...["--service-loopback-range", "127.176.0.0/12"],
  ])
  const r = await k(["run", "app", "--image=busybox", `--overrides=${ON_NODE}`, "--", "sleep", "3600"])
  assert.equal(r.code, 0, r.stderr)
  const ready = await k(["wait", "--for=condition=Ready", "pod/app", "--timeout=30s"])
  assert.equal(ready.code, 0, ready.stderr)
})

after(async () => {
  await server?.stop()
  rmSync(dir, { recursive: true, force: true })
})

describe("kubectl debug", () => {
  test("adds a debugger that runs once; logs and ephemeralContainerStatuses show it", async () => {
    const r = await k([
      "debug",
      "app",
      "--image=busybox",
      "-c",
      "debugger",
      "--target=app",
      "--",
      "sh",
      "-c",
      "echo hi from the debugger",
    ])
    assert.equal(r.code, 0, r.stderr)
    assert.match(r.stdout, /Targeting container "app"/)
    const statuses = await until(
      ["get", "pod", "app", "-o", "jsonpath={.status.ephemeralContainerStatuses}"],
      /"terminated"/,
    )
    const [s] = JSON.parse(statuses) as any[]
    assert.equal(s.name, "debugger")
    assert.equal(s.state.terminated.exitCode, 0)
    assert.equal(s.state.terminated.reason, "Completed")
    assert.equal(s.restartCount, 0)
    assert.equal(s.ready, false)
    const logs = await k(["logs", "app", "-c", "debugger"])
    assert.equal(logs.code, 0, logs.stderr)
    assert.equal(logs.stdout, "hi from the debugger\n")
    const spec = await k([
      "get",
      "pod",
      "app",
      "-o",
      "jsonpath={.spec.ephemeralContainers[0].targetContainerName}",
    ])
    assert.equal(spec.stdout, "app")
  })

  test("a target that is not a container of the pod is refused with upstream's field error", async () => {
    const r = await k(["debug", "app", "--image=busybox", "-c", "bad", "--target=nope", "--", "true"])
    assert.equal(r.code, 1)
    assert.match(
      r.stderr,
      /The Pod "app" is invalid: spec\.ephemeralContainers\[1\]\.targetContainerName: Not found: "nope"/,
    )
  })

  test("describe lists the ephemeral containers with their state", async () => {
    const r = await k(["describe", "pod", "app"])
    assert.equal(r.code, 0, r.stderr)
    assert.match(r.stdout, /Ephemeral Containers:\n {2}debugger:\n/)
    assert.match(r.stdout, /State: +Terminated\n +Reason: +Completed/)
  })

  test("debug -i attaches to the debugger's stdin and prints its output", async () => {
    const r = await k(
      ["debug", "app", "-i", "--image=busybox", "-c", "reader", "--", "sh", "-c", 'read x; echo "got $x"'],
      { input: "hello\n" },
    )
    assert.equal(r.code, 0, r.stderr)
    assert.match(r.stdout, /got hello/)
  })

  test("exec reaches a running debugger", async () => {
    const r = await k(["debug", "app", "--image=busybox", "-c", "sleeper", "--", "sleep", "3600"])
    assert.equal(r.code, 0, r.stderr)
    await until(
      [
        "get",
        "pod",
        "app",
        "-o",
        'jsonpath={.status.ephemeralContainerStatuses[?(@.name=="sleeper")].state}',
      ],
      /running/,
    )
    const e = await k(["exec", "app", "-c", "sleeper", "--", "sh", "-c", "echo inside"])
    assert.equal(e.code, 0, e.stderr)
    assert.equal(e.stdout, "inside\n")
  })
})

const SCRIPT = ["/usr/bin/script", "/bin/script"].find((p) => existsSync(p))

test(
  "debug -it gives the debugger a terminal and attaches to it",
  skipUnless(SCRIPT !== undefined, "util-linux script(1) is not installed"),
  async () => {
    const debug = `${kubectl} --kubeconfig ${KUBECONFIG} debug app -it --image=busybox --target=app -c tty -- sh -c 'read x; echo "typed $x"; stty size'`
    // The typing waits until the attach has begun, as a person at a prompt would.
    const typing = `(sleep 4; printf 'abc\\r'; sleep 3)`
    const r = await run(
      "/bin/sh",
      [
        "-c",
        `${typing} | ${SCRIPT!} -qefc "stty cols 90 rows 20; ${debug.replaceAll('"', '\\"').replaceAll("$", "\\$")}" /dev/null`,
      ],
      { env: { ...process.env, HOME: dir } },
    )
    assert.equal(r.code, 0, r.stdout + r.stderr)
    assert.match(r.stdout, /typed abc\r\n20 90\r\n/)
  },
)

test(
  "debug -it of a command that ends at once prints its output (kubectl falls back to the logs)",
  skipUnless(SCRIPT !== undefined, "util-linux script(1) is not installed"),
  async () => {
    const debug = `${kubectl} --kubeconfig ${KUBECONFIG} debug app -it --image=busybox --target=app -- sh -c 'echo hi'`
    const r = await run(SCRIPT!, ["-qefc", debug, "/dev/null"], { env: { ...process.env, HOME: dir } })
    assert.equal(r.code, 0, r.stdout + r.stderr)
    // Usually from its logs; when the machine is slow, through the attach.
    assert.match(r.stdout, /Defaulting debug container name to debugger-\w+\.\r?\n(.*\r?\n)*hi\r*\n/)
  },
)

/**
 * exec, attach, cp and port-forward through `k8ts server` (a child process over HTTPS) with the
 * real kubectl, on both of its transports (WebSocket and the SPDY fallback), and exec with the
 * Python client's `stream` when python3-kubernetes is installed.
 */
import assert from "node:assert/strict"
import { spawn } from "node:child_process"
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir, userInfo } from "node:os"
import { join } from "node:path"
import { after, before, describe, test } from "node:test"
import {
  ensureDebianPackage,
  kubectlPath,
  run,
  type ServerProcess,
  skipUnless,
  startK8tsServer,
} from "../../src/testing/index.ts"

const PYTHON = "/usr/bin/python3"
const dir = mkdtempSync(join(tmpdir(), "k8ts-streaming-e2e-"))
const files = join(dir, "files")
const KUBECONFIG = join(dir, "data", "kubeconfig.yaml")
let server: ServerProcess | undefined
let kubectl: string
const ON_NODE = '{"spec":{"nodeName":"stream-node"}}'

function k(args: string[], opts: { input?: string; env?: NodeJS.ProcessEnv } = {}) {
  return run(kubectl, ["--kubeconfig", KUBECONFIG, ...args], {
    env: { ...process.env, HOME: dir, ...opts.env },
    ...(opts.input !== undefined ? { input: opts.input } : {}),
  })
}

async function startServer(): Promise<void> {
  server = await startK8tsServer([
    ...["--data-dir", join(dir, "data"), "--port", "0", "--kubelet-port", "0"],
    ...["--node-name", "stream-node", "--pod-loopback-range", "127.248.0.0/24"],
    ...["--service-loopback-range", "127.160.0.0/12"],
  ])
}

before(async () => {
  kubectl = kubectlPath()
  mkdirSync(files, { recursive: true })
  await startServer()
  for (const [name, image, ...command] of [
    ["shell", "busybox", "sleep", "3600"],
    ["web", "nginx"],
    ["ticker", "busybox", "sh", "-c", "i=0; while true; do echo tick $i; i=$((i+1)); sleep 0.2; done"],
  ] as string[][]) {
    const r = await k([
      "run",
      name!,
      `--image=${image}`,
      `--overrides=${ON_NODE}`,
      ...(command.length ? ["--", ...command] : []),
    ])
    assert.equal(r.code, 0, r.stderr)
  }
  // A shell that execs its last command, so its process keeps what the shell set (LEFT,
  // SHLVL=0), with a home whose rc files say when they are read.
  mkdirSync(join(dir, "home"))
  writeFileSync(join(dir, "home", ".bashrc"), "echo .bashrc read >&2\n")
  const shelled = await k([
    ...["run", "shelled", "--image=busybox", `--overrides=${ON_NODE}`, `--env=HOME=${join(dir, "home")}`],
    ...["--", "sh", "-c", "export LEFT=behind; exec bash -c 'sleep 3600'"],
  ])
  assert.equal(shelled.code, 0, shelled.stderr)
  const ready = await k([
    "wait",
    "--for=condition=Ready",
    "pod/shell",
    "pod/web",
    "pod/ticker",
    "pod/shelled",
    "--timeout=30s",
  ])
  assert.equal(ready.code, 0, ready.stderr)
})

after(async () => {
  await server?.stop()
  rmSync(dir, { recursive: true, force: true })
})

const TRANSPORTS = [
  { name: "WebSocket", env: {} },
  {
    name: "SPDY",
    env: { KUBECTL_REMOTE_COMMAND_WEBSOCKETS: "false", KUBECTL_PORT_FORWARD_WEBSOCKETS: "false" },
  },
]

for (const t of TRANSPORTS) {
  describe(`kubectl over ${t.name}`, () => {
    test("exec prints the command's output and exits with its exit code", async () => {
      const r = await k(["exec", "shell", "--", "sh", "-c", "echo hi; echo err >&2; exit 3"], t)
      assert.equal(r.code, 3, r.stderr)
      assert.equal(r.stdout, "hi\n")
      assert.match(r.stderr, /err\ncommand terminated with exit code 3/)
    })

    test("exec -i passes stdin until its end", async () => {
      const r = await k(["exec", "-i", "shell", "--", "sh", "-c", "cat; echo done"], {
        ...t,
        input: "one\ntwo\n",
      })
      assert.equal(r.code, 0, r.stderr)
      assert.equal(r.stdout, "one\ntwo\ndone\n")
    })

    test("cp copies a file into the pod and back out (tar over exec)", async () => {
      const src = join(files, `in-${t.name}.txt`)
      writeFileSync(src, `copied over ${t.name}\n`)
      const inPod = join(files, "pod", t.name)
      mkdirSync(inPod, { recursive: true })
      const into = await k(["cp", src, `shell:${inPod}/in.txt`], t)
      assert.equal(into.code, 0, into.stderr)
      assert.equal(readFileSync(join(inPod, "in.txt"), "utf8"), `copied over ${t.name}\n`)
      const back = join(files, `out-${t.name}.txt`)
      const out = await k(["cp", `shell:${inPod}/in.txt`, back], t)
      assert.equal(out.code, 0, out.stderr)
      assert.ok(existsSync(back))
      assert.equal(readFileSync(back, "utf8"), `copied over ${t.name}\n`)
    })

    test("port-forward carries a web page from the pod", async () => {
      const pf = spawn(kubectl, ["--kubeconfig", KUBECONFIG, "port-forward", "pod/web", ":80"], {
        env: { ...process.env, HOME: dir, ...t.env },
        stdio: ["ignore", "pipe", "pipe"],
      })
      try {
        const port = await new Promise<string>((resolve, reject) => {
          let out = ""
          pf.stdout.on("data", (d: Buffer) => {
            out += String(d)
            const m = /Forwarding from 127\.0\.0\.1:(\d+) -> 80/.exec(out)
            if (m) resolve(m[1]!)
          })
          pf.once("exit", () => reject(new Error(`port-forward exited: ${out}`)))
        })
        for (let i = 0; i < 2; i++) {
          const page = await fetch(`http://127.0.0.1:${port}/`)
          assert.match(await page.text(), /Welcome to nginx!/)
        }
      } finally {
        pf.kill()
      }
    })
  })
}

test("exec gets the container's own environment (HOME as runc sets it), and its shells read no rc file", async () => {
  for (const shell of ["sh", "bash"]) {
    const r = await k(["exec", "-i", "shelled", "--", shell, "-c", "cat"], { input: "x\n" })
    assert.deepEqual([r.code, r.stdout, r.stderr], [0, "x\n", ""], shell)
  }
  const show = 'echo "$HOME ${LEFT-unset}"'
  const env = await k(["exec", "shelled", "--", "sh", "-c", show])
  assert.deepEqual([env.code, env.stdout, env.stderr], [0, `${join(dir, "home")} unset\n`, ""])
  // No HOME in the image or spec: the user's home in the passwd file ("/root" for root).
  const home = await k(["exec", "shell", "--", "sh", "-c", 'echo "$HOME"'])
  assert.deepEqual([home.code, home.stdout], [0, `${userInfo().homedir}\n`])
})

test(
  "as root, a pod's hostname is its own (a UTS namespace of its containers'), exec included",
  skipUnless(process.getuid?.() === 0, "UTS namespaces need root"),
  async () => {
    const r = await k(["exec", "shell", "--", "sh", "-c", 'hostname; echo "$HOSTNAME"'])
    assert.deepEqual([r.code, r.stdout, r.stderr], [0, "shell\nshell\n", ""])
  },
)

const SCRIPT = ["/usr/bin/script", "/bin/script"].find((p) => existsSync(p))

test(
  "exec -it gives the command a terminal of the client's size",
  skipUnless(SCRIPT !== undefined, "util-linux script(1) is not installed"),
  async () => {
    // script(1) gives kubectl a terminal of its own, sized with stty.
    const exec = `${kubectl} --kubeconfig ${KUBECONFIG} exec -it shell -- sh -c 'tty; sleep 0.3; stty size; exit 7'`
    const r = await run(SCRIPT!, ["-qefc", `stty cols 100 rows 30; ${exec}`, "/dev/null"], {
      env: { ...process.env, HOME: dir },
    })
    assert.equal(r.code, 7, r.stdout + r.stderr)
    assert.match(r.stdout, /\/dev\/pts\/\d+\r\n/)
    assert.match(r.stdout, /30 100\r\n/)
    assert.match(r.stdout, /command terminated with exit code 7/)
  },
)

test(
  "run -it --rm gives the container a terminal that kubectl attaches to",
  skipUnless(SCRIPT !== undefined, "util-linux script(1) is not installed"),
  async () => {
    const runIt = `${kubectl} --kubeconfig ${KUBECONFIG} run tty -it --rm --restart=Never --image=busybox --overrides='${ON_NODE}' -- sh -c 'read x; echo "typed $x"; stty size; exit 4'`
    // The typing waits until the attach has begun, as a person at a prompt would.
    const typing = `(sleep 4; printf 'abc\\r'; sleep 3)`
    const r = await run(
      "/bin/sh",
      [
        "-c",
        `${typing} | ${SCRIPT!} -qefc "stty cols 90 rows 20; ${runIt.replaceAll('"', '\\"').replaceAll("$", "\\$")}" /dev/null`,
      ],
      {
        env: { ...process.env, HOME: dir },
      },
    )
    assert.equal(r.code, 4, r.stdout + r.stderr)
    assert.match(r.stdout, /typed abc\r\n20 90\r\n/)
  },
)

describe("kubectl attach", () => {
  test("attach -i reaches a waiting container's stdin", async () => {
    const manifest = join(files, "reader.yaml")
    writeFileSync(
      manifest,
      JSON.stringify({
        apiVersion: "v1",
        kind: "Pod",
        metadata: { name: "reader" },
        spec: {
          nodeName: "stream-node",
          restartPolicy: "Never",
          containers: [
            {
              name: "reader",
              image: "busybox",
              stdin: true,
              stdinOnce: true,
              command: ["sh", "-c", "read line; echo got $line"],
            },
          ],
        },
      }),
    )
    assert.equal((await k(["apply", "-f", manifest])).code, 0)
    assert.equal((await k(["wait", "--for=condition=Ready", "pod/reader", "--timeout=30s"])).code, 0)
    const r = await k(["attach", "-i", "reader"], { input: "hello\n" })
    assert.equal(r.code, 0, r.stderr)
    assert.match(r.stdout, /got hello/)
  })

  test("run -i --rm attaches, then deletes the pod", async () => {
    const r = await k(
      [
        "run",
        "once",
        "-i",
        "--rm",
        "--restart=Never",
        "--image=busybox",
        `--overrides=${ON_NODE}`,
        "--",
        "sh",
        "-c",
        'read x; echo "said $x"',
      ],
      { input: "hi\n" },
    )
    assert.equal(r.code, 0, r.stderr)
    assert.match(r.stdout, /said hi/)
    assert.match(r.stdout, /pod "once" deleted/)
  })

  test("run -i: the end of kubectl's input is the end of the container's (stdinOnce)", async () => {
    const r = await k(
      [
        ...["run", "piped", "-i", "--rm", "--restart=Never", "--image=busybox", `--overrides=${ON_NODE}`],
        ...["--", "sh", "-c", "cat; echo done"],
      ],
      { input: "one\ntwo\n" },
    )
    assert.equal(r.code, 0, r.stderr)
    assert.match(r.stdout, /one\ntwo\ndone/)
  })
})

const havePython =
  ensureDebianPackage("python3-kubernetes", "/usr/lib/python3/dist-packages/kubernetes") && existsSync(PYTHON)

test(
  "the Python client's stream() execs with stdin, stdout, stderr and the exit code, and its log follows",
  skipUnless(havePython, "python3-kubernetes is not installed (apt-get install python3-kubernetes)"),
  async () => {
    const r = await run(
      PYTHON,
      [join(import.meta.dirname, "python_stream.py"), KUBECONFIG, "shell", "web", "ticker"],
      {
        env: { ...process.env, PYTHONPATH: "" },
      },
    )
    assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`)
    assert.match(r.stdout, /all checks passed/)
  },
)

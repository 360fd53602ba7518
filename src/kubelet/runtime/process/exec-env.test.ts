import assert from "node:assert/strict"
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { after, before, describe, test } from "node:test"
import type { Readable } from "node:stream"
import { until } from "../../../testing/index.ts"
import type { ContainerConfig, ProcessStreams, Sandbox } from "../runtime.ts"
import { ProcessRuntime } from "./process-runtime.ts"
import { defaultHome } from "./processes.ts"
import { execEnv } from "./streams.ts"

const RANGE = "127.229.9.0/24"
const isRoot = process.getuid?.() === 0

function container(name: string, command: string[], more: Partial<ContainerConfig> = {}): ContainerConfig {
  return { name, image: "busybox", command, args: [], env: {}, attempt: 0, ...more }
}

function text(stream: Readable | undefined): Promise<string> {
  return new Promise((resolve) => {
    let got = ""
    if (!stream) return resolve("")
    stream.on("data", (d: Buffer) => (got += d.toString()))
    stream.on("end", () => resolve(got))
  })
}

/** Runs an exec session to its end, `input` on its stdin when given; its exit code and output. */
async function session(s: ProcessStreams, input?: string): Promise<[number, string, string]> {
  if (input !== undefined) s.stdin?.end(input)
  const [out, err] = await Promise.all([text(s.stdout), text(s.stderr)])
  return [await s.exited, out, err]
}

test("an exec session without a terminal gets SHLVL=1 with stdin only, and never overrides the container's", () => {
  const cases: { stdin: boolean; env: Record<string, string>; want: Record<string, string> }[] = [
    { stdin: true, env: { A: "1" }, want: { A: "1", SHLVL: "1" } },
    { stdin: false, env: { A: "1" }, want: { A: "1" } },
    { stdin: true, env: { SHLVL: "4" }, want: { SHLVL: "4" } },
  ]
  for (const c of cases) assert.deepEqual(execEnv(c), c.want, JSON.stringify(c))
})

describe("exec in a process runtime container", () => {
  let dir: string
  let runtime: ProcessRuntime
  let sandbox: Sandbox
  const ids = new Map<string, string>()
  // A home whose rc files tell when they are read: the node's must never be.
  let home: string

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "k8ts-exec-env-"))
    home = join(dir, "home")
    mkdirSync(home)
    for (const rc of [".bashrc", ".profile"]) writeFileSync(join(home, rc), `echo "${rc} read" >&2\n`)
    runtime = new ProcessRuntime({ root: join(dir, "runtime"), podRange: RANGE })
    sandbox = await runtime.runSandbox({ podUid: "p1", namespace: "default", name: "p1", hostname: "p1" })
    // The shell execs its last command: the process is left with SHLVL=0 and LEFT in its environment.
    const shelled = ["sh", "-c", "export LEFT=behind; exec bash --norc -c 'sleep 3600'"]
    const env = { HOME: home, HOSTNAME: "p1", SET: "in-spec" }
    ids.set("shelled", (await runtime.start(sandbox, container("shelled", shelled, { env }))).id)
    ids.set("plain", (await runtime.start(sandbox, container("plain", ["sleep", "3600"]))).id)
    if (isRoot) {
      const file = join(dir, "mounted.txt")
      writeFileSync(file, "mounted\n")
      const mounts = [{ hostPath: file, containerPath: "/k8ts-exec-env-test/mounted.txt", readOnly: true }]
      const c = container("rooted", shelled, { env, mounts })
      ids.set("rooted", (await runtime.start(sandbox, c)).id)
    }
    const left = (id: string) => readFileSync(`/proc/${runtime.container(id)?.pid}/environ`, "utf8")
    await until("the shell's environment left behind", () =>
      left(ids.get("shelled")!).includes("LEFT=behind"),
    )
  })

  after(async () => {
    await runtime?.close(0)
    rmSync(dir, { recursive: true, force: true })
  })

  const show = 'echo "HOME=$HOME SET=${SET-} LEFT=${LEFT-unset} HOSTNAME=${HOSTNAME-}"'
  for (const name of ["shelled", "rooted"]) {
    test(
      `${name}: stdin from kubectl exec -i reaches the shell, which reads no rc file`,
      { skip: name === "rooted" && !isRoot },
      async () => {
        for (const shell of ["sh", "bash"]) {
          const s = runtime.execStream(ids.get(name)!, [shell, "-c", "cat"], { stdin: true, tty: false })
          assert.deepEqual(await session(s, "x\n"), [0, "x\n", ""], shell)
        }
      },
    )

    test(
      `${name}: an exec gets the environment the container was started with`,
      { skip: name === "rooted" && !isRoot },
      async () => {
        const want = `HOME=${home} SET=in-spec LEFT=unset HOSTNAME=p1\n`
        const s = runtime.execStream(ids.get(name)!, ["sh", "-c", show], { stdin: false, tty: false })
        assert.deepEqual(await session(s), [0, want, ""])
        const r = await runtime.exec(ids.get(name)!, ["sh", "-c", show], {})
        assert.deepEqual(r, { exitCode: 0, stdout: want, stderr: "" })
      },
    )
  }

  test("a container whose spec sets no HOME has its user's from the passwd file, as runc gives it", async () => {
    assert.equal(defaultHome(), isRoot ? "/root" : defaultHome())
    const r = await runtime.exec(ids.get("plain")!, ["sh", "-c", 'echo "$HOME"'], {})
    assert.deepEqual(r, { exitCode: 0, stdout: `${defaultHome()}\n`, stderr: "" })
  })
})

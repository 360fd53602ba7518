import assert from "node:assert/strict"
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { after, describe, test } from "node:test"
import { skipUnless } from "../../../testing/index.ts"
import { StartFailure } from "./shim.ts"
import { ShimSpawner, type SpawnRequest } from "./spawner.ts"

const dir = mkdtempSync(join(tmpdir(), "k8ts-spawner-"))
const spawner = new ShimSpawner()
after(() => {
  spawner.close()
  rmSync(dir, { recursive: true, force: true })
})

async function until<T>(what: string, fn: () => T | undefined | false): Promise<T> {
  for (let i = 0; i < 400; i++) {
    const v = fn()
    if (v) return v
    await new Promise((r) => setTimeout(r, 25))
  }
  throw new Error(`timed out waiting for ${what}`)
}

function request(name: string, argv: string[], more: Partial<SpawnRequest> = {}): SpawnRequest {
  return {
    argv,
    cwd: dir,
    env: { PATH: process.env.PATH ?? "", K8TS_TEST: "a b\nc" },
    logPath: join(dir, `${name}.log`),
    exitFile: join(dir, `${name}.exit`),
    ...more,
  }
}

/** The parent PID of `pid` (field 4 of its stat). */
function parentOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8")
  return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1])
}

function alive(pid: number): boolean {
  try {
    return !/^State:\s+[ZX]/m.test(readFileSync(`/proc/${pid}/status`, "utf8"))
  } catch {
    return false
  }
}

describe("the shim spawner", () => {
  test("starts a container under a forked shim: its environment, folders, log records, exit code and exit", async () => {
    const home = join(dir, "home", "c")
    const s = await spawner.start(
      request("env", ["sh", "-c", 'printf "%s|%s\\n" "$K8TS_TEST" "$PWD"; exit 3'], {
        cwd: home,
        dirs: [home],
      }),
    )
    assert.ok(s.pid > 0 && s.shimPid > 0 && s.pid !== s.shimPid)
    const exited = new Promise<void>((resolve) => s.watch.onExit(resolve))
    await until("the exit file", () => existsSync(join(dir, "env.exit")))
    assert.equal(readFileSync(join(dir, "env.exit"), "utf8"), "3\n")
    await exited
    assert.equal(s.watch.watching(), false)
    const log = readFileSync(join(dir, "env.log"), "utf8")
    assert.match(log, / stdout F a b\n/)
    assert.match(log, new RegExp(` stdout F c\\|${home}\n`))
  })

  test("a program that cannot run is a StartFailure in exec.LookPath's words, as with the standalone shim", async () => {
    writeFileSync(join(dir, "plain.txt"), "not a program\n", { mode: 0o644 })
    const cases = [
      ["no-such-program-k8ts", 'exec: "no-such-program-k8ts": executable file not found in $PATH'],
      ["/no/such/k8ts", 'exec: "/no/such/k8ts": stat /no/such/k8ts: no such file or directory'],
      [join(dir, "plain.txt"), `exec: "${join(dir, "plain.txt")}": permission denied`],
    ]
    for (const [program, message] of cases) {
      await assert.rejects(spawner.start(request("missing", [program as string])), (err: unknown) => {
        assert.ok(err instanceof StartFailure)
        assert.equal(err.message, message)
        return true
      })
    }
  })

  test("a spawner that dies leaves its shims and containers running; the next start launches another", async () => {
    const first = await spawner.start(request("sleeper", ["sleep", "30"]))
    const old = parentOf(first.shimPid)
    process.kill(old, "SIGKILL")
    await until("the spawner gone", () => !first.watch.watching())
    assert.ok(alive(first.pid), "the container runs on")
    assert.ok(alive(first.shimPid), "its shim runs on")
    const second = await spawner.start(request("next", ["sleep", "30"]))
    assert.notEqual(parentOf(second.shimPid), old)
    for (const s of [first, second]) process.kill(-s.pid, "SIGKILL")
    await until(
      "both exit codes",
      () => existsSync(join(dir, "sleeper.exit")) && existsSync(join(dir, "next.exit")),
    )
    assert.equal(readFileSync(join(dir, "sleeper.exit"), "utf8"), "137\n")
  })

  test(
    "a private root: the program runs in it once it is set up, and a missing program there is an error",
    skipUnless(process.getuid?.() === 0, "mount namespaces need root"),
    async () => {
      const rooted = (name: string, argv: string[]) => {
        const root = join(dir, `root-${name}`)
        const dirs = ["upper/.oldroot", "work", "root", "dev/upper", "dev/work"].map((d) => join(root, d))
        const mounts = `${join("/.oldroot", dir)} /k8ts-spawner-test none rbind,ro 0 0\n`
        const steps = [
          ["d", "/k8ts-spawner-test"],
          ["mount", mounts],
        ] as const
        return request(name, argv, { cwd: "/", dirs, root: { dir: root, cwd: "/k8ts-spawner-test", steps } })
      }
      const s = await spawner.start(
        rooted("rooted", ["sh", "-c", "pwd; touch x 2>/dev/null || echo read-only"]),
      )
      assert.equal(readFileSync(join(dir, "root-rooted", "pid"), "utf8"), `${s.pid}\n`)
      await until("the exit file", () => existsSync(join(dir, "rooted.exit")))
      const log = readFileSync(join(dir, "rooted.log"), "utf8")
      assert.match(log, / stdout F \/k8ts-spawner-test\n/)
      assert.match(log, / stdout F read-only\n/)
      assert.equal(existsSync("/k8ts-spawner-test"), false, "no mount point on the node")
      await assert.rejects(
        spawner.start(rooted("missing-rooted", ["no-such-program-k8ts"])),
        /executable file not found/,
      )
    },
  )
})

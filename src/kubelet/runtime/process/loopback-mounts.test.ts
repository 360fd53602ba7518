import assert from "node:assert/strict"
import { execFileSync } from "node:child_process"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { hostname as osHostname, tmpdir } from "node:os"
import { join } from "node:path"
import { test } from "node:test"
import { run, skipUnless } from "../../../testing/index.ts"
import type { ContainerConfig } from "../runtime.ts"
import { LoopbackMounts } from "./loopback-mounts.ts"

function mountinfo(devMount: string): string {
  return [
    "20 1 254:1 / / rw,relatime shared:1 - ext4 /dev/vda rw",
    "21 20 0:5 / /dev rw,nosuid shared:2 - devtmpfs udev rw",
    `22 21 0:6 / ${devMount} rw shared:3 - tmpfs tmpfs rw`,
    "",
  ].join("\n")
}

/** The fstab text of a container's planned root. */
function fstab(m: LoopbackMounts, dir: string): string {
  const c: ContainerConfig = {
    name: "app",
    image: "busybox",
    command: ["sleep"],
    args: [],
    env: {},
    attempt: 0,
    mounts: [{ hostPath: dir, containerPath: "/etc/hosts", readOnly: false }],
  }
  const setup = m.setup(join(dir, "root"), c, "/")
  return setup.steps
    .filter(([kind]) => kind === "mount")
    .map(([, text]) => text)
    .join("")
}

test("the node's mount table is read once per tableMs, however many containers start", () => {
  const dir = mkdtempSync(join(tmpdir(), "k8ts-loopback-mounts-"))
  try {
    const file = join(dir, "mountinfo")
    writeFileSync(file, mountinfo("/dev/k8ts-first"))
    const cached = new LoopbackMounts({
      root: dir,
      check: () => undefined,
      tableMs: 3_600_000,
      mountinfo: file,
    })
    const fresh = new LoopbackMounts({ root: dir, check: () => undefined, tableMs: 0, mountinfo: file })
    assert.match(fstab(cached, dir), /^\/dev\/k8ts-first \S+\/k8ts-first none rbind/m)
    writeFileSync(file, mountinfo("/dev/k8ts-second"))
    assert.match(fstab(cached, dir), /\/dev\/k8ts-first /, "the table read before serves")
    assert.doesNotMatch(fstab(fresh, dir), /k8ts-first/)
    assert.match(fstab(fresh, dir), /\/dev\/k8ts-second /, "an older read is read again")
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})

test(
  "a pod's hostname: a last uts step, and the launcher started in a UTS namespace of its own that has it",
  skipUnless(process.getuid?.() === 0, "mount and UTS namespaces need root"),
  async () => {
    const dir = mkdtempSync(join(tmpdir(), "k8ts-loopback-uts-"))
    try {
      const m = new LoopbackMounts({ root: dir })
      const hosts = join(dir, "hosts")
      writeFileSync(hosts, "127.0.0.1\tmy-host\n")
      const c: ContainerConfig = {
        ...{ name: "app", image: "busybox", command: ["hostname"], args: [], env: {}, attempt: 0 },
        mounts: [{ hostPath: hosts, containerPath: "/etc/hosts", readOnly: true }],
      }
      const cases = [
        { hostname: "my-host", uts: ["uts", "my-host"], flags: ["--uts"] },
        { hostname: undefined, uts: undefined, flags: [] },
      ]
      for (const [i, { hostname, uts, flags }] of cases.entries()) {
        const setup = m.setup(join(dir, `root-${i}`), c, "/", [], hostname)
        assert.deepEqual(setup.steps.at(-1)?.[0] === "uts" ? setup.steps.at(-1) : undefined, uts)
        const argv = await m.launchArgv(setup, ["hostname"])
        assert.deepEqual(argv.slice(0, 2 + flags.length), ["unshare", "--mount", ...flags])
        // The launcher (used without the shim spawner) sets the hostname in the container only.
        const r = await run(argv[0] as string, argv.slice(1))
        assert.deepEqual([r.code, r.stdout, r.stderr], [0, `${hostname ?? osHostname()}\n`, ""])
      }
      assert.equal(
        osHostname(),
        execFileSync("hostname", { encoding: "utf8" }).trim(),
        "the node's is unchanged",
      )
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  },
)

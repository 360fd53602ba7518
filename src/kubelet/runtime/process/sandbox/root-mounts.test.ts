import assert from "node:assert/strict"
import { test } from "node:test"
import { fstabField, planRootMounts, type RootBind, type RootMountsInput } from "./root-mounts.ts"

const bind = (containerPath: string, isDir = false, readOnly = false): RootBind => ({
  hostPath: `/var/lib/k8ts/pod${containerPath}`,
  containerPath,
  readOnly,
  isDir,
})

const cases: { name: string; input: RootMountsInput; want: { fstabs: string[]; steps: string[] } }[] = [
  {
    name: "a usual container: everything in one pass, /dev's mount points made on the node's side",
    input: {
      proc: "own",
      shm: "/run/pods/a/shm",
      binds: [bind("/etc/hosts"), bind("/dev/termination-log"), bind("/data", true, true)],
    },
    want: {
      fstabs: [
        [
          "proc /proc proc defaults 0 0",
          "/.oldroot/dev /dev none rbind 0 0",
          "/.oldroot/sys /sys none rbind 0 0",
          "/.oldroot/run/pods/a/shm /dev/shm none bind 0 0",
          "/.oldroot/var/lib/k8ts/pod/etc/hosts /etc/hosts none rbind 0 0",
          "/.oldroot/var/lib/k8ts/pod/dev/termination-log /dev/termination-log none rbind 0 0",
          "/.oldroot/var/lib/k8ts/pod/data /data none rbind,ro 0 0",
          "",
        ].join("\n"),
      ],
      steps: ["f /etc/hosts", "f /.oldroot/dev/termination-log", "d /data", "mount 0"],
    },
  },
  {
    name: "host /proc, no shm; a mount inside another and inside /dev/shm wait for the pass after it",
    input: {
      proc: "host",
      binds: [bind("/data", true), bind("/data/sub", true), bind("/proc/x")],
    },
    want: {
      fstabs: [
        [
          "/.oldroot/proc /proc none rbind 0 0",
          "/.oldroot/dev /dev none rbind 0 0",
          "/.oldroot/sys /sys none rbind 0 0",
          "/.oldroot/var/lib/k8ts/pod/data /data none rbind 0 0",
          "",
        ].join("\n"),
        [
          "/.oldroot/var/lib/k8ts/pod/data/sub /data/sub none rbind 0 0",
          "/.oldroot/var/lib/k8ts/pod/proc/x /proc/x none rbind 0 0",
          "",
        ].join("\n"),
      ],
      steps: ["d /data", "mount 0", "d /data/sub", "f /proc/x", "mount 1"],
    },
  },
  {
    name: "a mount below the pod's /dev/shm goes in the second pass",
    input: { proc: "own", shm: "/s", binds: [bind("/dev/shm/x")] },
    want: {
      fstabs: [
        [
          "proc /proc proc defaults 0 0",
          "/.oldroot/dev /dev none rbind 0 0",
          "/.oldroot/sys /sys none rbind 0 0",
          "/.oldroot/s /dev/shm none bind 0 0",
          "",
        ].join("\n"),
        "/.oldroot/var/lib/k8ts/pod/dev/shm/x /dev/shm/x none rbind 0 0\n",
      ],
      steps: ["mount 0", "f /dev/shm/x", "mount 1"],
    },
  },
]

for (const c of cases) {
  test(`planRootMounts(): ${c.name}`, () => {
    const plan = planRootMounts(c.input)
    assert.deepEqual(plan.fstabs, c.want.fstabs)
    const steps = plan.steps.map((s) => (s.kind === "mount" ? `mount ${s.pass}` : `${s.kind} ${s.path}`))
    assert.deepEqual(steps, c.want.steps)
  })
}

test("fstabField() escapes whitespace and backslashes as libmount reads them", () => {
  assert.equal(fstabField("/a b\tc\\d\ne"), "/a\\040b\\011c\\134d\\012e")
})

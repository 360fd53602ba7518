import assert from "node:assert/strict"
import { test } from "node:test"
import { fstabField, planRootMounts, type RootBind, type RootMountsInput } from "./root-mounts.ts"

const bind = (containerPath: string, isDir = false, readOnly = false): RootBind => ({
  hostPath: `/var/lib/k8ts/pod${containerPath}`,
  containerPath,
  readOnly,
  isDir,
})

const node = (path: string): RootBind => ({
  hostPath: path,
  containerPath: path,
  readOnly: false,
  isDir: true,
  node: true,
})

const dev = { upper: "/c/dev/upper", work: "/c/dev/work", mounts: ["/dev/pts", "/dev/shm"] }
const DEV =
  "k8ts-dev /dev overlay lowerdir=/.oldroot/dev,upperdir=/.oldroot/c/dev/upper,workdir=/.oldroot/c/dev/work 0 0"

const cases: { name: string; input: RootMountsInput; want: { fstabs: string[]; steps: string[] } }[] = [
  {
    name: "a usual container: everything in one pass, /dev's mount points made in its own layer",
    input: {
      proc: "own",
      shm: "/run/pods/a/shm",
      dev,
      binds: [bind("/etc/hosts"), bind("/dev/termination-log"), bind("/data", true, true)],
    },
    want: {
      fstabs: [
        [
          "proc /proc proc defaults 0 0",
          DEV,
          "/.oldroot/dev/pts /dev/pts none rbind 0 0",
          "/.oldroot/sys /sys none rbind 0 0",
          "/.oldroot/run/pods/a/shm /dev/shm none bind 0 0",
          "/.oldroot/var/lib/k8ts/pod/etc/hosts /etc/hosts none rbind 0 0",
          "/.oldroot/var/lib/k8ts/pod/dev/termination-log /dev/termination-log none rbind 0 0",
          "/.oldroot/var/lib/k8ts/pod/data /data none rbind,ro 0 0",
          "",
        ].join("\n"),
      ],
      steps: ["f /etc/hosts", "f /.oldroot/c/dev/upper/termination-log", "d /data", "mount 0"],
    },
  },
  {
    name: "host /proc, the node's /dev/shm; a mount inside another and inside /proc wait for the pass after it",
    input: {
      proc: "host",
      dev,
      binds: [bind("/data", true), bind("/data/sub", true), bind("/proc/x")],
    },
    want: {
      fstabs: [
        [
          "/.oldroot/proc /proc none rbind 0 0",
          DEV,
          "/.oldroot/dev/pts /dev/pts none rbind 0 0",
          "/.oldroot/dev/shm /dev/shm none rbind 0 0",
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
    input: { proc: "own", shm: "/s", dev, binds: [bind("/dev/shm/x")] },
    want: {
      fstabs: [
        [
          "proc /proc proc defaults 0 0",
          DEV,
          "/.oldroot/dev/pts /dev/pts none rbind 0 0",
          "/.oldroot/sys /sys none rbind 0 0",
          "/.oldroot/s /dev/shm none bind 0 0",
          "",
        ].join("\n"),
        "/.oldroot/var/lib/k8ts/pod/dev/shm/x /dev/shm/x none rbind 0 0\n",
      ],
      steps: ["mount 0", "f /dev/shm/x", "mount 1"],
    },
  },
  {
    name: "the loopback mode: the node's own folders bound back, mounts below them in the same pass",
    input: {
      proc: "host",
      dev: { ...dev, mounts: ["/dev/pts"] },
      binds: [node("/etc"), node("/var"), bind("/etc/hosts"), bind("/etc", true), bind("/srv/new", true)],
    },
    want: {
      fstabs: [
        [
          "/.oldroot/proc /proc none rbind 0 0",
          DEV,
          "/.oldroot/dev/pts /dev/pts none rbind 0 0",
          "/.oldroot/sys /sys none rbind 0 0",
          "/.oldroot/etc /etc none rbind 0 0",
          "/.oldroot/var /var none rbind 0 0",
          "/.oldroot/var/lib/k8ts/pod/etc/hosts /etc/hosts none rbind 0 0",
          "/.oldroot/var/lib/k8ts/pod/srv/new /srv/new none rbind 0 0",
          "",
        ].join("\n"),
        "/.oldroot/var/lib/k8ts/pod/etc /etc none rbind 0 0\n",
      ],
      steps: ["d /etc", "d /var", "f /.oldroot/etc/hosts", "d /srv/new", "mount 0", "d /etc", "mount 1"],
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

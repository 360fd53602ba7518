import assert from "node:assert/strict"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { test } from "node:test"
import { devMounts, mountsUnder, nodeMounts } from "./mounts.ts"

const MOUNTINFO = [
  "20 1 254:1 / / rw,relatime shared:1 - ext4 /dev/vda rw",
  "21 20 0:5 / /dev rw,nosuid shared:2 - devtmpfs udev rw",
  "22 21 0:6 / /dev/shm rw shared:3 - tmpfs tmpfs rw",
  "23 20 0:7 / /proc rw - proc proc rw",
  "24 20 0:8 / /sys rw - sysfs sysfs rw",
  "25 20 254:2 / /home rw shared:4 - ext4 /dev/vdb rw",
  "26 25 0:9 / /home/me/cache rw - tmpfs tmpfs rw",
  "27 20 0:4 net:[4026532] /run/k8ts/pods/a/ns/net rw - nsfs nsfs rw",
  "28 20 0:10 / /var/lib/k8ts/runtime/pods/b/shm rw - tmpfs shm rw",
  "29 20 0:11 / /srv/my\\040data rw - tmpfs tmpfs rw",
  "30 21 0:12 / /dev/pts rw - devpts devpts rw",
  "31 30 0:12 / /dev/pts rw - devpts devpts rw",
  "32 22 0:13 / /dev/shm/inner rw - tmpfs tmpfs rw",
  "",
].join("\n")

test("nodeMounts: the mounts on the node's root but the kernel's, namespace files and skipped folders", () => {
  const dir = mkdtempSync(join(tmpdir(), "k8ts-mounts-"))
  try {
    const file = join(dir, "mountinfo")
    writeFileSync(file, MOUNTINFO)
    assert.deepEqual(nodeMounts(["/var/lib/k8ts/runtime"], file), ["/home", "/srv/my data"])
    assert.deepEqual(mountsUnder("/home", file), ["/home/me/cache", "/home"])
    assert.deepEqual(devMounts(file), ["/dev/pts", "/dev/shm"])
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})

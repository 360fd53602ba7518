import assert from "node:assert/strict"
import { execFileSync, spawnSync } from "node:child_process"
import { describe, test } from "node:test"
import { lockNetworkTests, skipUnless } from "../testing/index.ts"
import { silentLogger } from "../util/index.ts"
import { ServiceRoute } from "./service-route.ts"

// Our own range and device: other tests may run at the same time.
const CIDR = "10.254.1.0/24"
const DEV = `ksr${process.pid % 100000}`
// Routes for 10.254.1.0/24 on the host: one test run at a time.
lockNetworkTests(process.getuid?.() === 0)

function ip(...args: string[]): string {
  return execFileSync("ip", args, { encoding: "utf8" })
}

function routes(): string[] {
  return ip("-4", "route", "show", "root", CIDR)
    .trim()
    .split("\n")
    .filter(Boolean)
    .map((l) => l.replace(/\s+/g, " ").replace(" scope link", "").trim())
    .sort()
}

describe("ServiceRoute (root)", skipUnless(process.getuid?.() === 0, "needs root"), () => {
  for (const c of [
    { name: "without a guard, the range at metric 0", guard: undefined, want: [`${CIDR} dev ${DEV}`] },
    {
      name: "below a guard at metric 100, the range at 99",
      guard: 100,
      want: [`${CIDR} dev ${DEV} metric 99`, `unreachable ${CIDR} metric 100`],
    },
    {
      name: "past a guard at metric 0, the two halves",
      guard: 0,
      want: [`10.254.1.0/25 dev ${DEV}`, `10.254.1.128/25 dev ${DEV}`, `unreachable ${CIDR}`],
    },
  ]) {
    test(`ensure() routes ${c.name}; remove() takes back only that`, async () => {
      const guard = c.guard === undefined ? [] : ["metric", String(c.guard)]
      if (c.guard !== undefined) ip("route", "add", "unreachable", CIDR, ...guard)
      const route = new ServiceRoute({ cidr: CIDR, device: DEV, log: silentLogger() })
      try {
        await route.ensure()
        assert.deepEqual(routes(), c.want)
      } finally {
        let left: string[] = []
        let device = false
        try {
          await route.remove()
          left = routes()
        } finally {
          // The test's own guard and device go whatever failed (spawnSync never throws).
          device = ip("-o", "link", "show").includes(`${DEV}:`)
          if (device) spawnSync("ip", ["link", "del", DEV])
          if (c.guard !== undefined) spawnSync("ip", ["route", "del", "unreachable", CIDR, ...guard])
        }
        assert.ok(!device, "remove() deletes the device")
        assert.deepEqual(left, c.guard === undefined ? [] : [c.want.at(-1)])
      }
    })
  }

  test("ensure() takes back a device a crashed proxy left, never one a live process holds", async () => {
    const dead = execFileSync(process.execPath, ["-p", "process.pid"], { encoding: "utf8" }).trim()
    for (const [holder, deleted] of [
      [dead, true],
      [String(process.ppid), false],
    ] as const) {
      ip("link", "add", DEV, "type", "bridge")
      ip("link", "set", "dev", DEV, "alias", `k8ts-proxy pid ${holder}`)
      const route = new ServiceRoute({ cidr: CIDR, device: DEV, log: silentLogger() })
      try {
        await route.ensure()
      } finally {
        try {
          await route.remove()
        } finally {
          const left = ip("-o", "link", "show").includes(`${DEV}:`)
          if (left) ip("link", "del", DEV)
          assert.equal(left, !deleted, `the device of pid ${holder}`)
        }
      }
    }
  })
})

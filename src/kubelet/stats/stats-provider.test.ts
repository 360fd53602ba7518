import { test } from "node:test"
import assert from "node:assert/strict"
import { spawn } from "node:child_process"
import { parseMeminfo, parseNodeCpu, parseProcStat, usageByProcessGroup } from "./proc.ts"
import { StatsProvider, type UsageSource } from "./stats-provider.ts"
import { newContainerRecord, type PodRecord } from "../pod-state.ts"
import { resourceMetricsText } from "./resource-metrics.ts"

test("parseProcStat reads pgrp, cpu ticks and rss past a command name with spaces", () => {
  const f = Array.from({ length: 50 }, () => "0")
  f[0] = "S"
  f[2] = "77" // field 5: pgrp
  f[11] = "150" // utime
  f[12] = "50" // stime
  f[13] = "10"
  f[14] = "5"
  f[21] = "256" // rss pages
  const s = parseProcStat(80, `80 (my (odd) cmd) ${f.join(" ")}`)
  assert.deepEqual(s, { pid: 80, pgrp: 77, cpuNanos: 215 * 1e7, rssBytes: 256 * 4096 })
})

test("node CPU and memory from /proc/stat and /proc/meminfo", () => {
  assert.equal(parseNodeCpu("cpu  100 5 20 1000 50 1 2 3 0 0\ncpu0 1 2\n"), 131 * 1e7)
  const m = parseMeminfo("MemTotal:       1000 kB\nMemFree:  100 kB\nMemAvailable:   400 kB\n")
  assert.deepEqual(m, { total: 1024000, available: 409600, workingSet: 614400 })
})

test("a real busy process group shows CPU time", async () => {
  const child = spawn("sh", ["-c", "while :; do :; done"], { detached: true, stdio: "ignore" })
  try {
    const until = Date.now() + 300
    while (Date.now() < until) await new Promise((r) => setTimeout(r, 20))
    const g = usageByProcessGroup().get(child.pid as number)
    assert.ok(g && g.rssBytes > 0, "rss measured")
  } finally {
    process.kill(-(child.pid as number), "SIGKILL")
  }
})

test("the summary's rates come from consecutive samples", () => {
  let now = 10_000
  let cpu = 0
  const source: UsageSource = {
    groups: () => new Map([[42, { cpuNanos: cpu, rssBytes: 5 << 20 }]]),
    node: () => ({ cpuNanos: cpu * 2, memory: { total: 100, available: 40, workingSet: 60 } }),
  }
  const record: PodRecord = {
    uid: "u1",
    key: "ns/p",
    since: 0,
    containers: new Map([["c", { ...newContainerRecord() }]]),
    initContainers: new Map(),
  }
  const c = record.containers.get("c")!
  c.current = {
    id: "c1",
    sandboxId: "s",
    podUid: "u1",
    name: "c",
    image: "i",
    attempt: 0,
    state: "running",
    startedAt: 8_000,
    pid: 42,
    logPath: "/dev/null",
  }
  const stats = new StatsProvider({ source, now: () => now })
  cpu = 1e9 // 1 s of CPU over the 2 s since start
  let s = stats.summary("n1", [{ namespace: "ns", name: "p", record }])
  assert.equal(s.pods[0]?.containers[0]?.cpu.usageNanoCores, 5e8)
  now += 10_000
  cpu += 2.5e9 // a quarter core for 10 s
  s = stats.summary("n1", [{ namespace: "ns", name: "p", record }])
  assert.equal(s.pods[0]?.cpu.usageNanoCores, 2.5e8)
  assert.equal(s.pods[0]?.memory.workingSetBytes, 5 << 20)
  assert.equal(s.node.memory.workingSetBytes, 60)
  const text = resourceMetricsText(s)
  assert.match(text, /container_cpu_usage_seconds_total\{container="c",namespace="ns",pod="p"\} 3.5 /)
  // Upstream's declarations: STABLE, resource_scrape_error (scrape_error is hidden since 1.29).
  assert.deepEqual(
    [...text.matchAll(/^# HELP (\S+) \[(\w+)\]/gm)].map((m) => `${m[1]} ${m[2]}`),
    [
      "container_cpu_usage_seconds_total STABLE",
      "container_memory_working_set_bytes STABLE",
      "container_start_time_seconds STABLE",
      "node_cpu_usage_seconds_total STABLE",
      "node_memory_working_set_bytes STABLE",
      "pod_cpu_usage_seconds_total STABLE",
      "pod_memory_working_set_bytes STABLE",
      "resource_scrape_error STABLE",
    ],
  )
  assert.match(text, /^resource_scrape_error 0$/m)
  assert.match(
    text,
    /^container_memory_working_set_bytes\{container="c",namespace="ns",pod="p"\} 5\.24288e\+06 \d+$/m,
  )
})

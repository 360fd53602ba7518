import assert from "node:assert/strict"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { after, before, describe, test } from "node:test"
import type { Pod } from "kubernetes-types/core/v1.js"
import { adoptedRecord } from "./pod-adopt.ts"
import type { ContainerInfo, ContainerRuntime } from "./runtime/runtime.ts"

describe("adoptedRecord: the termination messages of starts a previous kubelet made", () => {
  let dir: string
  before(() => {
    dir = mkdtempSync(join(tmpdir(), "k8ts-pod-adopt-"))
  })
  after(() => rmSync(dir, { recursive: true, force: true }))

  /** A start of container `name` of pod u1 that wrote `log` and `message` (when given) and exited with `code`. */
  function start(
    name: string,
    attempt: number,
    code: number | undefined,
    files: { log: string; message?: string },
  ) {
    const logPath = join(dir, `${name}-${attempt}.log`)
    writeFileSync(logPath, files.log)
    const messagePath = join(dir, `${name}-${attempt}.message`)
    if (files.message !== undefined) writeFileSync(messagePath, files.message)
    const info: ContainerInfo = {
      id: `${name}-${attempt}`,
      sandboxId: "s1",
      podUid: "u1",
      name,
      image: "busybox",
      attempt,
      state: code === undefined ? "running" : "exited",
      startedAt: 1000 + attempt,
      ...(code === undefined ? {} : { finishedAt: 2000 + attempt, exitCode: code }),
      logPath,
      mounts: [
        { hostPath: join(dir, "etc-hosts"), containerPath: "/etc/hosts", readOnly: false },
        ...(files.message !== undefined
          ? [{ hostPath: messagePath, containerPath: "/dev/termination-log", readOnly: false }]
          : []),
      ],
    }
    return info
  }

  /** A runtime that reports `containers` of sandbox s1 of pod u1. */
  function runtimeWith(containers: ContainerInfo[]): ContainerRuntime {
    return {
      sandboxes: () => [{ id: "s1", podUid: "u1", ip: "127.0.0.2" }],
      list: () => containers,
    } as unknown as ContainerRuntime
  }

  const cri = (line: string) => `2026-01-01T00:00:00.000000000Z stdout F ${line}\n`

  test("the file at terminationMessagePath, found among each start's mounts, or the log's tail", () => {
    const pod: Pod = {
      metadata: { name: "p", namespace: "default", uid: "u1" },
      spec: {
        containers: [
          { name: "file", terminationMessagePath: "/dev/termination-log" },
          { name: "logs", terminationMessagePolicy: "FallbackToLogsOnError" },
          { name: "runs" },
        ],
      },
    }
    const runtime = runtimeWith([
      start("file", 0, 1, { log: cri("first"), message: "first message" }),
      start("file", 1, 2, { log: cri("second"), message: "second message" }),
      start("logs", 0, 3, { log: cri("last words") }),
      start("runs", 0, undefined, { log: "", message: "" }),
    ])
    const record = adoptedRecord(runtime, "default/p", pod)
    const file = record?.containers.get("file")
    assert.equal(file?.termination?.get("file-1")?.message, "second message", "the current start's")
    assert.equal(
      file?.termination?.get("file-0")?.message,
      "first message",
      "the previous start's, for lastState",
    )
    assert.equal(record?.containers.get("logs")?.termination?.get("logs-0")?.message, "last words\n")
    // A running container's message is read when it exits; where from is known now.
    const runs = record?.containers.get("runs")?.termination?.get("runs-0")
    assert.equal(runs?.message, undefined)
    assert.equal(runs?.source.path, join(dir, "runs-0.message"))
  })

  test("no message without a mounted file and without FallbackToLogsOnError, or after a success", () => {
    const pod: Pod = {
      metadata: { name: "q", namespace: "default", uid: "u1" },
      spec: {
        containers: [
          { name: "quiet", terminationMessagePolicy: "File" },
          { name: "fine", terminationMessagePolicy: "FallbackToLogsOnError" },
        ],
      },
    }
    const runtime = runtimeWith([
      start("quiet", 0, 1, { log: cri("ignored") }),
      start("fine", 0, 0, { log: cri("ok") }),
    ])
    const record = adoptedRecord(runtime, "default/q", pod)
    assert.equal(record?.containers.get("quiet")?.termination?.get("quiet-0")?.message, "")
    assert.equal(record?.containers.get("fine")?.termination?.get("fine-0")?.message, "")
  })
})

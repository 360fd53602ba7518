import assert from "node:assert/strict"
import { mkdtempSync, rmSync } from "node:fs"
import { type AddressInfo, createServer } from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { after, before, describe, test } from "node:test"
import WebSocket from "ws"
import { newContainerRecord, type PodRecord } from "../pod-state.ts"
import { ProcessRuntime } from "../runtime/process/process-runtime.ts"
import { KubeletServer } from "../server.ts"

let dir: string
let runtime: ProcessRuntime
let server: KubeletServer
let port: number
const record: PodRecord = {
  uid: "uid-1",
  key: "ns/pod",
  since: 0,
  containers: new Map(),
  initContainers: new Map(),
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), "k8ts-streaming-"))
  runtime = new ProcessRuntime({ root: dir, podRange: "127.245.1.0/24" })
  const sandbox = await runtime.runSandbox({ podUid: "uid-1", namespace: "ns", name: "pod", hostname: "pod" })
  record.sandbox = sandbox
  const start = async (name: string, command: string[], stdin = false) => {
    const r = newContainerRecord()
    r.current = await runtime.start(sandbox, {
      name,
      image: "busybox",
      command,
      args: [],
      env: { GREETING: "hello" },
      attempt: 0,
      ...(stdin ? { stdin: true, stdinOnce: true } : {}),
    })
    record.containers.set(name, r)
  }
  await start("main", ["sleep", "60"])
  await start("reader", ["sh", "-c", "read l; echo got $l; echo bye >&2"], true)
  server = new KubeletServer({
    records: (ns, name) => (ns === "ns" && name === "pod" ? record : undefined),
    runtime,
    host: "127.0.0.1",
    port: 0,
  })
  port = await server.listen()
})

after(async () => {
  await server.close()
  await runtime.close(0)
  rmSync(dir, { recursive: true, force: true })
})

interface Session {
  readonly stdout: string
  readonly stderr: string
  readonly status: {
    status?: string
    reason?: string
    details?: { causes?: { reason?: string; message?: string }[] }
  }
  readonly code: number
}

/** Runs one session: sends `input` messages once open, collects the channels until close. */
function session(path: string, protocol: string, input: Buffer[] = []): Promise<Session> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}${path}`, [protocol])
    const out = { 1: "", 2: "", 3: "" } as Record<number, string>
    ws.on("open", () => {
      assert.equal(ws.protocol, protocol)
      for (const m of input) ws.send(m)
    })
    ws.on("message", (d: Buffer) => {
      const ch = d[0] as number
      out[ch] = (out[ch] ?? "") + d.subarray(1).toString()
    })
    ws.on("unexpected-response", (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)))
    ws.on("error", reject)
    ws.on("close", (code) =>
      resolve({
        stdout: out[1] ?? "",
        stderr: out[2] ?? "",
        status: JSON.parse(out[3] || "{}") as Session["status"],
        code,
      }),
    )
  })
}

const flags = "stdout=true&stderr=true"
const command = (...argv: string[]) => argv.map((a) => `command=${encodeURIComponent(a)}`).join("&")

describe("KubeletServer streaming", () => {
  test("exec over v5 passes stdin until the close signal and reports the exit code", async () => {
    const s = await session(
      `/exec/ns/pod/main?${command("sh", "-c", "cat; echo $GREETING >&2; exit 3")}&stdin=true&${flags}`,
      "v5.channel.k8s.io",
      [Buffer.from("\x00abc"), Buffer.from([255, 0])],
    )
    assert.equal(s.stdout, "abc")
    assert.equal(s.stderr, "hello\n")
    assert.equal(s.status.status, "Failure")
    assert.equal(s.status.reason, "NonZeroExitCode")
    assert.deepEqual(s.status.details?.causes, [{ reason: "ExitCode", message: "3" }])
    assert.equal(s.code, 1000)
  })

  test("exec over v4 (the Python client) ends with a Success status", async () => {
    const s = await session(`/exec/ns/pod/main?${command("echo", "hi")}&${flags}`, "v4.channel.k8s.io")
    assert.equal(s.stdout, "hi\n")
    assert.deepEqual(s.status, { metadata: {}, status: "Success" })
  })

  test("exec of a missing command ends with an InternalError status", async () => {
    const s = await session(
      `/exec/ns/pod/main?${command("no-such-command-k8ts")}&${flags}`,
      "v5.channel.k8s.io",
    )
    assert.equal(s.status.reason, "InternalError")
  })

  test("attach reaches the container's stdin and its output", async () => {
    const s = await session(`/attach/ns/pod/reader?stdin=true&${flags}`, "v5.channel.k8s.io", [
      Buffer.from("\x00x\n"),
    ])
    assert.equal(s.stdout, "got x\n")
    assert.equal(s.stderr, "bye\n")
    assert.deepEqual(s.status, { metadata: {}, status: "Success" })
  })

  test("port-forward over v4 channels (the Python client) reaches the pod's address", async () => {
    const echo = createServer((c) => c.on("data", (d: Buffer) => c.end(`echo:${d}`)))
    await new Promise<void>((r) => echo.listen(0, record.sandbox?.ip, r))
    const target = (echo.address() as AddressInfo).port
    const ws = new WebSocket(`ws://127.0.0.1:${port}/portForward/ns/pod?ports=${target}`, [
      "v4.channel.k8s.io",
    ])
    const got: Buffer[] = []
    ws.on("message", (d: Buffer) => got.push(d))
    await new Promise((r) => ws.once("open", r))
    ws.send(Buffer.from("\x00ping"))
    await new Promise((r) => ws.once("close", r))
    echo.close()
    const lo = target & 0xff
    const hi = target >> 8
    assert.deepEqual(
      got.slice(0, 2).map((b) => [...b]),
      [
        [0, lo, hi],
        [1, lo, hi],
      ],
    )
    assert.equal(Buffer.concat(got.slice(2).map((b) => b.subarray(1))).toString(), "echo:ping")
  })

  test("an unknown container or pod is refused before the upgrade", async () => {
    await assert.rejects(
      session(`/exec/ns/pod/nope?${command("ls")}&${flags}`, "v5.channel.k8s.io"),
      /HTTP 404/,
    )
    await assert.rejects(session(`/attach/ns/other/main?${flags}`, "v5.channel.k8s.io"), /HTTP 404/)
    await assert.rejects(
      session(`/exec/ns/pod/main?${command("ls")}&${flags}`, "v3.channel.k8s.io"),
      /HTTP 400/,
    )
  })
})

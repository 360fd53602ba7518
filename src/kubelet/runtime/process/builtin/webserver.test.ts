import assert from "node:assert/strict"
import { spawnSync } from "node:child_process"
import { mkdtempSync, rmSync } from "node:fs"
import { createServer } from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { after, test } from "node:test"

const dir = mkdtempSync(join(tmpdir(), "k8ts-webserver-"))
after(() => rmSync(dir, { recursive: true, force: true }))

test("the built-in nginx and httpd exit 1 saying so when they cannot bind their port", async () => {
  const taken = createServer()
  await new Promise<void>((resolve) => taken.listen(0, "127.0.0.1", resolve))
  const port = (taken.address() as { port: number }).port
  try {
    for (const [flavour, message] of [
      ["nginx", `nginx: [emerg] bind() to 127.0.0.1:${port} failed (98: Address in use)`],
      ["httpd", `(98: Address in use): AH00072: make_sock: could not bind to address 127.0.0.1:${port}`],
    ] as const) {
      const run = spawnSync(process.execPath, [join(import.meta.dirname, "webserver.mjs")], {
        cwd: dir,
        env: { K8TS_POD_IP: "127.0.0.1", K8TS_WEB_PORT: String(port), K8TS_WEB_FLAVOUR: flavour },
        encoding: "utf8",
        timeout: 10_000,
      })
      assert.equal(run.status, 1, run.stderr)
      assert.equal(run.stderr.trim(), message)
    }
  } finally {
    taken.close()
  }
})

/** Lists written empty where upstream's OpenAPI requires them, read by Debian's python3-kubernetes. */
import assert from "node:assert/strict"
import { existsSync } from "node:fs"
import { join } from "node:path"
import { test } from "node:test"
import { ensureDebianPackage, run, skipUnless, testApiServer } from "../../src/testing/index.ts"

const PYTHON = "/usr/bin/python3"
const have =
  ensureDebianPackage("python3-kubernetes", "/usr/lib/python3/dist-packages/kubernetes") && existsSync(PYTHON)
const server = testApiServer({ skip: !have })

test(
  "the Python client reads and lists a LimitRange without limits and a CSINode without drivers",
  skipUnless(have, "python3-kubernetes is not installed (apt-get install python3-kubernetes)"),
  async () => {
    const srv = server()
    const r = await run(PYTHON, [join(import.meta.dirname, "python_empty_lists.py"), srv.kubeconfig], {
      env: { ...srv.env, PYTHONPATH: "" },
    })
    assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`)
    assert.match(r.stdout, /all checks passed/)
  },
)

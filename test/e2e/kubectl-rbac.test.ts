/**
 * `k8ts server --authorization-mode=RBAC` through the real kubectl: the admin kubeconfig
 * (system:masters) may do anything; a service account's token is refused with upstream's
 * Forbidden until a Role and RoleBinding let it list pods in that namespace only; `kubectl auth
 * can-i` (also --as/--as-group, and --list) answers from RBAC.
 */
import assert from "node:assert/strict"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { after, before, describe, test } from "node:test"
import {
  kubectlSession,
  type ServerProcess,
  serverTarget,
  startK8tsServer,
  until,
} from "../../src/testing/index.ts"

const dir = mkdtempSync(join(tmpdir(), "k8ts-rbac-e2e-"))
let server: ServerProcess | undefined

before(async () => {
  // The control plane alone: nothing here runs pods.
  server = await startK8tsServer([
    "--data-dir",
    dir,
    "--port",
    "0",
    "--disable",
    "kubelet,proxy,dns",
    "--node-name",
    "rbac-node",
    "--pod-loopback-range",
    "127.216.0.0/16",
    "--service-loopback-range",
    "127.217.0.0/16",
    "--service-cidr",
    "10.96.0.0/16",
    "--authorization-mode",
    "RBAC",
  ])
})
after(async () => {
  await server?.stop()
  rmSync(dir, { recursive: true, force: true })
})

const { k, ok } = kubectlSession(() => serverTarget(dir))
/** kubectl runs take a while: look every 200 ms, for up to 20 s (bindings reach the cache shortly after). */
const POLL = { ms: 20_000, everyMs: 200 }
const ROBOT = "system:serviceaccount:default:robot"

/** kubectl with nothing but the server, its CA and a bearer token. */
function withToken(token: string, ...args: string[]) {
  return k(
    "--kubeconfig=/dev/null",
    `--server=${server?.url ?? ""}`,
    `--certificate-authority=${join(dir, "pki", "ca.crt")}`,
    `--token=${token}`,
    ...args,
  )
}

/** `kubectl auth can-i <args>`'s answer (it exits 1 for no). */
async function canI(...args: string[]): Promise<string> {
  return (await k("auth", "can-i", ...args)).stdout.trim()
}

describe("kubectl against RBAC authorization", () => {
  let token = ""

  test("the admin kubeconfig (system:masters) may do anything", async () => {
    await ok("get", "pods", "-A")
    assert.equal(await canI("*", "*"), "yes")
    await ok("create", "serviceaccount", "robot")
    token = (await ok("create", "token", "robot")).trim()
  })

  test("a service account is refused until a Role and RoleBinding allow it, in their namespace only", async () => {
    const refused = await withToken(token, "get", "pods")
    assert.notEqual(refused.code, 0)
    assert.equal(
      refused.stderr.trim(),
      `Error from server (Forbidden): pods is forbidden: User "${ROBOT}" cannot list resource "pods" in API group "" in the namespace "default"`,
    )
    await ok("create", "role", "pod-reader", "--verb=get,list,watch", "--resource=pods")
    await ok(
      "create",
      "rolebinding",
      "robot-reads-pods",
      "--role=pod-reader",
      "--serviceaccount=default:robot",
    )
    const pods = await until(
      "the binding to allow the robot",
      async () => {
        const r = await withToken(token, "get", "pods")
        return r.code === 0 && r
      },
      POLL,
    )
    assert.match(pods.stderr + pods.stdout, /No resources found in default namespace/)
    const elsewhere = await withToken(token, "get", "pods", "-n", "kube-system")
    assert.match(
      elsewhere.stderr,
      /pods is forbidden: User "system:serviceaccount:default:robot" cannot list resource "pods" in API group "" in the namespace "kube-system"/,
    )
    const write = await withToken(token, "delete", "pod", "web")
    assert.match(write.stderr, /cannot delete resource "pods" in API group "" in the namespace "default"/)
  })

  test("auth can-i answers for the impersonated user and groups", async () => {
    assert.equal(await canI("list", "pods", `--as=${ROBOT}`), "yes")
    assert.equal(await canI("list", "pods", `--as=${ROBOT}`, "-n", "kube-system"), "no")
    assert.equal(await canI("create", "pods", `--as=${ROBOT}`), "no")
    assert.equal(await canI("list", "pods", "--as=jane", "--as-group=devs"), "no")
    await ok("create", "clusterrolebinding", "devs-view", "--clusterrole=view", "--group=devs")
    // view's rules are the aggregation controller's to fill in.
    await until(
      "devs to view pods",
      async () => (await canI("list", "pods", "--as=jane", "--as-group=devs")) === "yes",
      POLL,
    )
    assert.equal(await canI("list", "pods", "--as=jane", "--as-group=devs", "-n", "kube-system"), "yes")
    assert.equal(await canI("get", "secrets", "--as=jane", "--as-group=devs"), "no")
    assert.equal(await canI("list", "pods", "--as=jane"), "no")
  })

  test("auth can-i --list shows the user's rules", async () => {
    const table = (await withToken(token, "auth", "can-i", "--list")).stdout
    assert.match(table, /^pods\s+\[\]\s+\[\]\s+\[get list watch\]$/m)
    assert.match(table, /^selfsubjectaccessreviews\.authorization\.k8s\.io\s+\[\]\s+\[\]\s+\[create\]$/m)
    assert.match(table, /^\s+\[\/api\/\*\]\s+\[\]\s+\[get\]$/m)
    const elsewhere = (await k("auth", "can-i", "--list", `--as=${ROBOT}`, "-n", "kube-system")).stdout
    assert.doesNotMatch(elsewhere, /^pods\s/m)
    assert.match(await ok("auth", "can-i", "--list"), /^\*\.\*\s+\[\]\s+\[\]\s+\[\*\]$/m)
  })
})

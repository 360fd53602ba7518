/**
 * The real kubectl against PodSecurity admission: `kubectl run` in a namespace enforcing
 * restricted is refused with upstream's message, a Deployment there is admitted with a
 * Warning, labelling a namespace warns about the pods already in it, and a bad level is refused.
 */
import assert from "node:assert/strict"
import { after, before, describe, test } from "node:test"
import { kubectlSession, startTestApiServer, type TestApiServer } from "../../src/testing/index.ts"

let srv: TestApiServer

before(async () => {
  srv = await startTestApiServer()
})
after(async () => {
  await srv?.stop()
})

const { k, ok } = kubectlSession(() => srv)

const detail = (c: string) =>
  `allowPrivilegeEscalation != false (container "${c}" must set securityContext.allowPrivilegeEscalation=false), ` +
  `unrestricted capabilities (container "${c}" must set securityContext.capabilities.drop=["ALL"]), ` +
  `runAsNonRoot != true (pod or container "${c}" must set securityContext.runAsNonRoot=true), ` +
  `seccompProfile (pod or container "${c}" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")`

describe("kubectl and PodSecurity admission", () => {
  test("kubectl run is refused where restricted is enforced; a Deployment only warns", async () => {
    await ok("create", "namespace", "locked")
    await ok("label", "namespace", "locked", "pod-security.kubernetes.io/enforce=restricted")
    const run = await k("run", "web", "--image=nginx", "-n", "locked")
    assert.notEqual(run.code, 0)
    assert.equal(
      run.stderr.trim(),
      `Error from server (Forbidden): pods "web" is forbidden: violates PodSecurity "restricted:latest": ${detail("web")}`,
    )
    const deploy = await k("create", "deployment", "web", "--image=nginx", "-n", "locked")
    assert.equal(deploy.code, 0, deploy.stderr)
    assert.match(deploy.stdout, /deployment.apps\/web created/)
    assert.equal(
      deploy.stderr.trim(),
      `Warning: would violate PodSecurity "restricted:latest": ${detail("nginx")}`,
    )
  })

  test("labelling a namespace warns about the pods that violate the new level", async () => {
    await ok("create", "namespace", "busy")
    await ok("run", "one", "--image=nginx", "-n", "busy")
    await ok("run", "two", "--image=nginx", "-n", "busy")
    const res = await k("label", "namespace", "busy", "pod-security.kubernetes.io/enforce=baseline")
    assert.equal(res.code, 0, res.stderr)
    assert.equal(res.stderr, "", "a plain pod meets baseline")
    const strict = await k(
      "label",
      "--overwrite",
      "namespace",
      "busy",
      "pod-security.kubernetes.io/enforce=restricted",
    )
    assert.equal(strict.code, 0, strict.stderr)
    assert.match(strict.stdout, /namespace\/busy labeled/)
    assert.deepEqual(strict.stderr.trim().split("\n"), [
      'Warning: existing pods in namespace "busy" violate the new PodSecurity enforce level "restricted:latest"',
      "Warning: one (and 1 other pod): allowPrivilegeEscalation != false, unrestricted capabilities, runAsNonRoot != true, seccompProfile",
    ])
    // The pods stay; only new ones are refused.
    assert.match(await ok("get", "pods", "-n", "busy", "-o", "name"), /pod\/one\npod\/two/)
  })

  test("warn-only labels and a bad level", async () => {
    await ok("create", "namespace", "soft")
    await ok("label", "namespace", "soft", "pod-security.kubernetes.io/warn=baseline")
    const run = await k(
      "run",
      "host",
      "--image=nginx",
      "-n",
      "soft",
      "--overrides",
      '{"spec":{"hostNetwork":true}}',
    )
    assert.equal(run.code, 0, run.stderr)
    assert.equal(
      run.stderr.trim(),
      'Warning: would violate PodSecurity "baseline:latest": host namespaces (hostNetwork=true)',
    )
    const bad = await k("label", "namespace", "soft", "pod-security.kubernetes.io/enforce=strict")
    assert.notEqual(bad.code, 0)
    assert.equal(
      bad.stderr.trim(),
      'The Namespace "soft" is invalid: metadata.labels[pod-security.kubernetes.io/enforce]: Invalid value: "strict": must be one of privileged, baseline, restricted',
    )
  })
})

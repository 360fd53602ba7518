/** Helm v4 installs, upgrades, rolls back and uninstalls a chart through server-side apply. */
import assert from "node:assert/strict"
import { mkdirSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { after, before, test } from "node:test"
import {
  helmPath,
  kubectlPath,
  run,
  startTestApiServer,
  type TestApiServer,
} from "../../src/testing/index.ts"

let srv: TestApiServer

before(async () => {
  srv = await startTestApiServer()
})
after(async () => {
  await srv?.stop()
})

async function ok(bin: string, ...args: string[]): Promise<string> {
  const r = await run(bin, args, { env: srv.env })
  assert.equal(r.code, 0, `${bin} ${args.join(" ")} failed: ${r.stderr}`)
  return r.stdout
}

function chart(): string {
  const dir = join(srv.dir, "demo")
  mkdirSync(join(dir, "templates"), { recursive: true })
  // A release version constraint, as most public charts carry: a server version with a
  // prerelease tag (v1.35.0-x) would not satisfy it.
  writeFileSync(
    join(dir, "Chart.yaml"),
    'apiVersion: v2\nname: demo\nversion: 0.1.0\nkubeVersion: ">=1.25.0"\n',
  )
  writeFileSync(join(dir, "values.yaml"), "greeting: hello\nextra: true\n")
  writeFileSync(
    join(dir, "templates", "config.yaml"),
    [
      "apiVersion: v1",
      "kind: ConfigMap",
      "metadata:",
      "  name: {{ .Release.Name }}-cm",
      "data:",
      "  greeting: {{ .Values.greeting | quote }}",
      '{{- if not (semverCompare ">=1.21" .Capabilities.KubeVersion.Version) }}',
      "  old: cluster",
      "{{- end }}",
      "{{- if .Values.extra }}",
      '  extra: "on"',
      "{{- end }}",
      "---",
      "apiVersion: v1",
      "kind: Secret",
      "metadata:",
      "  name: {{ .Release.Name }}-secret",
      "stringData:",
      "  token: abc",
      "",
    ].join("\n"),
  )
  return dir
}

test("helm install, upgrade, rollback and uninstall apply server-side", async () => {
  const helm = helmPath()
  const kubectl = kubectlPath()
  const dir = chart()
  // The API server serves no OpenAPI yet: helm's schema validation is turned off.
  await ok(helm, "install", "demo", dir, "--disable-openapi-validation")
  const cm = async () =>
    JSON.parse(await ok(kubectl, "get", "cm", "demo-cm", "-o", "json", "--show-managed-fields"))
  let c = await cm()
  assert.deepEqual(c.data, { greeting: "hello", extra: "on" })
  assert.deepEqual(
    c.metadata.managedFields.map((e: any) => `${e.manager}/${e.operation}`),
    ["helm/Apply"],
  )
  await ok(
    helm,
    "upgrade",
    "demo",
    dir,
    "--disable-openapi-validation",
    "--set",
    "greeting=bye",
    "--set",
    "extra=false",
  )
  c = await cm()
  // The key the chart stopped rendering is removed: helm no longer applies it.
  assert.deepEqual(c.data, { greeting: "bye" })
  await ok(helm, "rollback", "demo", "1")
  assert.deepEqual((await cm()).data, { greeting: "hello", extra: "on" })
  assert.match(await ok(helm, "history", "demo"), /Rollback to 1/)
  await ok(helm, "uninstall", "demo")
  assert.equal(await ok(kubectl, "get", "cm,secret", "-o", "name"), "")
})

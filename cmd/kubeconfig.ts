/** Writes the admin kubeconfig with the CA and the admin client certificate embedded. */
import { writeFileSync } from "node:fs"
import { stringify } from "yaml"

function b64(s: string): string {
  return Buffer.from(s).toString("base64")
}

/** Writes `path` (mode 0600) for `server` with the given CA and client certificate. */
export function writeKubeconfig(
  path: string,
  opts: { server: string; ca: string; cert: string; key: string },
): void {
  const doc = {
    apiVersion: "v1",
    kind: "Config",
    clusters: [
      { name: "k8ts", cluster: { server: opts.server, "certificate-authority-data": b64(opts.ca) } },
    ],
    contexts: [{ name: "k8ts", context: { cluster: "k8ts", user: "admin", namespace: "default" } }],
    "current-context": "k8ts",
    users: [
      {
        name: "admin",
        user: { "client-certificate-data": b64(opts.cert), "client-key-data": b64(opts.key) },
      },
    ],
    preferences: {},
  }
  writeFileSync(path, stringify(doc), { mode: 0o600 })
}

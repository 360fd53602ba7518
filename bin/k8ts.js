#!/usr/bin/env -S node --max-semi-space-size=64
// The k8ts command. Loads the TypeScript sources through tsx and runs cmd/main.ts.
// --max-semi-space-size=64 (MiB): a larger young generation; the control plane allocates many
// short-lived objects per request, and with it scavenges cost 10-15% less CPU for ~50-80 MB
// more memory (measured with `npm run bench -- controllers`). `npm start`, `npm run bench` and
// the tests' server (src/testing/k8ts-server.ts) pass the same flag.
import { register } from "tsx/esm/api"

register()
const { main } = await import("../cmd/main.ts")
await main(process.argv.slice(2))

#!/usr/bin/env node
// The k8ts command. Loads the TypeScript sources through tsx and runs cmd/main.ts.
import { register } from "tsx/esm/api"

register()
const { main } = await import("../cmd/main.ts")
await main(process.argv.slice(2))

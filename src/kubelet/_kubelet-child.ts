/**
 * A kubelet in a process of its own, for tests that crash it (SIGKILL): `node --import tsx
 * _kubelet-child.ts <api url> <data dir> <pod range> <node name>`. Prints "started" once it runs.
 */
import { join } from "node:path"
import { HttpClient } from "../client/index.ts"
import { Kubelet } from "./kubelet.ts"
import { ProcessRuntime } from "./runtime/process/process-runtime.ts"

const [url = "", dir = "", podRange = "", nodeName = ""] = process.argv.slice(2)
const client = new HttpClient({ server: url })
const runtime = new ProcessRuntime({ root: join(dir, "runtime"), podRange })
const kubelet = new Kubelet({ client, nodeName, address: "127.0.0.1", runtime, dataDir: dir })
void kubelet.run(new AbortController().signal)
process.stdout.write("started\n")

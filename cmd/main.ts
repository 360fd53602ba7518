/** The k8ts command line: `k8ts server` and friends. */
import { parseArgs } from "node:util"
import { runServer } from "./server.ts"

const USAGE = `Usage: k8ts <command> [flags]

Commands:
  server    Run a single-node cluster in this process (API server on the store)
  version   Print the version

Run 'k8ts server --help' for the server's flags.`

/** Entry point of bin/k8ts.js. */
export async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv
  switch (command) {
    case "server":
      return runServer(rest)
    case "version": {
      const { versionInfo } = await import("../src/apiserver/index.ts")
      console.log(JSON.stringify(versionInfo(), null, 2))
      return
    }
    case undefined:
    case "help":
    case "--help":
    case "-h":
      console.log(USAGE)
      return
    default:
      console.error(`Unknown command "${command}"\n\n${USAGE}`)
      process.exitCode = 2
  }
}

export { parseArgs }

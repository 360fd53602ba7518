/** The seam between the proxy's watch loop and the mechanism that forwards service traffic. */
import type { ServiceRule } from "./rules.ts"

/**
 * Programs service rules. `apply` gets the complete current rule list each time (level
 * triggered) and is never called again before the last call settled; `close` undoes everything
 * the backend set up on the host.
 */
export interface ProxyBackend {
  readonly name: string
  apply(rules: readonly ServiceRule[]): void | Promise<void>
  close(): void | Promise<void>
}

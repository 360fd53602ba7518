/** Printer of node.k8s.io/v1 RuntimeClasses. */
import type { RuntimeClass } from "kubernetes-types/node/v1.js"
import { age } from "./format.ts"
import { AGE_COLUMN, NAME_COLUMN, column, type Printer } from "./types.ts"

/** RuntimeClasses: NAME HANDLER AGE (upstream's Handler column has an empty description). */
export const runtimeClassPrinter: Printer<RuntimeClass> = {
  columns: [NAME_COLUMN, column("Handler", "string", ""), AGE_COLUMN],
  cells: (rc, { now }) => [rc.metadata?.name ?? "", rc.handler ?? "", age(rc, now)],
}

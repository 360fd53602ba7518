/**
 * The controller manager's controllers: every reconciler that keeps workloads, namespaces,
 * service accounts, nodes and garbage in order. Each lives in its own folder and reaches the
 * cluster only through the client. Imports api, client and util.
 */
import type { ControllerSpec } from "../client/index.ts"
import { cronJobController } from "./cronjob/index.ts"
import { jobController, ttlAfterFinishedController } from "./job/index.ts"

/** What some controllers need to know about the cluster they run in. */
export interface ControllerOptions {
  /** The cluster CA certificate (PEM), published as kube-root-ca.crt in every namespace. */
  readonly rootCaPem: string
}

/** Every controller k8ts has, enabled or not (the manager picks with its `--controllers` list). */
export function allControllers(_opts: ControllerOptions): ControllerSpec[] {
  return [jobController, ttlAfterFinishedController, cronJobController]
}

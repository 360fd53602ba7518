/**
 * Test helpers, imported only by tests: real dependencies started for a test run (an etcd
 * server) and the means to skip tests visibly when a dependency is missing (but fail under CI).
 * Imports util, api, storage, apiserver and client only.
 */
export { startEtcd, ETCD_BINARY, type EtcdServer, type StartEtcdOptions } from "./etcd-server.ts"
export { ensureDebianPackage, skipUnless, isCI, MissingTestDependencyError } from "./debian.ts"
export { kubectlPath, helmPath, run, type CommandResult } from "./kubectl.ts"
export { kubectlSession, serverTarget, type KubectlSession, type KubectlTarget } from "./kubectl-session.ts"
export {
  startTestApiServer,
  testApiServer,
  type TestApiServer,
  type TestApiServerFixtureOptions,
} from "./api-server.ts"
export { startK8tsServer, type ServerProcess } from "./k8ts-server.ts"
export { startClientEnv, settleUntil, type ClientEnv, type ClientEnvOptions } from "./client-env.ts"
export { until, untilPhase, untilPod, type UntilOptions } from "./until.ts"
export {
  acquireNetworkLock,
  lockNetworkTests,
  NETWORK_LOCK,
  type NetworkLockOptions,
} from "./network-lock.ts"
export { nodePod } from "./pods.ts"
export { makeCsr, type TestCsr } from "./csr.ts"
export {
  apiCall,
  readWatch,
  readWatchEvents,
  type ApiCallResult,
  type FetchesRequests,
  type WatchLine,
} from "./api-call.ts"
export { memoryApiServer, runApiServer } from "./memory-api-server.ts"
export { exampleCrd, type ExampleKind } from "./example-crd.ts"

/**
 * Leaf helpers shared by every component: time, logging, abort handling, async queues.
 * Imports nothing from the rest of k8ts.
 */
export { type Clock, realClock, FakeClock, microTime, rfc3339 } from "./clock.ts"
export { type Logger, type LogOptions, createLogger, silentLogger, formatKlog } from "./log.ts"
export { whenAborted, isAbortError, pause } from "./abort.ts"
export { AsyncQueue, type Batched } from "./async-queue.ts"
export { isAlive, startTicks } from "./process.ts"
export {
  type Cidr,
  parseCidr,
  cidrAddress,
  cidrContains,
  ipv4ToNumber,
  mapAddress,
  numberToIpv4,
} from "./cidr.ts"
export {
  type IpAddr,
  type IpPrefix,
  familyBits,
  formatIp,
  formatPrefix,
  isIpv4Mapped,
  maskPrefix,
  parseIp,
  parsePrefix,
  prefixBounds,
  prefixContains,
  prefixContainsPrefix,
  prefixesOverlap,
} from "./ip.ts"
export { joinHostPort } from "./host-port.ts"
export { smallest } from "./smallest.ts"
export { copyJson } from "./copy-json.ts"
export { ownValue, setKey } from "./set-key.ts"
export { jsonEqual } from "./json-equal.ts"
export { deepFreeze } from "./deep-freeze.ts"
export { goFormatFloat, goQuote, goParseInt, goParseUint, type GoParsed } from "./go-strconv.ts"
export { goDuration } from "./go-duration.ts"
export { goCleanRooted } from "./go-path.ts"
export { aggregateMessage } from "./go-aggregate.ts"
export { goJsonEscape, goJsonString } from "./go-json.ts"
export {
  goFormatUtc,
  type GoInstant,
  goParseRfc3339,
  goParseTime,
  type GoTime,
  RFC3339,
  RFC3339_MICRO,
} from "./go-time.ts"
export { PrefaultedSlabs } from "./prefaulted-slabs.ts"
export {
  GO_YAML,
  GO_YAML_OUTPUT,
  firstYamlDocument,
  goYamlError,
  goYamlKeyLess,
  goYamlKeyOrder,
} from "./go-yaml.ts"
export {
  formatPrometheusText,
  type MetricFamily,
  PROMETHEUS_TEXT_TYPE,
  prometheusText,
} from "./prometheus-text.ts"
export { kubeHelp, type StabilityLevel } from "./kube-metric-help.ts"

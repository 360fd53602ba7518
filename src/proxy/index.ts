/**
 * The service proxy on every node: Services and EndpointSlices compiled into rules (rules.ts),
 * programmed by a backend — in-process TCP and UDP forwarding on loopback service addresses
 * for unprivileged nodes today. Imports api, client and util.
 */
export { compileRules, type RuleEndpoint, type ServiceRule } from "./rules.ts"
export { UserspaceProxy, type UserspaceProxyOptions } from "./userspace.ts"
export { Proxy, type ProxyOptions } from "./proxy.ts"

/**
 * The service proxy on every node: Services and EndpointSlices compiled into rules (rules.ts),
 * programmed by a backend — in-process TCP and UDP forwarding on loopback service addresses
 * for unprivileged nodes, nftables in the kernel as root. Imports api, client, network and util.
 */
export { compileRules, type RuleEndpoint, type ServiceRule } from "./rules.ts"
export { UserspaceProxy, type UserspaceProxyOptions } from "./userspace.ts"
export { Proxy, type ProxyOptions } from "./proxy.ts"
export { type ProxyBackend } from "./backend.ts"
export { NftablesProxy, type NftablesProxyOptions } from "./nftables.ts"

/**
 * Cluster DNS: answers `<svc>.<ns>.svc.<domain>`, per-endpoint, SRV, pod and reverse names from
 * Services, EndpointSlices and Namespaces it watches, over UDP and TCP; keeps the kube-dns
 * Service pointing at itself. Names outside the domain are refused unless upstreams are given.
 * Imports api, client and util.
 */
export { resolve, TTL, type DnsQuestion, type DnsReply, type Rcode } from "./resolve.ts"
export { buildView, dashed, type DnsView, type DnsService, type DnsEndpoint, type DnsPort } from "./view.ts"
export { answer, type AnswerOptions, type Transport } from "./message.ts"
export { DnsServer, type DnsServerOptions } from "./server.ts"
export { Forwarder, hostResolvers, parseResolvConf } from "./forward.ts"
export { ClusterDns, type ClusterDnsOptions } from "./cluster-dns.ts"
export { DnsMetrics, type DnsMetricsOptions, type DnsExchange, queryType, rcodeOf } from "./metrics.ts"
export { serveDnsMetrics, type DnsMetricsServer, type DnsMetricsServerOptions } from "./metrics-server.ts"
export {
  KUBE_DNS_MANAGER,
  kubeDnsObjects,
  reconcileKubeDnsService,
  runKubeDnsService,
  type KubeDnsServiceOptions,
} from "./kube-dns-service.ts"

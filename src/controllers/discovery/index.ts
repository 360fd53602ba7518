/** Discovery of every served resource, for controllers that act on all kinds. */
export {
  discoverResources,
  discoveryFailureMessage,
  supportsVerbs,
  type DiscoveredResource,
  type DiscoveryResult,
} from "./discovery.ts"

/**
 * Admission webhooks: the MutatingAdmissionWebhook and ValidatingAdmissionWebhook plugins that
 * call the webhooks Mutating- and ValidatingWebhookConfigurations register, read from the
 * watch cache. Imports api and util.
 */
export { WebhookSource, type ConfigurationCache } from "./source.ts"
export type { WebhookAdmissionOptions } from "./dispatch.ts"
export { mutatingAdmissionWebhook } from "./mutating.ts"
export { validatingAdmissionWebhook } from "./validating.ts"
export { cacheServiceResolver, type ResolverCaches } from "./resolve.ts"
export { withConditionErrors } from "./validate-conditions.ts"

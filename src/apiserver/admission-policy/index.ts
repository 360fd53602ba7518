/**
 * ValidatingAdmissionPolicies: the ValidatingAdmissionPolicy admission plugin, which enforces the
 * policies their bindings name (read from the watch cache), the compile checks of a policy's
 * expressions that its validation adds, and the status its type checker writes. Imports api,
 * util and the apiserver's webhook and CEL parts.
 */
export { PolicySource } from "./source.ts"
export { type PolicyAdmissionOptions, validatingAdmissionPolicy } from "./dispatch.ts"
export type { ParamSource } from "./params.ts"
export { policyAdmissionOptions, type PolicyParts } from "./options.ts"
export { withPolicyExpressionErrors } from "./validate-expressions.ts"
export { PolicyStatusController, STATUS_MANAGER } from "./status.ts"

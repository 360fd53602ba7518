/**
 * Dynamic Resource Allocation in the API server: the CEL environment of device selectors, whose
 * compiler validation uses for DeviceClasses, ResourceClaims and their templates. Imports the
 * CRD CEL package for the base environment.
 */
export { compileSelector, selectorEnvironment } from "./selector.ts"

/**
 * The CEL environment of DRA device selectors, as upstream's dynamic-resource-allocation/cel
 * declares it: Kubernetes' base environment with `device` of type kubernetes.DRADevice, whose
 * `driver` is a string, `attributes` a map of domains to maps of attribute IDs to values of any
 * type, and `capacity` a map of domains to maps of IDs to quantities; `cel.bind` and the semver
 * library are there as in the base environment. A selector must be a bool (or dyn). Upstream
 * also estimates each expression's worst-case cost against a limit of 1,000,000; k8ts does not.
 */
import type { Environment } from "@marcbachmann/cel-js"
import type { CelSelectorError } from "../../api/index.ts"
import { checkExpression } from "../crd/cel/compile.ts"
import { baseEnvironment } from "../crd/cel/environment.ts"
import { celGoTypeName } from "../crd/cel/type-names.ts"

/** The value of `device`: a plain object, as a CEL object type's fields are read. */
class DraDevice {
  constructor(
    readonly driver: string,
    readonly attributes: Map<string, Map<string, unknown>>,
    readonly capacity: Map<string, Map<string, unknown>>,
  ) {}
}

let environment: Environment | undefined

/** The selector environment (built once). */
export function selectorEnvironment(): Environment {
  if (environment) return environment
  const env = baseEnvironment().clone()
  env
    .registerType("kubernetes.DRADevice", {
      ctor: DraDevice,
      fields: {
        driver: "string",
        attributes: "map<string, map<string, dyn>>",
        capacity: "map<string, map<string, kubernetes.Quantity>>",
      },
    })
    .registerVariable("device", "kubernetes.DRADevice")
  environment = env
  return env
}

/**
 * Compiles a selector expression as upstream's CompileCELExpression checks it: undefined when it
 * compiles to a bool or dyn, else its error ("compilation failed: ..." with cel-go's text, or
 * the type it has instead).
 */
export function compileSelector(expression: string): CelSelectorError | undefined {
  const c = checkExpression(selectorEnvironment(), expression)
  if (c.error !== undefined) return { type: "Invalid", detail: `compilation failed: ${asDeclared(c.error)}` }
  if (c.type === "bool" || c.type === "dyn") return undefined
  const type = asDeclared(celGoTypeName(c.type ?? "dyn"))
  return { type: "Invalid", detail: `must evaluate to bool or the unknown type, not ${type}` }
}

/**
 * Type names as upstream declares them: attribute values are of its `any` type (the library's
 * dyn), so the attribute maps print as `map(string, any)`.
 */
function asDeclared(text: string): string {
  return text.replace(/map\(string, dyn\)/g, "map(string, any)")
}

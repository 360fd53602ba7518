/**
 * The registry hooks of custom resources: structural defaulting and pruning, generic
 * metadata checks plus schema validation and x-kubernetes-validations rules, the None conversion
 * (only apiVersion changes), and the shape server-side apply sees them in. CRDs get their
 * defaults and rules checked. Built-in resources go to the hooks they had.
 */
import { type ApiObject, type ResourceInfo, validateCustomResourceMeta } from "../../api/index.ts"
import type { CustomResourceDefinition } from "kubernetes-types/apiextensions/v1.js"
import type { RegistryDeps } from "../registry/context.ts"
import { customResourceShape } from "./apply-shape.ts"
import { defaultAndPrune } from "./prune-default.ts"
import { validateCrdRules } from "./cel/crd-rules.ts"
import { validateCrdDefaults } from "./validate-defaults.ts"
import type { ResourceTable } from "./resource-table.ts"
import { validateRules } from "./validate-rules.ts"
import { validateValue } from "./validate-value.ts"

/** The registry's defaults, validate and convert hooks, and the shape of custom resources. */
export interface RegistryHooks {
  readonly defaults: RegistryDeps["defaults"]
  /** `subresource` is the one written ("status" has rules of its own for some kinds). */
  readonly validate: RegistryDeps["validate"]
  readonly convert: (obj: ApiObject, info: ResourceInfo, toVersion: string) => ApiObject
  readonly customShape?: RegistryDeps["customShape"]
}

function isCrd(info: ResourceInfo): boolean {
  return info.group === "apiextensions.k8s.io" && info.kind === "CustomResourceDefinition"
}

/** Wraps the built-in hooks so custom resources get their CRD's rules. */
export function customResourceHooks(table: ResourceTable, builtin: RegistryHooks): RegistryHooks {
  return {
    defaults(info, obj) {
      const h = table.handling(info)
      if (!h) return builtin.defaults(info, obj)
      if (h.schema) defaultAndPrune(h.schema, obj as unknown as Record<string, unknown>)
    },
    validate(info, obj, old, subresource) {
      const h = table.handling(info)
      if (!h && isCrd(info)) {
        const errs = builtin.validate(info, obj, old)
        if (errs.length) return errs
        const crd = obj as unknown as CustomResourceDefinition
        const defaults = validateCrdDefaults(crd)
        // A status write changes no schema: its rules are not checked again.
        if (subresource === "status") return defaults
        return [...defaults, ...validateCrdRules(crd, defaults.length === 0)]
      }
      if (!h) return builtin.validate(info, obj, old, subresource)
      const errs = validateCustomResourceMeta(obj, old, info.namespaced)
      if (h.schema) errs.push(...validateValue(h.schema, obj, "", true))
      errs.push(...validateRules(h, obj, old, errs))
      return errs
    },
    convert(obj, info, toVersion) {
      if (!info.custom) return builtin.convert(obj, info, toVersion)
      const apiVersion = `${info.group}/${toVersion}`
      return obj.apiVersion === apiVersion ? obj : { ...obj, apiVersion }
    },
    customShape(info) {
      const schema = table.handling(info)?.schema
      return schema ? customResourceShape(schema) : undefined
    },
  }
}

/**
 * Validation of CustomResourceDefinitions (apiextensions.k8s.io/v1) with upstream's messages:
 * the name is `<plural>.<group>`, names are DNS-1035 labels, exactly one storage version,
 * structural schemas, scale subresource paths and printer columns.
 */
import type {
  CustomResourceDefinition,
  CustomResourceDefinitionNames,
  CustomResourceDefinitionVersion,
  CustomResourceSubresourceScale,
} from "kubernetes-types/apiextensions/v1.js"
import { isDeepStrictEqual } from "node:util"
import type { FieldError } from "../errors.ts"
import { invalidValue, notSupported, required } from "../field-errors.ts"
import type { StructuralSchema } from "../crd-schema.ts"
import { child, immutable, index } from "./_field.ts"
import { isDns1035Label, isDns1123Subdomain, nameIsDnsSubdomain } from "./names.ts"
import { validateObjectMeta, validateObjectMetaUpdate } from "./object-meta.ts"
import { validateStructuralSchema } from "./crd-structural.ts"

type Crd = CustomResourceDefinition

function label(value: string | undefined, field: string, mixedCase = false): FieldError[] {
  if (!value) return []
  const errs = isDns1035Label(mixedCase ? value.toLowerCase() : value)
  if (!errs.length) return []
  const msg = errs.join(",")
  return [
    invalidValue(field, value, mixedCase ? `may have mixed case, but should otherwise match: ${msg}` : msg),
  ]
}

function validateNames(
  n: CustomResourceDefinitionNames | undefined,
  path: string,
  spec: boolean,
): FieldError[] {
  const names = n ?? ({} as CustomResourceDefinitionNames)
  const errs: FieldError[] = []
  if (spec) {
    for (const f of ["plural", "singular", "kind", "listKind"] as const)
      if (!names[f]) errs.push(required(child(path, f)))
  }
  errs.push(...label(names.plural, child(path, "plural")))
  errs.push(...label(names.singular, child(path, "singular")))
  errs.push(...label(names.kind, child(path, "kind"), true))
  errs.push(...label(names.listKind, child(path, "listKind"), true))
  ;(names.shortNames ?? []).forEach((s, i) => errs.push(...label(s, index(child(path, "shortNames"), i))))
  if (names.kind && names.kind === names.listKind)
    errs.push(invalidValue(child(path, "listKind"), names.listKind, "kind and listKind may not be the same"))
  ;(names.categories ?? []).forEach((c, i) => errs.push(...label(c, index(child(path, "categories"), i))))
  return errs
}

function validateGroup(group: string | undefined, path: string): FieldError[] {
  if (!group) return [required(path)]
  const errs = isDns1123Subdomain(group)
  if (errs.length) return [invalidValue(path, group, errs.join(","))]
  if (group.split(".").length < 2)
    return [invalidValue(path, group, "should be a domain with at least one dot")]
  return []
}

function jsonPathUnder(p: string | undefined, path: string, roots: string[], msg: string): FieldError[] {
  if (!p) return []
  if (!roots.some((r) => p.startsWith(`.${r}.`)) || /\[|\]/.test(p)) return [invalidValue(path, p, msg)]
  return []
}

function validateScale(scale: CustomResourceSubresourceScale | undefined, path: string): FieldError[] {
  if (!scale) return []
  const errs: FieldError[] = []
  const spec = child(path, "specReplicasPath")
  if (!scale.specReplicasPath) errs.push(required(spec))
  errs.push(...jsonPathUnder(scale.specReplicasPath, spec, ["spec"], "should be a json path under .spec"))
  const status = child(path, "statusReplicasPath")
  if (!scale.statusReplicasPath) errs.push(required(status))
  errs.push(
    ...jsonPathUnder(scale.statusReplicasPath, status, ["status"], "should be a json path under .status"),
  )
  errs.push(
    ...jsonPathUnder(
      scale.labelSelectorPath ?? undefined,
      child(path, "labelSelectorPath"),
      ["spec", "status"],
      "should be a json path under either .spec or .status",
    ),
  )
  return errs
}

const COLUMN_TYPES = ["boolean", "date", "integer", "number", "string"]

/**
 * The schemas of a CRD's versions and the paths upstream reports their errors at: one
 * `spec.validation.openAPIV3Schema` when every version has the same schema (upstream's
 * conversion to its internal version moves it there), else each version's own.
 */
export function crdSchemas(crd: Crd): { schema: StructuralSchema; path: string }[] {
  const versions = crd.spec?.versions ?? []
  const first = versions[0]?.schema
  const shared = !!first?.openAPIV3Schema && versions.every((v) => isDeepStrictEqual(v.schema, first))
  if (shared)
    return [{ schema: first.openAPIV3Schema as StructuralSchema, path: "spec.validation.openAPIV3Schema" }]
  return versions.flatMap((v, i) => {
    const schema = v.schema?.openAPIV3Schema as StructuralSchema | undefined
    return schema ? [{ schema, path: child(index("spec.versions", i), "schema", "openAPIV3Schema") }] : []
  })
}

function validateVersion(v: CustomResourceDefinitionVersion, path: string): FieldError[] {
  const errs: FieldError[] = v.name ? label(v.name, child(path, "name")) : [required(child(path, "name"))]
  if (!v.schema?.openAPIV3Schema)
    errs.push(required(child(path, "schema", "openAPIV3Schema"), "schemas are required"))
  errs.push(...validateScale(v.subresources?.scale, child(path, "subresources", "scale")))
  ;(v.additionalPrinterColumns ?? []).forEach((c, i) => {
    const p = index(child(path, "additionalPrinterColumns"), i)
    if (!c.name) errs.push(required(child(p, "name")))
    if (!COLUMN_TYPES.includes(c.type)) errs.push(notSupported(child(p, "type"), c.type, COLUMN_TYPES))
    if (!c.jsonPath) errs.push(required(child(p, "jsonPath")))
    if ((c.priority ?? 0) < 0)
      errs.push(invalidValue(child(p, "priority"), c.priority, "must be greater than or equal to 0"))
  })
  return errs
}

function validateVersions(
  versions: CustomResourceDefinitionVersion[] | undefined,
  path: string,
): FieldError[] {
  const list = versions ?? []
  if (!list.length) return [required(path, "must have exactly one version marked as storage version")]
  const errs: FieldError[] = []
  list.forEach((v, i) => errs.push(...validateVersion(v, index(path, i))))
  for (const { schema, path: at } of crdSchemas({ spec: { versions: list } } as Crd))
    errs.push(...validateStructuralSchema(schema, at))
  const shown = list.map((v) => v.name)
  if (new Set(shown).size !== shown.length)
    errs.push(invalidValue(path, shown, "must contain unique version names"))
  if (list.filter((v) => v.storage).length !== 1)
    errs.push(invalidValue(path, shown, "must have exactly one version marked as storage version"))
  if (!list.some((v) => v.served))
    errs.push(invalidValue(path, shown, "must have at least one served version"))
  return errs
}

function validateSpec(crd: Crd): FieldError[] {
  const spec = crd.spec ?? ({} as Crd["spec"])
  const errs: FieldError[] = [...validateGroup(spec.group, "spec.group")]
  if (!spec.scope) errs.push(required("spec.scope"))
  else if (spec.scope !== "Cluster" && spec.scope !== "Namespaced")
    errs.push(notSupported("spec.scope", spec.scope, ["Cluster", "Namespaced"]))
  errs.push(...validateVersions(spec.versions, "spec.versions"))
  errs.push(...validateNames(spec.names, "spec.names", true))
  const strategy = spec.conversion?.strategy
  if (strategy && strategy !== "None" && strategy !== "Webhook")
    errs.push(notSupported("spec.conversion.strategy", strategy, ["None", "Webhook"]))
  if (strategy === "Webhook" && !spec.conversion?.webhook)
    errs.push(required("spec.conversion.webhook", "required when strategy is set to Webhook"))
  if (spec.preserveUnknownFields)
    errs.push(
      invalidValue(
        "spec.preserveUnknownFields",
        true,
        "cannot set to true, set x-kubernetes-preserve-unknown-fields to true in spec.versions[*].schema instead",
      ),
    )
  return errs
}

function validateStatus(crd: Crd): FieldError[] {
  const errs = validateNames(crd.status?.acceptedNames, "status.acceptedNames", false)
  const names = new Set((crd.spec?.versions ?? []).map((v) => v.name))
  ;(crd.status?.storedVersions ?? []).forEach((v, i) => {
    if (!names.has(v))
      errs.push(invalidValue(index("status.storedVersions", i), v, "must appear in spec.versions"))
  })
  return errs
}

const KUBE_FINALIZER_RULE = "name is neither a standard finalizer name nor is it fully qualified"

/**
 * Drops the rule that unprefixed finalizers be Kubernetes' own: the apiextensions server only
 * checks that finalizers are qualified names (its own is customresourcecleanup.apiextensions.k8s.io).
 */
export function withoutKubeFinalizerRule(errs: FieldError[]): FieldError[] {
  return errs.filter((e) => !e.message.endsWith(KUBE_FINALIZER_RULE))
}

/** What an update may not change: group and plural always, scope and kind once established. */
function validateSpecUpdate(crd: Crd, old: Crd): FieldError[] {
  const errs = [
    ...immutable("spec.group", crd.spec?.group, old.spec?.group),
    ...immutable("spec.names.plural", crd.spec?.names?.plural, old.spec?.names?.plural),
  ]
  const established = (old.status?.conditions ?? []).some(
    (c) => c.type === "Established" && c.status === "True",
  )
  if (established) {
    errs.push(...immutable("spec.scope", crd.spec?.scope, old.spec?.scope))
    errs.push(...immutable("spec.names.kind", crd.spec?.names?.kind, old.spec?.names?.kind))
  }
  return errs
}

/** The field errors of a CRD on create (no `old`) or update. */
export function validateCustomResourceDefinition(crd: Crd, old?: Crd): FieldError[] {
  const errs: FieldError[] = withoutKubeFinalizerRule(
    old
      ? validateObjectMetaUpdate(crd.metadata, old.metadata)
      : validateObjectMeta(crd.metadata, { namespaced: false, name: nameIsDnsSubdomain }),
  )
  const expected = `${crd.spec?.names?.plural ?? ""}.${crd.spec?.group ?? ""}`
  if (crd.metadata?.name && crd.metadata.name !== expected)
    errs.push(invalidValue("metadata.name", crd.metadata.name, 'must be spec.names.plural+"."+spec.group'))
  errs.push(...validateSpec(crd))
  if (old) errs.push(...validateSpecUpdate(crd, old))
  errs.push(...validateStatus(crd))
  return errs
}

/** The metadata checks of a custom resource: upstream's generic ones, with DNS-subdomain names. */
export function validateCustomResourceMeta(
  obj: { metadata?: Crd["metadata"] },
  old: { metadata?: Crd["metadata"] } | undefined,
  namespaced: boolean,
): FieldError[] {
  return withoutKubeFinalizerRule(
    old
      ? validateObjectMetaUpdate(obj.metadata, old.metadata)
      : validateObjectMeta(obj.metadata, { namespaced, name: nameIsDnsSubdomain }),
  )
}

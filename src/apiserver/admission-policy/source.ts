/**
 * The policies to enforce, read from the watch cache's ValidatingAdmissionPolicies and their
 * bindings (upstream's policy source over its informers): each policy that some binding names,
 * with those bindings, its expressions compiled and its match resources ready. Policies come in
 * name order, bindings too (upstream's come in map order). The list is rebuilt only after a
 * policy or binding changed or the watch cache listed again, a policy compiled again only when it
 * changed; with no bindings, asking costs a size check.
 */
import type {
  ValidatingAdmissionPolicy,
  ValidatingAdmissionPolicyBinding,
  ValidatingAdmissionPolicySpec,
} from "kubernetes-types/admissionregistration/v1.js"
import type { ApiObject } from "../../api/index.ts"
import type { CacheLists, ConfigurationCache } from "../webhook/source.ts"
import { type CompiledPolicy, compilePolicy } from "./compile.ts"
import { type CompiledMatch, compileMatch } from "./match.ts"

/** A binding and its matchResources compiled (or why they cannot be). */
export interface BoundBinding {
  readonly binding: ValidatingAdmissionPolicyBinding
  /** Undefined: no matchResources (every request the policy matches). */
  readonly match?: CompiledMatch | { readonly error: string }
}

/** A policy with its bindings (upstream's PolicyHook). */
export interface PolicyHook {
  readonly policy: ValidatingAdmissionPolicy
  readonly compiled: CompiledPolicy
  /** The policy's matchConstraints compiled, or why they cannot be. */
  readonly match: CompiledMatch | { readonly error: string }
  readonly bindings: readonly BoundBinding[]
}

const EMPTY: readonly PolicyHook[] = Object.freeze([])

function byName(a: { metadata?: { name?: string } }, b: { metadata?: { name?: string } }): number {
  const x = a.metadata?.name ?? ""
  const y = b.metadata?.name ?? ""
  return x < y ? -1 : x > y ? 1 : 0
}

function compiledMatch(spec: ValidatingAdmissionPolicySpec | undefined): PolicyHook["match"] {
  const constraints = spec?.matchConstraints
  if (!constraints) return { error: "policy contained no match constraints, a required field" }
  try {
    return compileMatch(constraints)
  } catch (err) {
    return { error: (err as Error).message }
  }
}

function boundBinding(binding: ValidatingAdmissionPolicyBinding): BoundBinding {
  const mr = binding.spec?.matchResources
  if (!mr) return { binding }
  try {
    return { binding, match: compileMatch(mr) }
  } catch (err) {
    return { binding, match: { error: (err as Error).message } }
  }
}

/** The enforced policies of the cluster. */
export class PolicySource {
  readonly #policies: ConfigurationCache
  readonly #bindings: ConfigurationCache
  readonly #loads: CacheLists
  #hooks: readonly PolicyHook[] = EMPTY
  #dirty = true
  /** How many bindings the list was built from (none: nothing to build). */
  #bindingCount = 0
  /** The watch cache's lists when the list was built: a relist refills the caches unannounced. */
  #lists = -1
  /** Compiled policies and bindings by object: only a changed object is compiled again. */
  readonly #compiled = new WeakMap<ApiObject, { compiled: CompiledPolicy; match: PolicyHook["match"] }>()
  readonly #bound = new WeakMap<object, BoundBinding>()

  constructor(policies: ConfigurationCache, bindings: ConfigurationCache, loads: CacheLists) {
    this.#policies = policies
    this.#bindings = bindings
    this.#loads = loads
    const dirty = () => {
      this.#dirty = true
    }
    policies.subscribe(dirty)
    bindings.subscribe(dirty)
  }

  /** The policies some binding names, in name order (the same array until something changes). */
  hooks(): readonly PolicyHook[] {
    const bindings = this.#bindings.objects
    if (bindings.size === 0 && this.#bindingCount === 0) return EMPTY
    if (this.#dirty || this.#loads.lists !== this.#lists) this.#rebuild()
    return this.#hooks
  }

  #rebuild(): void {
    this.#dirty = false
    const policies = this.#policies.objects
    const bindings = this.#bindings.objects
    this.#bindingCount = bindings.size
    this.#lists = this.#loads.lists
    const byPolicy = new Map<string, ValidatingAdmissionPolicyBinding[]>()
    for (const b of bindings.values()) {
      const binding = b as ValidatingAdmissionPolicyBinding
      const name = binding.spec?.policyName ?? ""
      byPolicy.set(name, [...(byPolicy.get(name) ?? []), binding])
    }
    const hooks: PolicyHook[] = []
    for (const obj of [...policies.values()].sort(byName)) {
      const policy = obj as ValidatingAdmissionPolicy
      const named = byPolicy.get(policy.metadata?.name ?? "")
      // A policy no binding names is not enforced; a binding naming no policy is skipped.
      if (!named) continue
      let c = this.#compiled.get(obj)
      if (!c) {
        c = { compiled: compilePolicy(policy.spec ?? {}), match: compiledMatch(policy.spec) }
        this.#compiled.set(obj, c)
      }
      hooks.push({ policy, ...c, bindings: named.sort(byName).map((b) => this.#boundOf(b)) })
    }
    this.#hooks = hooks.length ? hooks : EMPTY
  }

  #boundOf(binding: ValidatingAdmissionPolicyBinding): BoundBinding {
    const known = this.#bound.get(binding)
    if (known) return known
    const bound = boundBinding(binding)
    this.#bound.set(binding, bound)
    return bound
  }
}

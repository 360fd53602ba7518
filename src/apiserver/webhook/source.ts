/**
 * The admission webhooks to call, read from the watch cache's Mutating- and
 * ValidatingWebhookConfigurations (upstream's configuration managers over their informers):
 * configurations in name order, each one's webhooks in the order it lists them. The list is
 * rebuilt only after a configuration changed or the watch cache listed again; with none, asking
 * costs a size check.
 */
import type {
  MutatingWebhook,
  MutatingWebhookConfiguration,
  ValidatingWebhookConfiguration,
} from "kubernetes-types/admissionregistration/v1.js"
import { type ApiObject, type LabelMatcher, selectorMatcher } from "../../api/index.ts"
import { type CompiledCondition, compileCondition } from "./conditions.ts"

/** One webhook of a configuration, ready to be matched (upstream's WebhookAccessor). */
export interface Hook {
  /** `<configuration>/<webhook>/<n>`, n counting repeats of the name in the configuration. */
  readonly uid: string
  readonly configuration: string
  readonly mutating: boolean
  /** The webhook as stored (a ValidatingWebhook has no reinvocationPolicy). */
  readonly webhook: MutatingWebhook
  /** Undefined for an empty selector, which matches everything without a lookup. */
  readonly namespaceSelector: LabelMatcher | undefined
  readonly objectSelector: LabelMatcher | undefined
  /** The matchConditions, compiled (those that do not compile fail when evaluated). */
  readonly conditions: readonly CompiledCondition[]
}

/** The objects of one configuration kind, as the watch cache keeps them. */
export interface ConfigurationCache {
  readonly objects: ReadonlyMap<string, ApiObject>
  subscribe(fn: () => void): () => void
}

/**
 * How many lists the watch cache has loaded (WatchCache.lists): each refills the configuration
 * caches without announcing it.
 */
export interface CacheLists {
  readonly lists: number
}

const EMPTY: readonly Hook[] = Object.freeze([])

/** A selector to match with, undefined when it has no requirements (matches everything). */
function compileSelector(sel: MutatingWebhook["namespaceSelector"]): LabelMatcher | undefined {
  const empty = sel && Object.keys(sel.matchLabels ?? {}).length === 0 && !sel.matchExpressions?.length
  // An absent selector (never stored: defaulting sets {}) matches nothing, as upstream's.
  return empty ? undefined : selectorMatcher(sel)
}

/** The hooks of one configuration, in its order. */
export function hooksOf(
  config: MutatingWebhookConfiguration | ValidatingWebhookConfiguration,
  mutating: boolean,
): Hook[] {
  const name = config.metadata?.name ?? ""
  const seen = new Map<string, number>()
  return (config.webhooks ?? []).map((w) => {
    const n = seen.get(w.name) ?? 0
    seen.set(w.name, n + 1)
    return {
      uid: `${name}/${w.name}/${n}`,
      configuration: name,
      mutating,
      webhook: w as MutatingWebhook,
      namespaceSelector: compileSelector(w.namespaceSelector),
      objectSelector: compileSelector(w.objectSelector),
      conditions: (w.matchConditions ?? []).map((c) => compileCondition(c.name, c.expression)),
    }
  })
}

/** The hooks of one configuration kind, rebuilt when its cache changed. */
class HookList {
  readonly #cache: ConfigurationCache
  readonly #mutating: boolean
  readonly #loads: CacheLists
  #hooks: readonly Hook[] = EMPTY
  #dirty = true
  /** How many configurations the list was built from (none: nothing to build). */
  #size = 0
  /** The watch cache's lists when the list was built: a relist refills the cache unannounced. */
  #lists = -1
  /** Compiled hooks by configuration object: only a changed configuration is compiled again. */
  #compiled = new WeakMap<ApiObject, Hook[]>()

  constructor(cache: ConfigurationCache, mutating: boolean, loads: CacheLists) {
    this.#cache = cache
    this.#mutating = mutating
    this.#loads = loads
    cache.subscribe(() => {
      this.#dirty = true
    })
  }

  get(): readonly Hook[] {
    const objects = this.#cache.objects
    if (objects.size === 0 && this.#size === 0) return EMPTY
    if (this.#dirty || this.#loads.lists !== this.#lists) this.#rebuild(objects)
    return this.#hooks
  }

  #rebuild(objects: ReadonlyMap<string, ApiObject>): void {
    this.#dirty = false
    this.#size = objects.size
    this.#lists = this.#loads.lists
    const configs = [...objects.values()].sort((a, b) => {
      const x = a.metadata?.name ?? ""
      const y = b.metadata?.name ?? ""
      return x < y ? -1 : x > y ? 1 : 0
    })
    const hooks: Hook[] = []
    for (const c of configs) {
      let compiled = this.#compiled.get(c)
      if (!compiled) {
        compiled = hooksOf(c as MutatingWebhookConfiguration, this.#mutating)
        this.#compiled.set(c, compiled)
      }
      hooks.push(...compiled)
    }
    this.#hooks = hooks.length ? hooks : EMPTY
  }
}

/** The mutating and validating webhooks of the cluster. */
export class WebhookSource {
  readonly #mutating: HookList
  readonly #validating: HookList

  constructor(mutating: ConfigurationCache, validating: ConfigurationCache, loads: CacheLists) {
    this.#mutating = new HookList(mutating, true, loads)
    this.#validating = new HookList(validating, false, loads)
  }

  /** The mutating webhooks in calling order (the same array until a configuration changes). */
  mutating(): readonly Hook[] {
    return this.#mutating.get()
  }

  /** The validating webhooks (called in parallel). */
  validating(): readonly Hook[] {
    return this.#validating.get()
  }
}

/**
 * Admission: mutating plugins, then validating plugins, each seeing every write (upstream's
 * admission chain). Built-in: NamespaceLifecycle.
 */
import { ApiError, notFound } from "../api/index.ts"
import type { Admission, AdmissionNotes, AdmissionRequest } from "./registry/context.ts"

/** One admission plugin. `mutate` may change `req.object`; `validate` only refuses. */
export interface AdmissionPlugin {
  readonly name: string
  mutate?(req: AdmissionRequest): Promise<void> | void
  validate?(req: AdmissionRequest): Promise<void> | void
}

/**
 * Runs every plugin's mutate in order in the mutating phase, every validate in the validating
 * one. A mutate that sets `req.reinvocation` to "requested" has every mutate run once more, as
 * upstream's reinvoker does when a webhook changed the object (the in-tree plugins are idempotent).
 */
export function admissionChain(plugins: readonly AdmissionPlugin[]): Admission {
  const mutating = plugins.filter((p) => p.mutate)
  const validating = plugins.filter((p) => p.validate)
  // Only a plugin that answered with a promise is waited for: most decide at once.
  // Index loops: an array's iterator kept across an await is an object (and a result object per
  // plugin) made on every write.
  async function mutateAll(req: AdmissionRequest): Promise<void> {
    for (let i = 0; i < mutating.length; i++) {
      const pending = mutating[i]!.mutate?.(req)
      if (pending) await pending
    }
  }
  return {
    async mutate(req) {
      // The first round inline: most writes take no other (a promise less on every write).
      for (let i = 0; i < mutating.length; i++) {
        const pending = mutating[i]!.mutate?.(req)
        if (pending) await pending
      }
      if (req.reinvocation === "requested") {
        req.reinvocation = "running"
        await mutateAll(req)
      }
    },
    async validate(req) {
      for (let i = 0; i < validating.length; i++) {
        const pending = validating[i]!.validate?.(req)
        if (pending) await pending
      }
    },
  }
}

/** The namespaces that always exist and may not be deleted. */
export const IMMORTAL_NAMESPACES = ["default", "kube-system", "kube-public"] as const

/**
 * NamespaceLifecycle: refuses content in namespaces that do not exist or are terminating, and the
 * deletion of the system namespaces. `lookup` reads a namespace (from the watch cache, at once, or
 * a promise of it from the store). It runs in the mutating phase, as upstream's plugin (an Admit),
 * so it refuses before validation does.
 */
export function namespaceLifecycle(
  lookup: (name: string) => NamespaceState | undefined | Promise<NamespaceState | undefined>,
): AdmissionPlugin {
  return {
    name: "NamespaceLifecycle",
    // Not async: a create in a namespace the cache holds then waits for no promise of this plugin.
    mutate(req) {
      if (req.info.group === "" && req.info.kind === "Namespace") {
        if (req.operation === "DELETE" && (IMMORTAL_NAMESPACES as readonly string[]).includes(req.name)) {
          throw new ApiError(
            "Forbidden",
            `namespaces "${req.name}" is forbidden: this namespace may not be deleted`,
            {
              name: req.name,
              kind: "namespaces",
            },
          )
        }
        return undefined
      }
      if (!req.info.namespaced || req.operation !== "CREATE") return undefined
      const ns = lookup(req.namespace)
      if (ns instanceof Promise) return ns.then((found) => admitIn(req, found))
      admitIn(req, ns)
      return undefined
    },
  }
}

/** What NamespaceLifecycle needs to know of a namespace. */
export interface NamespaceState {
  readonly terminating: boolean
}

/** Refuses a create in namespace `ns` (of `req`) when it does not exist or is terminating. */
function admitIn(req: AdmissionRequest, ns: NamespaceState | undefined): void {
  if (!ns) throw notFound({ resource: "namespaces" }, req.namespace)
  // Events too, as upstream: a stream of them would keep the namespace from ever going.
  if (ns.terminating) {
    throw new ApiError(
      "Forbidden",
      `${req.info.resource} "${req.name}" is forbidden: unable to create new content in namespace ${req.namespace} because it is being terminated`,
      {
        name: req.name,
        ...(req.info.group ? { group: req.info.group } : {}),
        kind: req.info.resource,
        causes: [
          {
            reason: "NamespaceTerminating",
            message: `namespace ${req.namespace} is being terminated`,
            field: "metadata.namespace",
          },
        ],
      },
    )
  }
}

/**
 * The 403 an admission plugin refuses with: `pods "x" is forbidden: <message>` (upstream's
 * admission.NewForbidden; the resource is qualified by its group).
 */
export function admissionForbidden(req: AdmissionRequest, message: string): ApiError {
  const g = req.info.group
  const resource = g ? `${req.info.resource}.${g}` : req.info.resource
  const name = req.name || req.object?.metadata?.generateName || "Unknown"
  return new ApiError("Forbidden", `${resource} "${name}" is forbidden: ${message}`, {
    name,
    ...(g ? { group: g } : {}),
    kind: req.info.resource,
  })
}

/** The notes of one request: its warnings in order, each once, and its audit annotations. */
export class RequestNotes implements AdmissionNotes {
  readonly warnings: string[] = []
  #annotations: Map<string, string> | undefined

  warn(text: string): void {
    if (text && !this.warnings.includes(text)) this.warnings.push(text)
  }

  /** Keeps the first value of a key, as upstream refuses to overwrite an admission annotation. */
  annotate(key: string, value: string): void {
    const annotations = (this.#annotations ??= new Map())
    if (!annotations.has(key)) annotations.set(key, value)
  }

  /** The audit annotations set so far. */
  get annotations(): ReadonlyMap<string, string> {
    return this.#annotations ?? new Map()
  }
}

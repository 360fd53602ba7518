/**
 * The ValidatingAdmissionPolicy status controller (upstream's
 * validatingadmissionpolicy-status-controller, run by the controller manager there and by the
 * API server here): each policy whose generation its status has not observed is type-checked,
 * and its status gets observedGeneration and typeChecking (the expression warnings, `{}` when
 * there are none), written by that field manager. Policies are taken from the watch cache, by
 * name, one at a time; a failed write is retried after a second.
 */
import type { ValidatingAdmissionPolicy } from "kubernetes-types/admissionregistration/v1.js"
import { type ApiObject, notFound, type ResourceInfo, type StructuralSchema } from "../../api/index.ts"
import type { Clock, Logger } from "../../util/index.ts"
import type { ResourceTable } from "../crd/resource-table.ts"
import type { Served } from "../registry/context.ts"
import type { Registry } from "../registry/registry.ts"
import type { WatchCache } from "../watch-cache.ts"
import { runCacheLoop } from "../cache-loop.ts"
import { builtinSchema } from "./builtin-schema.ts"
import { TypeChecker, type TypeCheckSource } from "./typecheck.ts"

/** upstream's controller name, the manager of the status it writes. */
export const STATUS_MANAGER = "validatingadmissionpolicy-status-controller"
const RETRY_MS = 1000
const GROUP = "admissionregistration.k8s.io"

/** What the controller works with. */
export interface PolicyStatusDeps {
  readonly registry: Registry
  readonly cache: WatchCache
  readonly table: ResourceTable
  readonly served: (info: ResourceInfo) => Served
  readonly clock: Clock
  readonly log: Logger
}

/** Type checking reads served resources and their schemas from the resource table. */
function typeCheckSource(table: ResourceTable): TypeCheckSource {
  return {
    resource: (group, version, resource) => table.find(group, version, resource),
    kind: (group, version, kind) =>
      table.all().find((i) => i.group === group && i.version === version && i.kind === kind),
    schema: (info): StructuralSchema | undefined =>
      info.custom ? table.handling(info)?.schema : builtinSchema(info.group, info.version, info.kind),
  }
}

/** Keeps each policy's status.observedGeneration and status.typeChecking. */
export class PolicyStatusController {
  readonly #d: PolicyStatusDeps
  readonly #checker: TypeChecker
  readonly #s: Served
  readonly #queue = new Set<string>()
  #poke: () => void = () => {}

  constructor(deps: PolicyStatusDeps) {
    this.#d = deps
    this.#checker = new TypeChecker(typeCheckSource(deps.table))
    const info = deps.table.find(GROUP, "v1", "validatingadmissionpolicies")
    if (!info) throw new TypeError(`The server does not serve ${GROUP}/v1 validatingadmissionpolicies`)
    this.#s = deps.served(info)
  }

  #objects(): ReadonlyMap<string, ApiObject> {
    return this.#d.cache.resource(this.#s.prefix).objects
  }

  #enqueue(name: string): void {
    this.#queue.add(name)
    this.#poke()
  }

  /** Brings one policy's status up to its generation (nothing when it is gone or up to date). */
  async reconcile(name: string): Promise<void> {
    const p = this.#objects().get(`${this.#s.prefix}${name}`) as ValidatingAdmissionPolicy | undefined
    const generation = p?.metadata?.generation ?? 0
    if (!p || generation <= (p.status?.observedGeneration ?? 0)) return
    const warnings = await this.#checker.check(p)
    const typeChecking = warnings.length ? { expressionWarnings: warnings } : {}
    await this.#d.registry.update(
      this.#s,
      { namespace: "", name },
      (cur) => {
        const o = cur as ValidatingAdmissionPolicy | undefined
        if (!o) throw notFound({ resource: "validatingadmissionpolicies", group: GROUP }, name)
        return { ...o, status: { ...o.status, observedGeneration: generation, typeChecking } }
      },
      { subresource: "status", fieldManager: STATUS_MANAGER },
    )
  }

  /** Reconciles every policy, then each one that changes, until `signal` aborts. */
  run(signal: AbortSignal): Promise<void> {
    const prefix = this.#s.prefix
    return runCacheLoop(
      {
        cache: this.#d.cache,
        start: (poke) => {
          this.#poke = poke
          for (const key of this.#objects().keys()) this.#queue.add(key.slice(prefix.length))
          const off = this.#d.cache.resource(prefix).subscribe((ev) => {
            if (ev.type !== "DELETED") this.#enqueue(ev.key.slice(prefix.length))
          })
          return [off]
        },
        step: async (signal) => {
          const name = this.#queue.values().next().value
          if (name === undefined) return false
          this.#queue.delete(name)
          await this.reconcile(name).catch(async (err: unknown) => {
            this.#d.log.warn(
              { policy: name, err: String(err) },
              "Cannot update the status of a ValidatingAdmissionPolicy",
            )
            await this.#d.clock.sleep(RETRY_MS, signal).catch(() => {})
            this.#queue.add(name)
          })
          return true
        },
      },
      signal,
    )
  }
}

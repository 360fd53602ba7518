/**
 * The autoregister controller (upstream's autoregister and crd-autoregister, run by
 * kube-apiserver's aggregator): keeps one local APIService (no spec.service) for every built-in
 * group version upstream gives a priority, and one for every served version of every
 * CustomResourceDefinition's group. Built-in ones are synced once after the controller starts
 * (label kube-aggregator.kubernetes.io/automanaged=onstart: a user's later edit or delete stays),
 * CRD ones continuously (automanaged=true: created and deleted as CRDs come and go, their spec
 * put back when edited). APIServices without the label are never touched.
 */
import type { CustomResourceDefinition } from "kubernetes-types/apiextensions/v1.js"
import {
  ApiError,
  type ApiObject,
  type APIService,
  APIServices,
  type APIServiceSpec,
  AUTOREGISTER_MANAGED_LABEL,
  BUILTIN_PRIORITIES,
  BUILTIN_RESOURCES,
  CRD_PRIORITY,
  CustomResourceDefinitions,
  isNotFound,
} from "../../api/index.ts"
import type { ControllerSpec } from "../../client/index.ts"
import { whenAborted } from "../../util/index.ts"

/** How an APIService is kept: once after start, or always. */
type Managed = "onstart" | "true"

/** What the controller wants an APIService to be. */
interface Desired {
  readonly spec: APIServiceSpec
  readonly managed: Managed
}

type Crd = CustomResourceDefinition & ApiObject
type Svc = APIService & ApiObject

/** `<version>.<group>`, the name of a group version's APIService (`v1.` for the core group). */
export function apiServiceName(group: string, version: string): string {
  return `${version}.${group}`
}

function localSpec(
  group: string,
  version: string,
  priority: { group: number; version: number },
): APIServiceSpec {
  return { group, version, groupPriorityMinimum: priority.group, versionPriority: priority.version }
}

/** The built-in group versions this cluster serves that upstream registers, by APIService name. */
function builtinDesired(): Map<string, Desired> {
  const out = new Map<string, Desired>()
  for (const r of BUILTIN_RESOURCES) {
    const priority = BUILTIN_PRIORITIES.get(`${r.group}/${r.version}`)
    if (!priority) continue
    out.set(apiServiceName(r.group, r.version), {
      spec: localSpec(r.group, r.version, priority),
      managed: "onstart",
    })
  }
  return out
}

/** The APIService names a CRD's versions map to, served or not (so removals are seen too). */
function crdApiServiceNames(crd: Crd): string[] {
  const group = crd.spec?.group ?? ""
  return (crd.spec?.versions ?? []).map((v) => apiServiceName(group, v.name))
}

/** The desired APIService for `name` from the CRDs, when one of them serves that group version. */
function crdDesired(crds: readonly Crd[], name: string): Desired | undefined {
  for (const crd of crds) {
    const group = crd.spec?.group ?? ""
    for (const v of crd.spec?.versions ?? []) {
      if (v.served && apiServiceName(group, v.name) === name)
        return { spec: localSpec(group, v.name, CRD_PRIORITY), managed: "true" }
    }
  }
  return undefined
}

function managedOf(svc: APIService | undefined): string | undefined {
  return svc?.metadata?.labels?.[AUTOREGISTER_MANAGED_LABEL]
}

function isAutomanaged(svc: APIService | undefined): boolean {
  const m = managedOf(svc)
  return m === "onstart" || m === "true"
}

/** Compares the fields a desired spec sets, reading an absent one as Go's zero. */
function sameSpec(cur: APIServiceSpec | undefined, want: APIServiceSpec): boolean {
  return (
    !cur?.service &&
    (cur?.group ?? "") === want.group &&
    (cur?.version ?? "") === want.version &&
    (cur?.groupPriorityMinimum ?? 0) === want.groupPriorityMinimum &&
    (cur?.versionPriority ?? 0) === want.versionPriority &&
    !cur?.insecureSkipTLSVerify &&
    !cur?.caBundle
  )
}

function isGoneOrChanged(err: unknown): boolean {
  return isNotFound(err) || (err instanceof ApiError && err.reason === "Conflict")
}

/** The autoregister controller's spec ("autoregister", upstream's name). */
export function autoregisterController(): ControllerSpec {
  return {
    name: "autoregister",
    for: APIServices,
    watches: [{ ref: CustomResourceDefinitions, map: (crd) => crdApiServiceNames(crd as Crd) }],
    create({ client, informers, log }) {
      const apiServices = informers.get<Svc>(APIServices).cache
      const crds = informers.get<Crd>(CustomResourceDefinitions).cache
      const builtin = builtinDesired()
      // Names synced once without error: "onstart" ones are left alone after that.
      const synced = new Set<string>()
      // The APIServices that existed when the caches first filled (upstream's apiServicesAtStart).
      let atStart: ReadonlySet<string> | undefined
      const desiredFor = (name: string) => builtin.get(name) ?? crdDesired(crds.list(), name)

      // Upstream's checkAPIService, row by row: the comments name its table's cells.
      const check = async (name: string): Promise<void> => {
        atStart ??= new Set(apiServices.list().map((s) => s.metadata?.name ?? ""))
        const desired = desiredFor(name)
        const cur = apiServices.get(name)
        const resource = client.resource<Svc>(APIServices)
        if (!cur && !desired) return // 2A
        if (desired?.managed === "onstart" && synced.has(name)) return // 2B, 5B, 6B: once only
        if (!cur && desired) {
          const fresh: Svc = {
            apiVersion: "apiregistration.k8s.io/v1",
            kind: "APIService",
            metadata: { name, labels: { [AUTOREGISTER_MANAGED_LABEL]: desired.managed } },
            spec: { ...desired.spec },
          }
          log.info({ name }, "Creating local APIService")
          await resource.create(fresh).catch((err: unknown) => {
            // Created meanwhile: its event brings us back
            if (!(err instanceof ApiError && err.reason === "AlreadyExists")) throw err
          })
          return
        }
        if (!cur || !isAutomanaged(cur)) return // 3: not ours
        if (managedOf(cur) === "onstart" && (!atStart.has(name) || synced.has(name))) return // 4, 5: once only
        if (!desired) {
          log.info({ name }, "Deleting local APIService")
          // 5A, 6A: ours and no longer wanted
          await resource
            .delete({ name }, { preconditions: { uid: cur.metadata?.uid } })
            .catch((err: unknown) => {
              if (!isGoneOrChanged(err)) throw err
            })
          return
        }
        if (sameSpec(cur.spec, desired.spec)) return
        log.info({ name }, "Restoring local APIService spec")
        await resource
          .update({ ...structuredClone(cur), spec: { ...desired.spec } })
          .catch((err: unknown) => {
            if (!isGoneOrChanged(err)) throw err
          })
      }

      return {
        async reconcile(name) {
          await check(name)
          synced.add(name)
        },
        async run(queue, signal) {
          // Built-in APIServices that do not exist yet have no event to name them.
          for (const name of builtin.keys()) queue.add(name)
          await whenAborted(signal)
        },
      }
    },
  }
}

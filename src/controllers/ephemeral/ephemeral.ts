/**
 * The ephemeral volume controller (upstream's ephemeral-volume controller): for each pod with
 * generic ephemeral volumes it creates the claim `<pod>-<volume>` from the volume's
 * volumeClaimTemplate, owned by the pod so the garbage collector deletes it with the pod. A claim
 * of that name the pod does not own is an error: a FailedBinding event, and the pod stays pending
 * (the scheduler refuses it) until the claim goes.
 */
import type { PersistentVolumeClaim, Pod, Volume } from "kubernetes-types/core/v1.js"
import {
  type ApiObject,
  controllerRef,
  ephemeralClaimName,
  ephemeralClaimNotForPod,
  PersistentVolumeClaims,
  Pods,
} from "../../api/index.ts"
import {
  BY_NAMESPACE,
  ClientEventRecorder,
  type ControllerDeps,
  type ControllerSpec,
  type EventRecorder,
} from "../../client/index.ts"

/** The component name upstream's controller records events under. */
export const EPHEMERAL_COMPONENT = "ephemeral_volume"

/** The claim built from an ephemeral volume's template, controlled by `pod`. */
export function claimFor(pod: Pod, vol: Volume): PersistentVolumeClaim & ApiObject {
  const tmpl = vol.ephemeral?.volumeClaimTemplate
  const m = tmpl?.metadata ?? {}
  return {
    apiVersion: "v1",
    kind: "PersistentVolumeClaim",
    metadata: {
      name: ephemeralClaimName(pod, vol),
      namespace: pod.metadata?.namespace ?? "",
      ownerReferences: [controllerRef(pod, Pods)],
      ...(m.labels ? { labels: { ...m.labels } } : {}),
      ...(m.annotations ? { annotations: { ...m.annotations } } : {}),
    },
    spec: structuredClone(tmpl?.spec ?? {}),
  }
}

/** Ensures the claim of one ephemeral volume; throws when it cannot (upstream's handleVolume). */
async function handleVolume(deps: ControllerDeps, pod: Pod, vol: Volume): Promise<void> {
  const ns = pod.metadata?.namespace ?? ""
  const name = ephemeralClaimName(pod, vol)
  const cached = deps.informers.get(PersistentVolumeClaims).cache.get(`${ns}/${name}`) as
    PersistentVolumeClaim | undefined
  if (cached) {
    const notOurs = ephemeralClaimNotForPod(pod, cached)
    if (notOurs) throw new Error(notOurs)
    return // already created
  }
  // AlreadyExists (the cache lags behind a claim just created) fails too: the retry re-checks ownership.
  await deps.client
    .resource(PersistentVolumeClaims)
    .create(claimFor(pod, vol))
    .catch((err: unknown) => Promise.reject(new Error(`create PVC ${name}: ${(err as Error).message}`)))
}

/** Reconciles one pod: every ephemeral volume gets its claim. */
async function syncPod(deps: ControllerDeps, recorder: EventRecorder, key: string): Promise<void> {
  const pod = deps.informers.get(Pods).cache.get(key) as (Pod & ApiObject) | undefined
  if (!pod || pod.metadata?.deletionTimestamp) return // gone or going: GC removes its claims
  for (const vol of pod.spec?.volumes ?? []) {
    if (!vol.ephemeral) continue
    try {
      await handleVolume(deps, pod, vol)
    } catch (err) {
      const msg = (err as Error).message
      recorder.event(pod, "Warning", "FailedBinding", `ephemeral volume ${vol.name}: ${msg}`, Pods)
      throw new Error(`pod ${key}, ephemeral volume ${vol.name}: ${msg}`)
    }
  }
}

/** The keys of the pods in the claim's namespace whose ephemeral volumes name it. */
function podsOfClaim(deps: () => ControllerDeps | undefined, obj: ApiObject): string[] {
  const d = deps()
  const ns = obj.metadata?.namespace ?? ""
  if (!d) return []
  const pods = d.informers.get(Pods).cache.byIndex(BY_NAMESPACE, ns) as Pod[]
  return pods
    .filter((p) =>
      (p.spec?.volumes ?? []).some((v) => v.ephemeral && ephemeralClaimName(p, v) === obj.metadata?.name),
    )
    .map((p) => `${ns}/${p.metadata?.name}`)
}

/** Builds the ephemeral-volume controller. */
export function ephemeralVolumeController(): ControllerSpec {
  let current: ControllerDeps | undefined
  return {
    name: "ephemeral-volume",
    for: Pods,
    // A claim that changes or goes wakes the pods that use it: a deleted claim is created again.
    watches: [{ ref: PersistentVolumeClaims, map: (obj) => podsOfClaim(() => current, obj) }],
    create(deps) {
      current = deps
      const recorder = new ClientEventRecorder(deps.client, {
        component: EPHEMERAL_COMPONENT,
        clock: deps.clock,
        log: deps.log,
      })
      return { reconcile: (key) => syncPod(deps, recorder, key) }
    },
  }
}

/** The subresources the API server answers itself: scale, binding, namespace finalize, access reviews. */
import type { CustomResourceDefinition } from "kubernetes-types/apiextensions/v1.js"
import { type ApiObject, type ObjectMeta, badRequest, fieldErrors, invalid } from "../../api/index.ts"
import type { ApiResponse } from "../http.ts"
import { decodeBody, type Output, parseMediaTypes } from "../negotiate.ts"
import { json } from "../output.ts"
import { labelSelectorAsString } from "../selectors.ts"
import { APPLY_PATCH, applyPatch, checkPatchType } from "../patch.ts"
import { withoutOmittedZeros } from "../omit-zero.ts"
import { fieldManagerOf, uidOf } from "./write.ts"
import { checkUidPrecondition } from "../registry/uid-precondition.ts"
import { nameMismatch, namespaceMismatch } from "../registry/write.ts"
import type { ResourceRequest } from "./context.ts"
import { outputOf, requestedRevision, respondObject } from "./read.ts"
import { admitBoth } from "./admission-origin.ts"
import type { RequestNotes } from "../admission.ts"
import { type BodyType, type PatchCheck, patchCheck, validatedBody, withWarnings } from "./validated-body.ts"
import { decodePatchBody } from "../patch-body.ts"
import {
  type ReplicasPaths,
  appliedScale,
  builtinReplicasPaths,
  parentManagedFields,
  recordScaleUpdate,
  scaleManagedFields,
} from "../apply/index.ts"
import type { CustomResourceHandling } from "../crd/resource-table.ts"
import {
  INVALID_SPEC_REPLICAS,
  type ScalePaths,
  customScaleFields,
  emptySpecReplicas,
  fieldsOf,
  missingSpecReplicas,
} from "../crd/scale-replicas.ts"
import { applyConfiguration, applyOptions } from "./apply.ts"

type Obj = ApiObject & { spec?: any; status?: any }

function setPath(obj: Record<string, unknown>, path: string, value: unknown): void {
  const keys = fieldsOf(path)
  let cur = obj
  for (const k of keys.slice(0, -1)) {
    const next = cur[k]
    cur = (typeof next === "object" && next !== null ? next : (cur[k] = {})) as Record<string, unknown>
  }
  const last = keys[keys.length - 1]
  if (last !== undefined) cur[last] = value
}

/**
 * A custom resource seen through its scale paths as the spec/status/selector shape of built-ins;
 * `specFound`: whether it has its spec replicas field.
 */
function asScalable(obj: Obj, paths: ScalePaths): { obj: Obj; specFound: boolean } {
  const { spec, status, selector } = customScaleFields(obj, paths)
  const scalable = {
    ...obj,
    kind: "",
    spec: { replicas: spec ?? 0 },
    status: { replicas: status },
    ...(selector ? { selectorString: selector } : {}),
  }
  return { obj: scalable, specFound: spec !== undefined }
}

/** The autoscaling/v1 Scale of a scalable object (of a custom resource when `paths` are given). */
export function scaleOf(input: Obj, paths?: ScalePaths): ApiObject {
  return readScale(input, paths).scale
}

/**
 * scaleOf, and whether the object has its spec replicas field (a built-in always has), from one
 * read of a custom resource's scale paths.
 */
function readScale(input: Obj, paths?: ScalePaths): { scale: ApiObject; specFound: boolean } {
  const { obj, specFound } = paths ? asScalable(input, paths) : { obj: input, specFound: true }
  const sel = obj.spec?.selector
  const custom = (obj as { selectorString?: string }).selectorString
  const selector =
    custom !== undefined
      ? custom
      : obj.kind === "ReplicationController"
        ? Object.entries((sel ?? {}) as Record<string, string>)
            .map(([k, v]) => `${k}=${v}`)
            .join(",")
        : sel
          ? labelSelectorAsString(sel)
          : ""
  const m = obj.metadata ?? {}
  // Written as upstream's Go type writes it: a zero spec.replicas is left out (omitempty).
  const scale = withoutOmittedZeros(SCALE_TYPE, {
    kind: "Scale",
    apiVersion: "autoscaling/v1",
    metadata: {
      name: m.name,
      namespace: m.namespace,
      uid: m.uid,
      resourceVersion: m.resourceVersion,
      creationTimestamp: m.creationTimestamp,
    },
    spec: { replicas: obj.spec?.replicas ?? 0 },
    status: { replicas: obj.status?.replicas ?? 0, ...(selector ? { selector } : {}) },
  }) as ApiObject
  return { scale, specFound }
}

const SCALE_TYPE = "io.k8s.api.autoscaling.v1.Scale"

const SCALE = { group: "autoscaling", version: "v1", kind: "Scale" }

const SCALE_BODY: BodyType = { type: SCALE_TYPE, kind: "Scale", version: "v1" }

/** A Scale in the representation its request accepts: `kubectl get --subresource=scale` asks a Table. */
function respondScale(r: ResourceRequest, out: Output, status: number, s: ApiObject): ApiResponse {
  return respondObject(r, out, s, status, { info: { ...r.served.info, ...SCALE } })
}

/** A Scale's spec.replicas (Go decodes an absent or null one as zero). @throws ApiError Invalid */
function replicasOf(scale: Obj, name: string): number {
  const replicas = scale.spec?.replicas ?? 0
  if (Number.isInteger(replicas) && replicas >= 0) return replicas
  // As upstream's ValidateScale: the cause's message carries the value too.
  const cause = fieldErrors.invalidValue("spec.replicas", replicas, "must be greater than or equal to 0")
  throw invalid("Scale", name, [cause], "autoscaling")
}

/**
 * What a /scale write asks: a Scale (PUT) or a patch of one by `manager`, or a configuration to
 * apply to one.
 */
interface ScaleInput {
  readonly manager?: string
  readonly body?: unknown
  readonly patch?: PatchCheck
  readonly apply?: { readonly config: unknown; readonly manager: string; readonly force: boolean }
  readonly warnings: readonly string[]
}

/** A PUT's or PATCH's body: read, and checked under fieldValidation, as the Scale upstream decodes it into. */
async function scaleInput(r: ResourceRequest, contentType: string): Promise<ScaleInput> {
  if (r.ri.verb !== "patch") {
    const manager = fieldManagerOf(r, "UpdateOptions")
    const input = { manager, ...(await validatedBody(r, "UpdateOptions", SCALE_BODY)) }
    checkScaleNames(input.body, r.namespace, r.ri.name)
    return input
  }
  checkPatchType(contentType, SCALE)
  if (contentType === APPLY_PATCH) {
    const opts = applyOptions(r)
    return { apply: { ...opts, config: applyConfiguration(await r.req.body()) }, warnings: [] }
  }
  const manager = fieldManagerOf(r, "PatchOptions")
  const raw = await r.req.body()
  const body = decodePatchBody(contentType, raw)
  return { manager, body, patch: patchCheck(r, contentType, raw, body, SCALE_BODY), warnings: [] }
}

/**
 * A PUT's Scale is the object of the URL, as upstream's update handler checks every PUT's body
 * before the store sees it: a namespace it names must be the request's, its name the URL's (a
 * Scale without a name too). Patches and applies are made from the stored object's Scale.
 */
function checkScaleNames(body: unknown, namespace: string, name: string): void {
  const meta = ((body as Obj | null)?.metadata ?? {}) as ObjectMeta
  if (namespace && meta.namespace && meta.namespace !== namespace) throw namespaceMismatch()
  if ((meta.name ?? "") !== name) throw nameMismatch(meta.name, name)
}

/**
 * Where each version of the scaled kind keeps its replicas: a custom resource's from its CRD's
 * versions (null for those without a scale subresource), a built-in's spec.replicas.
 */
function replicasPathsOf(r: ResourceRequest, crd: CustomResourceDefinition | undefined): ReplicasPaths {
  if (!crd) return builtinReplicasPaths(r.served.info.kind)
  return new Map(
    crd.spec.versions.map((v) => {
      const path = v.subresources?.scale?.specReplicasPath
      return [`${crd.spec.group}/${v.name}`, path === undefined ? null : fieldsOf(path)]
    }),
  )
}

/**
 * The Scale a write makes of `current` (which carries the scaled object's managedFields as the
 * Scale's): applied, patched or replaced, with the write recorded in its managedFields as
 * upstream's field manager of the scale subresource records it.
 */
function wantedScale(r: ResourceRequest, input: ScaleInput, current: ApiObject, contentType: string): Obj {
  const now = r.parts.clock.now()
  if (input.apply) return appliedScale(current, input.apply.config, input.apply, now) as Obj
  const { patch, body } = input
  const wanted = (patch ? patch.check(applyPatch(contentType, current, body, SCALE), current) : body) as Obj
  if (typeof wanted !== "object" || wanted === null)
    throw badRequest("the body of the request is not a Scale")
  recordScaleUpdate(current, wanted, input.manager ?? "", now)
  return wanted
}

/**
 * The Scale a write of /scale starts from: the object's, with the managedFields its owners of
 * replicas have there. A custom resource lacking its replicas field has the mark upstream's
 * old Scale holds instead (see emptySpecReplicas).
 */
function oldScale(cur: Obj, paths: ScalePaths | undefined, replicasPaths: ReplicasPaths): ApiObject {
  const { scale: current, specFound } = readScale(cur, paths)
  if (!specFound) (current as Obj).spec = { replicas: INVALID_SPEC_REPLICAS }
  const fields = scaleManagedFields(cur.metadata?.managedFields, replicasPaths)
  if (fields) (current.metadata as ObjectMeta).managedFields = fields as never
  return current
}

/** GET, PUT and PATCH (server-side apply too) of /scale; `custom`: a custom resource's. */
export async function scale(r: ResourceRequest, custom?: CustomResourceHandling): Promise<ApiResponse> {
  const paths = custom?.scale
  const ref = { namespace: r.namespace, name: r.ri.name }
  const out = outputOf(r)
  if (r.ri.verb === "get") {
    await requestedRevision(r)
    const obj = (await r.parts.registry.get(r.served, r.namespace, r.ri.name)) as Obj
    const { scale: s, specFound } = readScale(obj, paths)
    if (paths && !specFound) throw missingSpecReplicas(paths.specReplicasPath)
    return respondScale(r, out, 200, s)
  }
  const contentType = parseMediaTypes(r.req.header("content-type"))[0]?.type ?? "application/json"
  const input = await scaleInput(r, contentType)
  const replicasPaths = replicasPathsOf(r, custom?.crd)
  let clientRV = ""
  const dryRun = r.req.query.has("dryRun")
  let notes: RequestNotes | undefined
  // A PUT's Scale names the uid of the object it scales, as upstream's precondition (a patch's
  // names none): checked here on a missing object, whose empty uid conflicts with it.
  const uidPrecondition = input.patch || input.apply ? undefined : uidOf(input.body)
  const { object } = await r.parts.registry.update(
    r.served,
    ref,
    async (cur) => {
      // On the object read, before the Scale is made and admitted, as upstream's store checks it.
      checkUidPrecondition(r.served, ref, { wanted: uidPrecondition, found: cur?.metadata?.uid ?? "" })
      const parentFields = cur?.metadata?.managedFields
      const current = oldScale(cur as Obj, paths, replicasPaths)
      const wanted = wantedScale(r, input, current, contentType)
      if (
        wanted.metadata?.resourceVersion &&
        wanted.metadata.resourceVersion !== current.metadata?.resourceVersion
      ) {
        clientRV = wanted.metadata.resourceVersion
      }
      // A Scale still holding the missing field's mark is refused once admitted (below).
      if (!(paths && wanted.spec?.replicas === INVALID_SPEC_REPLICAS)) replicasOf(wanted, r.ri.name)
      // The Scale is admitted (and may be mutated), not the object it scales, as upstream.
      const scaleObj = { ...wanted, apiVersion: "autoscaling/v1", kind: "Scale" } as Obj
      scaleObj.metadata = {
        ...wanted.metadata,
        name: r.ri.name,
        ...(r.namespace ? { namespace: r.namespace } : {}),
      }
      // Checked again between the phases, as upstream's ScaleREST validates the mutated Scale:
      // one whose replicas mutating admission left unset for a missing field is a 400 there.
      let replicas = 0
      notes = await admitBoth(
        r,
        {
          operation: "UPDATE",
          info: r.served.info,
          namespace: r.namespace,
          name: r.ri.name,
          subresource: "scale",
          object: scaleObj,
          old: current,
          dryRun,
        },
        () => {
          if (paths && scaleObj.spec?.replicas === INVALID_SPEC_REPLICAS)
            throw emptySpecReplicas(paths.specReplicasPath)
          replicas = replicasOf(scaleObj, r.ri.name)
        },
      )
      const next = cur as Obj
      if (paths) setPath(next, paths.specReplicasPath, replicas)
      else next.spec = { ...(next.spec ?? {}), replicas }
      // The Scale's managers mapped back onto the object, as upstream's ScaleHandler.ToParent.
      const { info } = r.served
      const apiVersion = info.group ? `${info.group}/${info.version}` : info.version
      const managed = parentManagedFields(
        parentFields,
        scaleObj.metadata?.managedFields,
        replicasPaths,
        apiVersion,
      )
      const { managedFields: _, ...meta } = next.metadata ?? {}
      next.metadata = managed ? { ...meta, managedFields: managed as never } : meta
      return next
    },
    {
      dryRun,
      user: r.req.user,
      admitted: true,
      uidPrecondition,
      // A custom resource's replicas path is set in place.
      shallowCurrent: !paths,
      get clientResourceVersion() {
        return clientRV
      },
    },
  )
  return withWarnings(
    respondScale(r, out, 200, scaleOf(object as Obj, paths)),
    input.patch?.warnings ?? input.warnings,
    notes,
  )
}

/** PUT namespaces/{name}/finalize: replaces spec.finalizers. */
export async function finalizeNamespace(r: ResourceRequest): Promise<ApiResponse> {
  const b = decodeBody(r.req.header("content-type"), await r.req.body()) as Obj
  const finalizers = b?.spec?.finalizers ?? []
  const { object } = await r.parts.registry.update(
    r.served,
    { namespace: "", name: r.ri.name },
    (cur) => ({ ...(cur as Obj), spec: { ...((cur as Obj).spec ?? {}), finalizers } }),
    { subresource: "finalize", user: r.req.user, shallowCurrent: true, uidPrecondition: uidOf(b) },
  )
  return json(200, object)
}

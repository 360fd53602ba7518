/** Printers of the apps/v1 kinds: Deployment, ReplicaSet, StatefulSet, DaemonSet, ControllerRevision. */
import type {
  ControllerRevision,
  DaemonSet,
  Deployment,
  ReplicaSet,
  StatefulSet,
} from "kubernetes-types/apps/v1.js"
import { DOCS } from "./descriptions.ts"
import { age, containerCells, formatLabelSelector, formatLabels, selectorString } from "./format.ts"
import { AGE_COLUMN, CONTAINER_COLUMNS, NAME_COLUMN, column, wide, type Printer } from "./types.ts"

/** Deployments: NAME READY UP-TO-DATE AVAILABLE AGE | CONTAINERS IMAGES SELECTOR. */
export const deploymentPrinter: Printer<Deployment> = {
  columns: [
    NAME_COLUMN,
    column("Ready", "string", "Number of the pod with ready state"),
    column("Up-to-date", "string", DOCS.deployUpdated),
    column("Available", "string", DOCS.deployAvailable),
    AGE_COLUMN,
    ...CONTAINER_COLUMNS,
    wide("Selector", DOCS.deploySelector),
  ],
  cells(d, { now }) {
    let selector: string
    try {
      selector = selectorString(d.spec?.selector)
    } catch {
      selector = "<invalid>"
    }
    return [
      d.metadata?.name ?? "",
      `${d.status?.readyReplicas ?? 0}/${d.spec?.replicas ?? 1}`,
      d.status?.updatedReplicas ?? 0,
      d.status?.availableReplicas ?? 0,
      age(d, now),
      ...containerCells(d.spec?.template?.spec?.containers),
      selector,
    ]
  },
}

/** ReplicaSets: NAME DESIRED CURRENT READY AGE | CONTAINERS IMAGES SELECTOR. */
export const replicaSetPrinter: Printer<ReplicaSet> = {
  columns: [
    NAME_COLUMN,
    column("Desired", "integer", DOCS.rsSpecReplicas),
    column("Current", "integer", DOCS.rsStatusReplicas),
    column("Ready", "integer", DOCS.rsReadyReplicas),
    AGE_COLUMN,
    ...CONTAINER_COLUMNS,
    wide("Selector", DOCS.rsSelector),
  ],
  cells: (rs, { now }) => [
    rs.metadata?.name ?? "",
    rs.spec?.replicas ?? 1,
    rs.status?.replicas ?? 0,
    rs.status?.readyReplicas ?? 0,
    age(rs, now),
    ...containerCells(rs.spec?.template?.spec?.containers),
    formatLabelSelector(rs.spec?.selector),
  ],
}

/** StatefulSets: NAME READY AGE | CONTAINERS IMAGES. */
export const statefulSetPrinter: Printer<StatefulSet> = {
  columns: [
    NAME_COLUMN,
    column("Ready", "string", "Number of the pod with ready state"),
    AGE_COLUMN,
    ...CONTAINER_COLUMNS,
  ],
  cells: (ss, { now }) => [
    ss.metadata?.name ?? "",
    `${ss.status?.readyReplicas ?? 0}/${ss.spec?.replicas ?? 1}`,
    age(ss, now),
    ...containerCells(ss.spec?.template?.spec?.containers),
  ],
}

/** DaemonSets: NAME DESIRED CURRENT READY UP-TO-DATE AVAILABLE NODE SELECTOR AGE | CONTAINERS IMAGES SELECTOR. */
export const daemonSetPrinter: Printer<DaemonSet> = {
  columns: [
    NAME_COLUMN,
    column("Desired", "integer", DOCS.dsDesired),
    column("Current", "integer", DOCS.dsCurrent),
    column("Ready", "integer", DOCS.dsReady),
    column("Up-to-date", "integer", DOCS.dsUpdated),
    column("Available", "integer", DOCS.dsAvailable),
    column("Node Selector", "string", DOCS.nodeSelector),
    AGE_COLUMN,
    ...CONTAINER_COLUMNS,
    wide("Selector", DOCS.dsSelector),
  ],
  cells(ds, { now }) {
    const s = ds.status
    return [
      ds.metadata?.name ?? "",
      s?.desiredNumberScheduled ?? 0,
      s?.currentNumberScheduled ?? 0,
      s?.numberReady ?? 0,
      s?.updatedNumberScheduled ?? 0,
      s?.numberAvailable ?? 0,
      formatLabels(ds.spec?.template?.spec?.nodeSelector),
      age(ds, now),
      ...containerCells(ds.spec?.template?.spec?.containers),
      formatLabelSelector(ds.spec?.selector),
    ]
  },
}

/** CONTROLLER: `kind.group/name` (lowercase kind.group) of the controlling owner, `<none>` without one. */
function controllerOf(cr: ControllerRevision): string {
  const ref = (cr.metadata?.ownerReferences ?? []).find((r) => r.controller)
  if (!ref) return "<none>"
  const slash = ref.apiVersion.indexOf("/")
  const group = slash < 0 ? "" : ref.apiVersion.slice(0, slash)
  if (!ref.kind && !group) return ref.name
  return `${(group ? `${ref.kind}.${group}` : ref.kind).toLowerCase()}/${ref.name}`
}

/** ControllerRevisions: NAME CONTROLLER REVISION AGE. */
export const controllerRevisionPrinter: Printer<ControllerRevision> = {
  columns: [
    NAME_COLUMN,
    column("Controller", "string", "Controller of the object"),
    column("Revision", "string", DOCS.crRevision),
    AGE_COLUMN,
  ],
  cells: (cr, { now }) => [cr.metadata?.name ?? "", controllerOf(cr), cr.revision, age(cr, now)],
}

/**
 * What a Pod Security Standards check is (upstream's policy.Check): a pure function of a pod's
 * metadata and spec, in versions that apply from a policy version on, and the helpers the
 * checks share to word their findings as upstream does.
 */
import type { ObjectMeta } from "kubernetes-types/meta/v1.js"
import type { Container, EphemeralContainer, PodSpec } from "kubernetes-types/core/v1.js"
import type { Level } from "./levels.ts"

/** Why a check forbids a pod: a short reason, and the fields and values at fault. */
export interface Forbidden {
  /** e.g. `host namespaces`, always shown. */
  readonly reason: string
  /** e.g. `hostNetwork=true, hostPID=true`, shown for a single object ("" for none). */
  readonly detail: string
}

/** One check of one version: undefined when the pod passes. */
export type CheckPod = (meta: ObjectMeta, spec: PodSpec) => Forbidden | undefined

/** One version of a check, applying from policy version v1.`minimum` on. */
export interface VersionedCheck {
  readonly minimum: number
  readonly check: CheckPod
  /** Baseline checks this (restricted) one replaces where it applies. */
  readonly overrides?: readonly string[]
}

/** A check of a level, in versions of strictly increasing minimum. */
export interface Check {
  readonly id: string
  readonly level: Exclude<Level, "privileged">
  readonly versions: readonly VersionedCheck[]
}

/** The outcome of several checks: the forbidden ones, in check order. */
export interface CheckResults {
  readonly allowed: boolean
  readonly forbidden: readonly Forbidden[]
}

/** Gathers the forbidden results of a run of checks (upstream's AggregateCheckResults). */
export function aggregate(results: readonly (Forbidden | undefined)[]): CheckResults {
  const forbidden: Forbidden[] = []
  for (const r of results) {
    if (r) forbidden.push({ reason: r.reason || "unknown forbidden reason", detail: r.detail })
  }
  return { allowed: forbidden.length === 0, forbidden }
}

/** `host ports, privileged`: the reasons alone. */
export function forbiddenReason(r: CheckResults): string {
  return r.forbidden.map((f) => f.reason).join(", ")
}

/** `host ports (container "a" uses hostPort 80), privileged (...)`: reasons with their details. */
export function forbiddenDetail(r: CheckResults): string {
  return r.forbidden.map((f) => (f.detail ? `${f.reason} (${f.detail})` : f.reason)).join(", ")
}

/** `"a", "b"` (empty for none). */
export function joinQuote(items: readonly string[]): string {
  return items.length === 0 ? "" : `"${items.join('", "')}"`
}

/** `singular` for one, else `plural`. */
export function pluralize(singular: string, plural: string, count: number): string {
  return count === 1 ? singular : plural
}

/** `container "a"` or `containers "a", "b"`. */
export function containersPhrase(names: readonly string[]): string {
  return `${pluralize("container", "containers", names.length)} ${joinQuote(names)}`
}

/** Distinct values sorted, as Go's sets list them. */
export function sortedSet(values: Iterable<string>): string[] {
  return [...new Set(values)].sort()
}

type AnyContainer = Container | EphemeralContainer

/** Calls `visit` with every container of a pod: init, regular, then ephemeral. */
export function eachContainer(spec: PodSpec, visit: (c: AnyContainer) => void): void {
  for (const c of spec.initContainers ?? []) visit(c)
  for (const c of spec.containers ?? []) visit(c)
  for (const c of spec.ephemeralContainers ?? []) visit(c)
}

/** The pod runs in its own user namespace (`hostUsers: false`): some checks relax. */
function inUserNamespace(spec: PodSpec): boolean {
  return spec.hostUsers === false
}

/** The pod declares itself a Windows pod: the Linux-only restricted checks do not apply. */
function isWindowsPod(spec: PodSpec): boolean {
  return spec.os?.name === "windows"
}

/** The check, skipped for pods that declare Windows as their OS (policy versions 1.25 on). */
export function exceptWindows(check: CheckPod): CheckPod {
  return (meta, spec) => (isWindowsPod(spec) ? undefined : check(meta, spec))
}

/** The check, skipped for pods in their own user namespace (policy versions 1.35 on). */
export function exceptUserNamespace(check: CheckPod): CheckPod {
  return (meta, spec) => (inUserNamespace(spec) ? undefined : check(meta, spec))
}

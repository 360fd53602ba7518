/**
 * The HELP text of a metric declared through component-base's metrics framework, which every
 * Kubernetes component registers its own metrics with: the stability level in brackets first
 * ("[STABLE] ", "[BETA] ", "[ALPHA] "), after it "(Deprecated since 1.34.0) " once the release
 * the metric was deprecated in has come. Raw Prometheus collectors (the process_* metrics) and
 * other projects' metrics (CoreDNS's) carry no such prefix.
 */

/** A stability level of component-base (ALPHA when a declaration names none). */
export type StabilityLevel = "ALPHA" | "BETA" | "STABLE"

/** `help` as component-base annotates it for `level` (and `deprecatedVersion`, e.g. "1.34.0"). */
export function kubeHelp(level: StabilityLevel, help: string, deprecatedVersion?: string): string {
  return `[${level}] ${deprecatedVersion ? `(Deprecated since ${deprecatedVersion}) ` : ""}${help}`
}

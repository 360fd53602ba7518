/**
 * A Service's cluster IPs and IP families (core validation): clusterIP and clusterIPs in step,
 * valid addresses, at most one per family, and what an update may change.
 */
import type { ServiceSpec } from "kubernetes-types/core/v1.js"
import type { FieldError } from "../errors.ts"
import { duplicate, invalidValue, notSupported, required } from "../field-errors.ts"
import { index, list } from "./_field.ts"
import { isValidIp } from "./net.ts"

/** True for a headless service: clusterIPs is exactly ["None"]. */
export function isHeadless(spec: ServiceSpec): boolean {
  const ips = list(spec.clusterIPs)
  return ips.length === 1 && ips[0] === "None"
}

/** clusterIP, clusterIPs, ipFamilies and ipFamilyPolicy of a non-ExternalName service. */
export function validateClusterIps(spec: ServiceSpec): FieldError[] {
  if (spec.type === "ExternalName") return []
  const errs: FieldError[] = []
  const ips = list(spec.clusterIPs)
  const fld = "spec.clusterIPs"
  if (spec.clusterIP) {
    if (!ips.length) errs.push(required(fld, ""))
    else if (ips[0] !== spec.clusterIP)
      errs.push(invalidValue(fld, ips, "first value must match `clusterIP`"))
  } else if (ips.length) errs.push(invalidValue(fld, ips, "must be empty when `clusterIP` is not specified"))
  const seen = new Set<string>()
  list(spec.ipFamilies).forEach((f, i) => {
    if (f !== "IPv4" && f !== "IPv6")
      errs.push(notSupported(index("spec.ipFamilies", i), f, ["IPv4", "IPv6"]))
    if (seen.has(f)) errs.push(duplicate(index("spec.ipFamilies", i), f))
    seen.add(f)
  })
  const policy = spec.ipFamilyPolicy
  if (
    policy !== undefined &&
    policy !== null &&
    !["PreferDualStack", "RequireDualStack", "SingleStack"].includes(policy)
  ) {
    errs.push(
      notSupported("spec.ipFamilyPolicy", policy, ["PreferDualStack", "RequireDualStack", "SingleStack"]),
    )
  }
  let bad = false
  ips.forEach((ip, i) => {
    if (i === 0 && ip === "None") {
      if (ips.length > 1) {
        bad = true
        errs.push(invalidValue(fld, ips, "'None' must be the first and only value"))
      }
      return
    }
    const e = isValidIp(ip, index(fld, i))
    if (e.length) bad = true
    errs.push(...e)
  })
  if (ips.length > 2) errs.push(invalidValue(fld, ips, "may only hold up to 2 values"))
  if (bad) return errs
  if (ips.length > 1 && ips[0]?.includes(":") === ips[1]?.includes(":")) {
    errs.push(invalidValue(fld, ips, "may specify no more than one IP for each IP family"))
  }
  if (!isHeadless(spec)) {
    ips.forEach((ip, i) => {
      const fam = list(spec.ipFamilies)[i]
      if (fam === "IPv4" && ip.includes(":"))
        errs.push(
          invalidValue(index(fld, i), ip, `expected an IPv4 value as indicated by \`ipFamilies[${i}]\``),
        )
      if (fam === "IPv6" && !ip.includes(":"))
        errs.push(
          invalidValue(index(fld, i), ip, `expected an IPv6 value as indicated by \`ipFamilies[${i}]\``),
        )
    })
  }
  return errs
}

/** What an update may change: clusterIPs and families only grow or shrink at the end. */
export function validateServiceIpUpdate(spec: ServiceSpec, old: ServiceSpec): FieldError[] {
  const errs: FieldError[] = []
  if (spec.type === "ExternalName" || old.type === "ExternalName") return errs
  const ips = list(spec.clusterIPs)
  const oldIps = list(old.clusterIPs)
  if (!(isHeadless(spec) && isHeadless(old))) {
    if (ips.length === oldIps.length) {
      oldIps.forEach((ip, i) => {
        if (ip !== ips[i])
          errs.push(invalidValue(index("spec.clusterIPs", i), ips, "may not change once set"))
      })
    } else if (oldIps.length > ips.length) {
      if (!ips.length)
        errs.push(invalidValue("spec.clusterIPs[0]", ips, "primary clusterIP can not be unset"))
      else if (ips[0] !== oldIps[0])
        errs.push(invalidValue("spec.clusterIPs[0]", ips, "may not change once set"))
      if (ips.length === 1 && spec.ipFamilyPolicy !== "SingleStack") {
        errs.push(
          invalidValue(
            "spec.ipFamilyPolicy",
            spec.ipFamilyPolicy ?? null,
            "must be set to 'SingleStack' when releasing the secondary clusterIP",
          ),
        )
      }
    } else if (oldIps.length && ips[0] !== oldIps[0]) {
      errs.push(invalidValue("spec.clusterIPs[0]", ips, "may not change once set"))
    }
  }
  if (isHeadless(spec) === isHeadless(old) && !isHeadless(spec)) {
    const fams = list(spec.ipFamilies)
    const oldFams = list(old.ipFamilies)
    if (fams.length === oldFams.length && oldFams.some((f, i) => f !== fams[i])) {
      errs.push(invalidValue("spec.ipFamilies[0]", fams, "may not change once set"))
    }
  }
  return errs
}

/**
 * Probes and lifecycle handlers (core validation's handler rules): exactly one handler,
 * valid ports and schemes, non-negative timings, and the per-probe-kind restrictions.
 */
import type { Lifecycle, LifecycleHandler, Probe } from "kubernetes-types/core/v1.js"
import type { FieldError } from "../errors.ts"
import { forbidden, invalidValue, notSupported, required } from "../field-errors.ts"
import { child, list, nonNegative } from "./_field.ts"
import { isHttpHeaderName, isValidPortName, isValidPortNum } from "./formats.ts"

const SCHEMES = ["HTTP", "HTTPS"]

/** A port given as a number or an IANA name. */
export function validatePortNumOrName(port: number | string | undefined, field: string): FieldError[] {
  if (typeof port === "string") return isValidPortName(port).map((m) => invalidValue(field, port, m))
  const n = port ?? 0
  return isValidPortNum(n).map((m) => invalidValue(field, n, m))
}

type Handler = Partial<Pick<LifecycleHandler, "exec" | "httpGet" | "tcpSocket" | "sleep">> & {
  grpc?: Probe["grpc"]
}

function validateHttpGet(g: NonNullable<Handler["httpGet"]>, field: string): FieldError[] {
  const errs: FieldError[] = []
  if (!g.path) errs.push(required(child(field, "path"), ""))
  errs.push(...validatePortNumOrName(g.port, child(field, "port")))
  if (!SCHEMES.includes(g.scheme ?? ""))
    errs.push(notSupported(child(field, "scheme"), g.scheme ?? "", SCHEMES))
  for (const header of list(g.httpHeaders)) {
    const name = header.name ?? ""
    errs.push(...isHttpHeaderName(name).map((m) => invalidValue(child(field, "httpHeaders"), name, m)))
  }
  return errs
}

function validateHandlerType(
  name: keyof Handler,
  h: Handler,
  gracePeriod: number | undefined,
  field: string,
): FieldError[] {
  switch (name) {
    case "exec":
      return list(h.exec?.command).length === 0 ? [required(child(field, "command"), "")] : []
    case "httpGet":
      return validateHttpGet(h.httpGet ?? { port: 0 }, field)
    case "tcpSocket":
      return validatePortNumOrName(h.tcpSocket?.port, child(field, "port"))
    case "grpc":
      return validatePortNumOrName(h.grpc?.port ?? 0, child(field, "port"))
    case "sleep": {
      const s = h.sleep?.seconds ?? 0
      if (gracePeriod !== undefined && (s < 0 || s > gracePeriod)) {
        return [
          invalidValue(
            field,
            s,
            `must be non-negative and less than terminationGracePeriodSeconds (${gracePeriod})`,
          ),
        ]
      }
      return []
    }
  }
}

function validateHandler(h: Handler, gracePeriod: number | undefined, field: string): FieldError[] {
  const errs: FieldError[] = []
  let count = 0
  for (const name of ["exec", "httpGet", "tcpSocket", "grpc", "sleep"] as const) {
    if (h[name] === undefined || h[name] === null) continue
    if (count > 0) {
      errs.push(forbidden(child(field, name), "may not specify more than 1 handler type"))
      continue
    }
    count++
    errs.push(...validateHandlerType(name, h, gracePeriod, child(field, name)))
  }
  if (count === 0) errs.push(required(field, "must specify a handler type"))
  return errs
}

/** postStart and preStop handlers. */
export function validateLifecycle(
  lc: Lifecycle,
  gracePeriod: number | undefined,
  field: string,
): FieldError[] {
  const errs: FieldError[] = []
  if (lc.postStart) errs.push(...validateHandler(lc.postStart, gracePeriod, child(field, "postStart")))
  if (lc.preStop) errs.push(...validateHandler(lc.preStop, gracePeriod, child(field, "preStop")))
  return errs
}

/** A liveness, readiness or startup probe. */
export function validateProbe(
  probe: Probe | undefined,
  gracePeriod: number | undefined,
  field: string,
  kind: "liveness" | "readiness" | "startup",
): FieldError[] {
  if (!probe) return []
  const { exec, httpGet, tcpSocket, grpc } = probe
  const errs = validateHandler({ exec, httpGet, tcpSocket, grpc }, gracePeriod, field)
  for (const k of [
    "initialDelaySeconds",
    "timeoutSeconds",
    "periodSeconds",
    "successThreshold",
    "failureThreshold",
  ] as const) {
    errs.push(...nonNegative(child(field, k), probe[k]))
  }
  const tgps = probe.terminationGracePeriodSeconds
  if (tgps !== undefined && tgps !== null && tgps <= 0) {
    errs.push(invalidValue(child(field, "terminationGracePeriodSeconds"), tgps, "must be greater than 0"))
  }
  if (kind === "readiness") {
    if (tgps !== undefined && tgps !== null) {
      errs.push(
        invalidValue(
          child(field, "terminationGracePeriodSeconds"),
          tgps,
          "must not be set for readinessProbes",
        ),
      )
    }
  } else if ((probe.successThreshold ?? 0) !== 1) {
    errs.push(invalidValue(child(field, "successThreshold"), probe.successThreshold ?? 0, "must be 1"))
  }
  return errs
}

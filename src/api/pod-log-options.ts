/**
 * PodLogOptions, the query of pods/log and of the kubelet's containerLogs: decoded as upstream's
 * parameter codec decodes it (a boolean is false only as "0" or "false" in any case; integers
 * and times parsed as Go parses them), validated as upstream validates it, and written back as
 * the API server writes the kubelet's query.
 */
import { goParseRfc3339, rfc3339 } from "../util/index.ts"
import { badRequest, type FieldError } from "./errors.ts"
import { forbidden, invalidShown } from "./field-errors.ts"
import { queryBool, queryInt64 } from "./query-params.ts"

/** core/v1 PodLogOptions (kubernetes-types leaves it out: it is a query, never a body). */
export interface PodLogOptions {
  container?: string
  follow?: boolean
  previous?: boolean
  sinceSeconds?: number
  /** RFC 3339, in UTC. */
  sinceTime?: string
  timestamps?: boolean
  tailLines?: number
  limitBytes?: number
  insecureSkipTLSVerifyBackend?: boolean
}

/**
 * The options a query asks for (the kubelet's older `tail`, "all" meaning every line, stands
 * for tailLines as upstream's kubelet takes it). @throws ApiError BadRequest with Go's parse
 * error for a number or time it cannot read.
 */
export function podLogOptions(query: URLSearchParams): PodLogOptions {
  const tail = query.get("tail")
  if (tail !== null && tail !== "") {
    query = new URLSearchParams(query)
    if (tail === "all") query.delete("tailLines")
    else query.set("tailLines", tail)
  }
  const opts: PodLogOptions = {}
  const container = query.get("container")
  if (container) opts.container = container
  if (queryBool(query, "follow")) opts.follow = true
  if (queryBool(query, "previous")) opts.previous = true
  if (queryBool(query, "timestamps")) opts.timestamps = true
  if (queryBool(query, "insecureSkipTLSVerifyBackend")) opts.insecureSkipTLSVerifyBackend = true
  const sinceSeconds = queryInt64(query, "sinceSeconds")
  if (sinceSeconds !== undefined) opts.sinceSeconds = sinceSeconds
  const sinceTime = query.get("sinceTime")
  if (sinceTime !== null && sinceTime !== "") {
    const t = goParseRfc3339(sinceTime)
    if (t.error !== undefined) throw badRequest(t.error)
    opts.sinceTime = rfc3339(t.ms)
  }
  const tailLines = queryInt64(query, "tailLines")
  if (tailLines !== undefined) opts.tailLines = tailLines
  const limitBytes = queryInt64(query, "limitBytes")
  if (limitBytes !== undefined) opts.limitBytes = limitBytes
  return opts
}

/** What upstream's ValidatePodLogOptions finds wrong with `opts`. */
export function validatePodLogOptions(opts: PodLogOptions): FieldError[] {
  const errs: FieldError[] = []
  if (opts.tailLines !== undefined && opts.tailLines < 0) {
    errs.push(invalidShown("tailLines", String(opts.tailLines), "must be greater than or equal to 0"))
  }
  if (opts.limitBytes !== undefined && opts.limitBytes < 1) {
    errs.push(invalidShown("limitBytes", String(opts.limitBytes), "must be greater than 0"))
  }
  if (opts.sinceSeconds !== undefined && opts.sinceTime !== undefined) {
    errs.push(forbidden("", "at most one of `sinceTime` or `sinceSeconds` may be specified"))
  } else if (opts.sinceSeconds !== undefined && opts.sinceSeconds < 1) {
    errs.push(invalidShown("sinceSeconds", String(opts.sinceSeconds), "must be greater than 0"))
  }
  return errs
}

/** The kubelet's containerLogs query for `opts`, as upstream's API server writes it. */
export function podLogQuery(opts: PodLogOptions): URLSearchParams {
  const q = new URLSearchParams()
  if (opts.follow) q.set("follow", "true")
  if (opts.previous) q.set("previous", "true")
  if (opts.timestamps) q.set("timestamps", "true")
  if (opts.sinceSeconds !== undefined) q.set("sinceSeconds", String(opts.sinceSeconds))
  if (opts.sinceTime !== undefined) q.set("sinceTime", opts.sinceTime)
  if (opts.tailLines !== undefined) q.set("tailLines", String(opts.tailLines))
  if (opts.limitBytes !== undefined) q.set("limitBytes", String(opts.limitBytes))
  return q
}

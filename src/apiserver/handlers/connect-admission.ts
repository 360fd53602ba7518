/**
 * CONNECT admission of the connecting subresources (pods/exec, attach, portforward and the
 * proxies), as upstream's ConnectResource runs it before connecting: the object admitted is the
 * options the request's query decodes to (PodExecOptions, ...), there is no old object, and a
 * refusal answers the request instead of the connection.
 */
import type { ApiObject } from "../../api/index.ts"
import { admitBoth } from "./admission-origin.ts"
import type { ResourceRequest } from "./context.ts"

type Options = Record<string, unknown>

/** Go's strconv.ParseBool for the true values; anything else is false here. */
function queryBool(q: URLSearchParams, name: string): boolean | undefined {
  const v = q.get(name)
  if (v === null) return undefined
  return ["1", "t", "T", "TRUE", "true", "True"].includes(v) || undefined
}

/** The stream options of exec and attach: the flags given (false ones are left out, as Go encodes them). */
function streamOptions(q: URLSearchParams): Options {
  const out: Options = {}
  for (const k of ["stdin", "stdout", "stderr", "tty"]) if (queryBool(q, k)) out[k] = true
  const container = q.get("container")
  if (container) out.container = container
  return out
}

/** The options object a CONNECT on `r`'s subresource admits (`subpath`: a proxy's target path). */
function connectOptions(r: ResourceRequest, subpath: string): ApiObject {
  const q = r.req.query
  const resource = r.served.info.resource
  switch (r.ri.subresource) {
    case "exec": {
      const command = q.getAll("command")
      return {
        kind: "PodExecOptions",
        apiVersion: "v1",
        ...streamOptions(q),
        command: command.length ? command : null,
      } as ApiObject
    }
    case "attach":
      return { kind: "PodAttachOptions", apiVersion: "v1", ...streamOptions(q) } as ApiObject
    case "portforward": {
      const ports = q.getAll("ports").map(Number)
      return {
        kind: "PodPortForwardOptions",
        apiVersion: "v1",
        ...(ports.length ? { ports } : {}),
      } as ApiObject
    }
  }
  const kind =
    resource === "pods"
      ? "PodProxyOptions"
      : resource === "services"
        ? "ServiceProxyOptions"
        : "NodeProxyOptions"
  return { kind, apiVersion: "v1", ...(subpath ? { path: subpath } : {}) } as ApiObject
}

/**
 * Runs CONNECT admission for `r` (`subpath`: what a proxy request names after `/proxy`).
 * @throws ApiError the refusal
 */
export async function admitConnect(r: ResourceRequest, subpath = ""): Promise<void> {
  await admitBoth(r, {
    operation: "CONNECT",
    info: r.served.info,
    namespace: r.namespace,
    name: r.ri.name,
    subresource: r.ri.subresource,
    object: connectOptions(r, subpath),
    dryRun: false,
  })
}

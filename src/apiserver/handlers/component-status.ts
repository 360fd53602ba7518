/**
 * GET and LIST of v1 componentstatuses: probed on each request, never stored (the resource is
 * marked deprecated, so every response carries upstream's warning, see ../deprecation.ts).
 */
import { ApiError, type ApiObject, Leases } from "../../api/index.ts"
import {
  type ComponentProbeDeps,
  COMPONENTS,
  componentNotFound,
  componentStatus,
  componentStatuses,
} from "../component-status.ts"
import { filterFor, selectorsOf } from "../filter.ts"
import type { ApiResponse } from "../http.ts"
import { chooseOutput } from "../negotiate.ts"
import { json } from "../output.ts"
import { tableContentType, tableOf } from "../table.ts"
import type { ResourceRequest } from "./context.ts"
import { respondObject } from "./read.ts"

function probeDeps(r: ResourceRequest): ComponentProbeDeps {
  const { parts } = r
  return {
    store: parts.store,
    clock: parts.clock,
    local: () => parts.componentHealth?.() ?? {},
    lease: (name) =>
      parts.registry.get(parts.served(Leases), "kube-system", name).catch((err: unknown) => {
        if (err instanceof ApiError && err.reason === "NotFound") return undefined
        throw err
      }),
  }
}

async function list(r: ResourceRequest): Promise<ApiResponse> {
  const out = chooseOutput(r.req.header("accept"), { table: true }) ?? { kind: "json" as const }
  const filter = filterFor(r.served.info, "", selectorsOf(r.req.query))
  const items = (await componentStatuses(probeDeps(r))).filter((o) => filter.matches(o as ApiObject))
  if (out.kind === "table") {
    const t = tableOf(r.served.info, items as ApiObject[], {
      query: r.req.query,
      now: r.parts.clock.now(),
      listMeta: {},
    })
    return {
      status: 200,
      headers: { "content-type": tableContentType(out.version) },
      body: JSON.stringify(t),
    }
  }
  return json(200, {
    kind: "ComponentStatusList",
    apiVersion: "v1",
    metadata: {},
    items: items.map(({ kind: _k, apiVersion: _a, ...rest }) => rest),
  })
}

/** Serves a GET or LIST of componentstatuses. */
export async function serveComponentStatuses(r: ResourceRequest): Promise<ApiResponse> {
  if (r.ri.verb === "list") return list(r)
  if (!(COMPONENTS as readonly string[]).includes(r.ri.name)) throw componentNotFound(r.ri.name)
  const out = chooseOutput(r.req.header("accept"), { table: true }) ?? { kind: "json" as const }
  const obj = (await componentStatus(probeDeps(r), r.ri.name)) as ApiObject
  return respondObject(r, out, obj, 200)
}

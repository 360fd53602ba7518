/** Upstream's 409 Conflict for apply conflicts, naming each manager and field. */
import { ApiError } from "../../api/index.ts"
import { type FieldSet, pathString } from "./field-set.ts"
import { type ManagerEntry, type Managers, printManager } from "./managed-fields.ts"

/** Upstream's 409 for apply conflicts. */
export function conflictError(conflicts: Map<string, FieldSet>, managers: Managers): ApiError {
  const list: { manager: string; path: string }[] = []
  for (const id of [...conflicts.keys()].sort()) {
    const name = printManager(managers.get(id) as ManagerEntry)
    for (const p of (conflicts.get(id) as FieldSet).paths()) list.push({ manager: name, path: pathString(p) })
  }
  let message: string
  if (list.length === 1) {
    const [only] = list as [{ manager: string; path: string }]
    message = `Apply failed with 1 conflict: conflict with ${only.manager}: ${only.path}`
  } else {
    const lines: string[] = []
    let current = ""
    for (const c of list) {
      if (c.manager !== current) lines.push(`conflicts with ${c.manager}:`)
      current = c.manager
      lines.push(`- ${c.path}`)
    }
    message = `Apply failed with ${list.length} conflicts: ${lines.join("\n")}`
  }
  return new ApiError("Conflict", message, {
    causes: list.map((c) => ({
      reason: "FieldManagerConflict",
      message: `conflict with ${c.manager}`,
      field: c.path,
    })),
  })
}

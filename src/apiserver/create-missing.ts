/**
 * What the API server's post-start hooks do with their default objects (RBAC roles, the
 * mandatory flowcontrol configuration): create each one that does not exist, leaving an existing
 * one as it is.
 */
import { ApiError, type ApiObject } from "../api/index.ts"
import type { Served } from "./registry/context.ts"
import type { Registry } from "./registry/registry.ts"

/** Creates each of `objects` (with where it is served) that does not exist, as `fieldManager`. */
export async function createMissing(
  registry: Registry,
  objects: readonly (readonly [Served, ApiObject])[],
  fieldManager: string,
): Promise<void> {
  for (const [s, obj] of objects) {
    await registry.create(s, "", structuredClone(obj), { fieldManager }).catch((err: unknown) => {
      if (!(err instanceof ApiError && err.reason === "AlreadyExists")) throw err
    })
  }
}

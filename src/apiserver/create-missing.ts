/**
 * What the API server's post-start hooks do with their default objects (the RBAC roles):
 * create each one that does not exist, leaving an existing one as it is.
 */
import { ApiError, type ApiObject, findResource, type ResourceInfo } from "../api/index.ts"
import type { Served } from "./registry/context.ts"
import type { Registry } from "./registry/registry.ts"

/** Default objects of one built-in resource (served at `v1` of `group`). */
export interface DefaultObjects {
  readonly group: string
  readonly resource: string
  readonly objects: readonly object[]
}

/** Creates, set after set, each object of `sets` that does not exist, as `fieldManager`. */
export async function createMissing(
  registry: Registry,
  serve: (info: ResourceInfo) => Served,
  sets: readonly DefaultObjects[],
  fieldManager: string,
): Promise<void> {
  for (const { group, resource, objects } of sets) {
    const served = serve(findResource(group, "v1", resource) as ResourceInfo)
    for (const obj of objects) {
      await registry
        .create(served, "", structuredClone(obj) as ApiObject, { fieldManager })
        .catch((err: unknown) => {
          if (!(err instanceof ApiError && err.reason === "AlreadyExists")) throw err
        })
    }
  }
}

/**
 * The custom resource definitions apiserver tests make: a namespaced kind of example.com/v1
 * whose schema keeps any field, served once its CRD is established.
 */
import { type FetchesRequests, apiCall } from "./api-call.ts"
import { until } from "./until.ts"

/** The kind an example CRD defines, and its scale subresource's paths if it has one. */
export interface ExampleKind {
  readonly plural: string
  readonly kind: string
  readonly scale?: { readonly specReplicasPath: string; readonly statusReplicasPath: string }
}

/**
 * Creates the CRD of `kind` in group example.com (a CRD made already is kept), and waits until
 * its resource is served. @throws Error when it is refused or never served
 */
export async function exampleCrd(api: FetchesRequests, kind: ExampleKind): Promise<void> {
  const res = await apiCall(api, "POST", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", {
    metadata: { name: `${kind.plural}.example.com` },
    spec: {
      group: "example.com",
      scope: "Namespaced",
      names: { plural: kind.plural, kind: kind.kind },
      versions: [
        {
          name: "v1",
          served: true,
          storage: true,
          schema: { openAPIV3Schema: { type: "object", "x-kubernetes-preserve-unknown-fields": true } },
          ...(kind.scale ? { subresources: { scale: kind.scale } } : {}),
        },
      ],
    },
  })
  if (res.status !== 201 && res.status !== 409)
    throw new Error(`CRD ${kind.plural}: ${res.status} ${res.text}`)
  await until(
    `${kind.plural}.example.com served`,
    async () => (await apiCall(api, "GET", `/apis/example.com/v1/${kind.plural}`)).status === 200,
  )
}

/**
 * Service account tokens for projected volumes, through the TokenRequest API
 * (`serviceaccounts/<name>/token`), bound to the pod, cached and renewed as upstream's token
 * manager does: once 80% of the token's lifetime has passed, or after 24 hours.
 */
import type { TokenRequest } from "kubernetes-types/authentication/v1.js"
import type { Pod, ServiceAccountTokenProjection } from "kubernetes-types/core/v1.js"
import { ServiceAccounts } from "../../api/index.ts"
import type { Client } from "../../client/index.ts"

const MAX_AGE_MS = 24 * 60 * 60 * 1000

interface Cached {
  readonly token: string
  readonly renewAt: number
  readonly podUid: string
}

/** Requests and caches bound service account tokens. */
export class ServiceAccountTokens {
  readonly #client: Client
  readonly #now: () => number
  readonly #cache = new Map<string, Cached>()

  constructor(client: Client, now: () => number) {
    this.#client = client
    this.#now = now
  }

  /** A token for the pod's service account, from the cache while it is fresh. @throws ApiError */
  async token(pod: Pod, source: ServiceAccountTokenProjection): Promise<string> {
    const ns = pod.metadata?.namespace ?? "default"
    const sa = pod.spec?.serviceAccountName || "default"
    const uid = pod.metadata?.uid ?? ""
    const key = JSON.stringify([ns, sa, uid, source.audience ?? "", source.expirationSeconds ?? 3600])
    const have = this.#cache.get(key)
    const now = this.#now()
    if (have && now < have.renewAt) return have.token
    const body: TokenRequest = {
      apiVersion: "authentication.k8s.io/v1",
      kind: "TokenRequest",
      spec: {
        audiences: source.audience ? [source.audience] : [],
        expirationSeconds: source.expirationSeconds ?? 3600,
        boundObjectRef: { apiVersion: "v1", kind: "Pod", name: pod.metadata?.name ?? "", uid },
      },
    }
    const tr = await this.#client.request<TokenRequest>({
      method: "POST",
      ref: ServiceAccounts,
      namespace: ns,
      name: sa,
      subresource: "token",
      body,
    })
    const token = tr.status?.token ?? ""
    const expires = Date.parse(tr.status?.expirationTimestamp ?? "") || now + 3600_000
    const renewAt = Math.min(now + 0.8 * (expires - now), now + MAX_AGE_MS)
    this.#cache.set(key, { token, renewAt, podUid: uid })
    return token
  }

  /** Forgets the tokens of a pod that is gone. */
  forget(podUid: string): void {
    for (const [k, v] of this.#cache) if (v.podUid === podUid) this.#cache.delete(k)
  }
}
